from __future__ import annotations

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
