"""The value types a scenario is written in: durations (like the rulebook's, or seconds),
shares, weights, log-normal quantities and ranges, each refusing what it cannot mean."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from rules import parse_duration


def to_seconds(value: object) -> float:
    """Durations are written like the rulebook's (``90d``, ``48h``, ISO-8601) or as seconds."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = float(value)
    elif isinstance(value, str):
        seconds = parse_duration(value).total_seconds()
    elif isinstance(value, timedelta):
        seconds = value.total_seconds()
    else:
        raise ValueError("must be a duration such as '48h' or '90d'")
    if seconds <= 0:
        raise ValueError("must be longer than zero")
    return seconds


Seconds = Annotated[float, Field(description="a duration, stored in seconds")]
Share = Annotated[float, Field(ge=0.0, le=1.0)]
Weights = dict[str, Annotated[float, Field(gt=0.0)]]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LogNormal(Strict):
    """A positive quantity with a typical (median) value and a spread (sigma of its log)."""

    median: float = Field(gt=0)
    sigma: float = Field(ge=0, le=3)


class DurationLogNormal(Strict):
    median: Seconds
    sigma: float = Field(ge=0, le=3)

    @field_validator("median", mode="before")
    @classmethod
    def _duration(cls, value: object) -> float:
        return to_seconds(value)


class Range(Strict):
    min: int = Field(ge=1)
    max: int = Field(ge=1)

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        if self.max < self.min:
            raise ValueError(f"max must be at least min ({self.min})")
        return self
