from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rules import format_duration, parse_duration
from rules.durations import compact_duration


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90d", timedelta(days=90)),
        ("48h", timedelta(hours=48)),
        ("30m", timedelta(minutes=30)),
        ("2s", timedelta(seconds=2)),
        ("0.5s", timedelta(milliseconds=500)),
        ("1w", timedelta(weeks=1)),
        (" 3D ", timedelta(days=3)),
        ("P90D", timedelta(days=90)),
        ("PT2S", timedelta(seconds=2)),
        ("P1DT2H30M", timedelta(days=1, hours=2, minutes=30)),
        ("PT48H", timedelta(hours=48)),
        (5, timedelta(seconds=5)),
        (timedelta(hours=1), timedelta(hours=1)),
    ],
)
def test_parse_duration_accepts_short_and_iso_forms(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["0s", "0d", "PT0S", -3, "-2h", "P", "PT", "two days", "90", "", "5y", True])
def test_parse_duration_refuses_zero_negative_and_garbage(text):
    with pytest.raises(ValueError, match=r"duration|greater than zero"):
        parse_duration(text)


def test_refusal_message_names_the_accepted_forms():
    with pytest.raises(ValueError, match=r"90d, 48h, 30m, 2s"):
        parse_duration("soon")


@pytest.mark.parametrize(
    ("value", "words", "short"),
    [
        (timedelta(days=90), "90 days", "90d"),
        (timedelta(hours=48), "2 days", "2d"),
        (timedelta(hours=30), "1 day 6 hours", "30h"),
        (timedelta(seconds=2), "2 seconds", "2s"),
        (timedelta(minutes=1), "1 minute", "1m"),
    ],
)
def test_formatting_reads_back(value, words, short):
    assert format_duration(value) == words
    assert compact_duration(value) == short
    assert parse_duration(short) == value


@pytest.mark.parametrize(
    ("value", "short"),
    [
        (timedelta(microseconds=46), "0.000046s"),  # a 1 s window on a 21,600-fold clock
        (timedelta(microseconds=1), "0.000001s"),
        (timedelta(seconds=0.166667), "0.166667s"),
        (timedelta(seconds=1, microseconds=500_000), "1.5s"),
    ],
)
def test_a_fraction_of_a_second_is_written_so_it_reads_back(value, short):
    # "4.6e-05s" once left a scaled rulebook readable from its file but not from its own JSON:
    # a worker's load_rulebook activity failed on every retry and the registration never started.
    assert compact_duration(value) == short
    assert parse_duration(short) == value


@given(st.timedeltas(min_value=timedelta(microseconds=1), max_value=timedelta(days=3650)))
def test_every_positive_duration_reads_back(value):
    assert parse_duration(compact_duration(value)) == value
