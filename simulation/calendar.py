"""Working-hours calendars for approvers, in simulated seconds, without creating datetimes.

An approver's handling time is working time: a task picked up on Friday at 16:00 with two hours
of work finishes on Monday at 10:00. Both directions (work done between two instants, and when
a given amount of work ends) are closed-form on the weekly pattern, so the hot loop never walks
the clock or builds a datetime.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from simulation.scenario import WEEKDAYS, Role

DAY = 86_400.0
WEEK = 7 * DAY
# 1970-01-01 was a Thursday: shift Unix time by three days to count weeks from Monday 00:00.
_MONDAY_SHIFT = 3 * DAY


@dataclass(frozen=True)
class WorkCalendar:
    """Weekly working intervals ``(start, end)`` in seconds since Monday 00:00 local time."""

    intervals: tuple[tuple[float, float], ...]
    phase: float  # seconds since local Monday 00:00 at simulated time zero
    always: bool = False
    weekly: float = field(init=False)
    _before: tuple[float, ...] = field(init=False)

    def __post_init__(self) -> None:
        before, total = [], 0.0
        for start, end in self.intervals:
            before.append(total)
            total += end - start
        object.__setattr__(self, "weekly", total)
        object.__setattr__(self, "_before", tuple(before))

    @classmethod
    def for_role(cls, role: Role, epoch: datetime) -> WorkCalendar:
        phase = (epoch.timestamp() + role.utc_offset_hours * 3600 + _MONDAY_SHIFT) % WEEK
        if role.working_hours == "always":
            return cls(intervals=((0.0, WEEK),), phase=phase, always=True)
        start_s, end_s = role.working_hours.split("-")
        start = int(start_s[:2]) * 3600 + int(start_s[3:]) * 60
        end = int(end_s[:2]) * 3600 + int(end_s[3:]) * 60
        days = sorted(WEEKDAYS.index(d) for d in set(role.weekdays))
        return cls(intervals=tuple((d * DAY + start, d * DAY + end) for d in days), phase=phase)

    def _cumulative(self, t: float) -> float:
        """Working seconds from simulated time -phase (a local Monday 00:00) up to ``t``."""
        local = self.phase + t
        weeks, pos = divmod(local, WEEK)
        done = weeks * self.weekly
        for (start, end), before in zip(self.intervals, self._before, strict=True):
            if pos <= start:
                return done + before
            if pos < end:
                return done + before + (pos - start)
        return done + self.weekly

    def worked(self, start: float, end: float) -> float:
        """Working seconds between two simulated instants."""
        if self.always:
            return end - start
        return self._cumulative(end) - self._cumulative(start)

    def finish(self, start: float, work: float) -> float:
        """The simulated instant at which ``work`` working seconds begun at ``start`` are done."""
        if self.always:
            return start + work
        weeks, rem = divmod(self._cumulative(start) + work, self.weekly)
        if rem <= 0.0:
            # Exactly a week boundary of work: it ends when the last interval of the week ends.
            weeks -= 1
            rem = self.weekly
        for (begin, end), before in zip(self.intervals, self._before, strict=True):
            if rem <= before + (end - begin):
                return max(start, weeks * WEEK + begin + (rem - before) - self.phase)
        raise AssertionError("unreachable: rem is within one week of work")
