from datetime import UTC, datetime, timedelta

import pytest

from parley.errors import NotFound
from rules import RulebookLibrary, load_rulebook
from tests.rules.helpers import DEFAULT


def _versions():
    base = load_rulebook(DEFAULT)
    first = base.model_copy(update={"version": "2026.1"})
    second = base.model_copy(update={"version": "2026.2", "effective_from": datetime(2026, 7, 1, tzinfo=UTC)})
    return first, second


def test_governing_is_the_latest_effective_at_that_time():
    first, second = _versions()
    library = RulebookLibrary([second, first])
    assert library.versions == ("2026.1", "2026.2")
    assert library.governing(datetime(2026, 3, 1, tzinfo=UTC)).version == "2026.1"
    assert library.governing(datetime(2026, 7, 1, tzinfo=UTC)).version == "2026.2"
    assert library.governing(datetime(2026, 7, 1, tzinfo=UTC) - timedelta(seconds=1)).version == "2026.1"
    assert library.get("2026.1") is first


def test_before_the_first_rulebook_and_unknown_versions_are_not_found():
    library = RulebookLibrary(_versions())
    with pytest.raises(NotFound):
        library.governing(datetime(2025, 12, 31, tzinfo=UTC))
    with pytest.raises(NotFound):
        library.get("1999.1")
    with pytest.raises(ValueError, match="time-zone-aware"):
        library.governing(datetime(2026, 3, 1))


def test_duplicate_versions_are_refused():
    first, _ = _versions()
    with pytest.raises(ValueError, match="given twice"):
        RulebookLibrary([first, first])
