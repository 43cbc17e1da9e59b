"""Working-hours arithmetic: work pauses outside the calendar and resumes on the next day."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from simulation.calendar import DAY, WorkCalendar
from simulation.scenario import Role
from simulation.scenario_fields import DurationLogNormal

MONDAY = datetime(2026, 1, 5, tzinfo=UTC)  # a Monday
HOUR = 3600.0


def role(**kw: object) -> Role:
    return Role(staff=1, handling=DurationLogNormal(median=HOUR, sigma=0.0), **kw)


def test_office_hours_work_spills_over_the_weekend() -> None:
    cal = WorkCalendar.for_role(role(), MONDAY)
    friday_4pm = 4 * DAY + 16 * HOUR
    assert cal.finish(friday_4pm, 2 * HOUR) == pytest.approx(7 * DAY + 10 * HOUR)  # Monday 10:00
    assert cal.worked(friday_4pm, 7 * DAY + 10 * HOUR) == pytest.approx(2 * HOUR)


def test_work_received_at_night_starts_in_the_morning() -> None:
    cal = WorkCalendar.for_role(role(), MONDAY)
    assert cal.finish(20 * HOUR, HOUR) == pytest.approx(DAY + 10 * HOUR)  # Tuesday 10:00


def test_a_week_of_office_hours_is_forty_hours() -> None:
    cal = WorkCalendar.for_role(role(), MONDAY)
    assert cal.worked(0, 7 * DAY) == pytest.approx(40 * HOUR)
    assert cal.finish(0, 40 * HOUR) == pytest.approx(4 * DAY + 17 * HOUR)  # Friday 17:00


def test_time_zone_offset_shifts_the_day() -> None:
    cal = WorkCalendar.for_role(role(utc_offset_hours=-6), MONDAY)
    # 09:00 in UTC-6 is 15:00 UTC on Monday.
    assert cal.finish(0, HOUR) == pytest.approx(16 * HOUR)


def test_always_is_wall_time() -> None:
    cal = WorkCalendar.for_role(role(working_hours="always"), MONDAY)
    assert cal.finish(123.0, 5 * DAY) == 123.0 + 5 * DAY
    assert cal.worked(0, 2 * DAY) == 2 * DAY
