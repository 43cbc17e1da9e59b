"""Paired differences, their intervals and the Gini coefficient."""

from __future__ import annotations

import math

import numpy as np
import pytest

from simulation.stats import gini, paired


def test_identical_samples_give_exactly_zero() -> None:
    s = paired([1.0, 2.5, 3.0], [1.0, 2.5, 3.0])
    assert (s.difference, s.ci_low, s.ci_high) == (0.0, 0.0, 0.0)
    assert not s.significant


def test_paired_interval_matches_the_t_formula() -> None:
    base, prop = [10.0, 12.0, 11.0, 13.0], [11.0, 14.0, 12.0, 15.0]
    s = paired(base, prop)
    diff = np.array(prop) - np.array(base)
    half = 3.182446305284263 * diff.std(ddof=1) / 2  # t(0.975, 3) * sd / sqrt(4)
    assert s.difference == pytest.approx(1.5)
    assert (s.ci_low, s.ci_high) == pytest.approx((1.5 - half, 1.5 + half))
    assert s.significant


def test_undefined_replications_are_left_out() -> None:
    s = paired([1.0, math.nan, 3.0], [2.0, 5.0, 4.0])
    assert s.replications == 2
    assert s.difference == pytest.approx(1.0)
    assert paired([math.nan], [1.0]).difference is None


def test_gini() -> None:
    assert gini(np.array([5, 5, 5, 5])) == pytest.approx(0.0)
    assert gini(np.array([0, 0, 0, 12])) == pytest.approx(0.75)
    assert gini(np.array([0, 0])) == 0.0
