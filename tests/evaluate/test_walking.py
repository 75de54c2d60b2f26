from __future__ import annotations

import pytest

from synergait.errors import ParameterError
from synergait.evaluate.walking import WALKING_TARGETS, WalkingTarget, check_targets
from synergait.walker import load_walker


def test_the_targets_are_the_issues_conditions() -> None:
    assert [(t.speed_m_s, t.slope_deg, t.episodes, t.required) for t in WALKING_TARGETS] == [
        (1.2, 0.0, 10, 9), (0.8, 0.0, 5, 4), (1.6, 0.0, 5, 4), (1.2, 5.0, 5, 4), (1.2, -5.0, 5, 4)]


def test_check_targets_counts_each_condition_against_its_requirement() -> None:
    targets = (WalkingTarget(1.2, 0.0, 2, 2), WalkingTarget(1.2, 0.0, 2, 3))  # the second asks more than it runs
    walker = check_targets(load_walker("independent-imitation"), targets, steps=80)
    assert [t.walking for t in walker.tests] == [2, 2]
    assert walker.passed == [True, False] and not walker.as_dict()["all_passed"]
    random = check_targets(load_walker("random", controller="independent"), targets[:1], steps=80)
    assert random.walking == 0 and random.passed == [False]


def test_rounds_repeat_the_check_on_the_next_seeds() -> None:
    walker, target = load_walker("independent-imitation"), WalkingTarget(1.2, 0.0, 2, 2)
    repeated = check_targets(walker, (target,), steps=60, rounds=2)
    first, second = (check_targets(walker, (target,), steps=60, seed=seed) for seed in (0, 2))
    assert repeated.walking_per_round(0) == [first.walking, second.walking]
    assert repeated.passed == first.passed
    assert repeated.rounds_passed == first.passed[0] + second.passed[0]
    condition = repeated.as_dict()["conditions"][0]
    assert condition["episodes"] == 2 and condition["all_rounds"]["episodes"] == 4
    low, high = condition["all_rounds"]["walking_rate_95"]
    assert 0 <= low <= condition["all_rounds"]["walking_rate"] <= high <= 1
    with pytest.raises(ParameterError, match="rounds: must be at least 1, got 0"):
        check_targets(walker, (target,), steps=60, rounds=0)
