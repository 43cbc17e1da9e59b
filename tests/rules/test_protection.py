from datetime import timedelta

import pytest

from rules import decide_extension, load_rulebook, protection_window
from tests.rules.helpers import DEFAULT, FAST, T0


@pytest.fixture(scope="module")
def rulebook():
    return load_rulebook(DEFAULT)


def test_window_is_ninety_days_with_a_reminder_two_weeks_before(rulebook):
    window = protection_window(rulebook, T0)
    assert window.expires_at == T0 + timedelta(days=90)
    assert window.remind_at == T0 + timedelta(days=76)
    assert window.rulebook_version == "2026.1"


def test_fast_window_is_seconds():
    window = protection_window(load_rulebook(FAST), T0)
    assert (window.expires_at - T0).total_seconds() == 6
    assert (window.remind_at - T0).total_seconds() == 4


def test_one_extension_of_thirty_days_in_the_last_thirty_days(rulebook):
    expires = T0 + timedelta(days=90)
    granted = decide_extension(rulebook, 0, expires, expires - timedelta(days=10))
    assert granted.granted
    assert granted.new_expires_at == expires + timedelta(days=30)
    assert granted.new_remind_at == expires + timedelta(days=16)
    assert granted.extensions_used == 1
    assert [r.code for r in granted.reasons] == ["extension.granted"]


@pytest.mark.parametrize(
    ("used", "now_offset", "code"),
    [
        (1, timedelta(days=-10), "extension.limit_reached"),
        (0, timedelta(days=-45), "extension.too_early"),
        (0, timedelta(0), "extension.lapsed"),
        (0, timedelta(days=1), "extension.lapsed"),
    ],
)
def test_extension_refusals_say_why(rulebook, used, now_offset, code):
    expires = T0 + timedelta(days=90)
    decision = decide_extension(rulebook, used, expires, expires + now_offset)
    assert not decision.granted
    assert decision.new_expires_at is None
    assert [r.code for r in decision.reasons] == [code]
    assert decision.extensions_used == used


def test_reminder_never_lands_in_the_past():
    fast = load_rulebook(FAST)  # extension 3s, reminder lead 2s
    expires = T0 + timedelta(seconds=6)
    now = expires - timedelta(seconds=1)
    decision = decide_extension(fast, 0, expires, now)
    assert decision.new_expires_at == expires + timedelta(seconds=3)
    assert decision.new_remind_at == expires + timedelta(seconds=1)
    assert decision.new_remind_at >= now
