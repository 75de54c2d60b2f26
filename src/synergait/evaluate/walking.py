"""The walking test: deterministic episodes at one condition, and whether the walker walks.

Walking (the walker issues' target): an episode reaches ``steps`` control steps (25 s at 40 Hz for 1000) without a
fall, at a mean forward speed within ``speed_tolerance_m_s`` (0.15 m/s) of the target. :data:`WALKING_TARGETS`
are the predictive walkers' conditions and how many episodes of each must walk (:func:`check_targets`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from rich.console import Console
from rich.progress import track
from scipy.stats import binomtest

from synergait.errors import ParameterError
from synergait.walker import Walker, run_episode


@dataclass
class WalkingTest:
    """Deterministic episodes at one condition and how many walked.

    Per episode: ``episode_steps`` control steps (25 ms at 40 Hz; not gait steps), ``episode_seconds`` simulated
    time, ``episode_gait_steps`` heel strikes, ``episode_distance_m`` the centre of mass's travel,
    ``episode_speed_m_s`` its mean speed. ``terminations`` counts why episodes ended ("time limit" for those that
    reached ``steps``); ``mean_reward_terms`` averages the paper's reward terms over all steps.
    """

    policy: str
    controller: str
    speed_m_s: float
    slope_deg: float
    steps: int
    speed_tolerance_m_s: float
    episodes: int
    falls: int
    walking: int
    episode_steps: list[int]
    episode_seconds: list[float]
    episode_gait_steps: list[int]
    episode_distance_m: list[float]
    episode_speed_m_s: list[float]
    terminations: dict[str, int]
    mean_reward_terms: dict[str, float] = field(default_factory=dict)

    @property
    def walked(self) -> list[bool]:
        """Per episode: reached ``steps`` at the target speed +/- the tolerance."""
        return [_walks(n, v, self.steps, self.speed_m_s, self.speed_tolerance_m_s)
                for n, v in zip(self.episode_steps, self.episode_speed_m_s, strict=True)]

    @property
    def mean_steps(self) -> float:
        return float(np.mean(self.episode_steps))

    @property
    def mean_distance_m(self) -> float:
        return float(np.mean(self.episode_distance_m))

    @property
    def mean_speed_m_s(self) -> float:
        """Total distance over total time."""
        return float(np.sum(self.episode_distance_m) / np.sum(self.episode_seconds))

    def as_dict(self) -> dict[str, Any]:
        """Every field plus the means (``mean_steps``: control steps; ``mean_gait_steps``: heel strikes)."""
        return {**asdict(self), "mean_steps": self.mean_steps, "mean_seconds": float(np.mean(self.episode_seconds)),
                "mean_gait_steps": float(np.mean(self.episode_gait_steps)), "mean_distance_m": self.mean_distance_m,
                "mean_speed_m_s": self.mean_speed_m_s}


def _walks(steps_done: int, speed_m_s: float, steps: int, target_m_s: float, tolerance_m_s: float) -> bool:
    return steps_done >= steps and abs(speed_m_s - target_m_s) <= tolerance_m_s


def walking_test(walker: Walker, *, episodes: int = 10, steps: int = 400, speed_m_s: float = 1.2,
                 slope_deg: float = 0.0, seed: int = 0, speed_tolerance_m_s: float = 0.15,
                 progress: bool = False) -> WalkingTest:
    """Run ``episodes`` episodes of at most ``steps`` control steps (seeds ``seed``, ``seed + 1``, ...); an
    episode walks when it reaches ``steps`` at ``speed_m_s`` +/- ``speed_tolerance_m_s``."""
    env = walker.make_env(speed_m_s=speed_m_s, slope_deg=slope_deg, episode_steps=steps)
    runs = [run_episode(walker, env, seed=seed + episode)
            for episode in track(range(episodes), description="walking test", disable=not progress,
                                 console=Console(stderr=True))]
    terminations: dict[str, int] = {}
    for episode in runs:
        reason = episode.termination or "time limit"
        terminations[reason] = terminations.get(reason, 0) + 1
    speeds = [round(e.speed_m_s, 3) for e in runs]
    walking = [_walks(e.steps, v, steps, speed_m_s, speed_tolerance_m_s) for e, v in zip(runs, speeds, strict=True)]
    total = sum(e.steps for e in runs)
    return WalkingTest(
        policy=walker.name, controller=walker.controller, speed_m_s=speed_m_s, slope_deg=slope_deg, steps=steps,
        speed_tolerance_m_s=speed_tolerance_m_s,
        episodes=episodes, falls=sum(e.steps < steps for e in runs), walking=sum(walking),
        episode_steps=[e.steps for e in runs], episode_seconds=[e.duration_s for e in runs],
        episode_gait_steps=[e.heel_strikes for e in runs], episode_distance_m=[round(e.distance_m, 3) for e in runs],
        episode_speed_m_s=speeds, terminations=terminations,
        mean_reward_terms={k: sum(e.steps * e.reward_terms[k] for e in runs) / total for k in runs[0].reward_terms})


@dataclass(frozen=True)
class WalkingTarget:
    """A condition (target speed, m/s; ground slope, degrees) and how many of its episodes must walk."""

    speed_m_s: float
    slope_deg: float
    episodes: int
    required: int


#: The predictive walkers' targets: 9 of 10 at 1.2 m/s on level ground, 4 of 5 at 0.8 and at 1.6 m/s, and 4 of 5
#: at 1.2 m/s up and down a 5-degree slope.
WALKING_TARGETS = (WalkingTarget(1.2, 0.0, 10, 9), WalkingTarget(0.8, 0.0, 5, 4), WalkingTarget(1.6, 0.0, 5, 4),
                   WalkingTarget(1.2, 5.0, 5, 4), WalkingTarget(1.2, -5.0, 5, 4))


@dataclass
class TargetCheck:
    """The walking test at every condition of ``targets`` (``tests[i]`` for ``targets[i]``), in ``rounds`` rounds.

    Round ``r`` of a condition is its episodes ``r * n`` to ``r * n + n - 1`` (``n`` its target's episodes, seeds
    consecutive): round 0 is the check itself, the others repeat it on the next seeds, which says how often a
    walker that falls now and then passes.
    """

    policy: str
    targets: tuple[WalkingTarget, ...]
    tests: list[WalkingTest]
    rounds: int = 1

    def walking_per_round(self, condition: int) -> list[int]:
        """Episodes walked in each round at ``targets[condition]``."""
        walked, n = self.tests[condition].walked, self.targets[condition].episodes
        return [sum(walked[r * n:(r + 1) * n]) for r in range(self.rounds)]

    def _passed_in(self, round_: int) -> list[bool]:
        return [self.walking_per_round(i)[round_] >= target.required for i, target in enumerate(self.targets)]

    @property
    def passed(self) -> list[bool]:
        """Per condition: the check (round 0) passed."""
        return self._passed_in(0)

    @property
    def rounds_passed(self) -> int:
        """Rounds in which every condition passed."""
        return sum(all(self._passed_in(r)) for r in range(self.rounds))

    @property
    def walking(self) -> int:
        """Episodes walked over all conditions in the check (round 0)."""
        return sum(self.walking_per_round(i)[0] for i in range(len(self.targets)))

    @property
    def mean_steps(self) -> float:
        """Control steps per episode over all conditions and rounds."""
        return float(np.mean([s for t in self.tests for s in t.episode_steps]))

    def as_dict(self) -> dict[str, Any]:
        """The check (round 0) per condition; with more rounds also each condition's walking rate over all of them
        with its 95 % (Wilson) interval, and how many rounds passed."""
        conditions = []
        for i, (test, target, ok) in enumerate(zip(self.tests, self.targets, self.passed, strict=True)):
            condition = {"speed_m_s": test.speed_m_s, "slope_deg": test.slope_deg,
                         "walking": self.walking_per_round(i)[0], "episodes": target.episodes,
                         "required": target.required, "passed": ok, "mean_steps": test.mean_steps,
                         "mean_speed_m_s": round(test.mean_speed_m_s, 3), "terminations": test.terminations}
            if self.rounds > 1:
                interval = binomtest(test.walking, test.episodes).proportion_ci(method="wilson")
                condition["all_rounds"] = {"episodes": test.episodes, "walking": test.walking,
                                           "walking_per_round": self.walking_per_round(i),
                                           "walking_rate": round(test.walking / test.episodes, 3),
                                           "walking_rate_95": [round(interval.low, 3), round(interval.high, 3)]}
            conditions.append(condition)
        return {"policy": self.policy, "all_passed": all(self.passed), "walking": self.walking,
                "episodes": sum(t.episodes for t in self.targets), "mean_steps": self.mean_steps,
                "rounds": self.rounds, "rounds_passed": self.rounds_passed, "conditions": conditions}


def check_targets(walker: Walker, targets: tuple[WalkingTarget, ...] = WALKING_TARGETS, *, steps: int = 1000,
                  seed: int = 0, speed_tolerance_m_s: float = 0.15, rounds: int = 1,
                  progress: bool = False) -> TargetCheck:
    """The walking test (:func:`walking_test`, episodes seeded from ``seed``) at every target condition, its
    episodes ``rounds`` times over (round ``r`` on the seeds after round ``r - 1``'s)."""
    if rounds < 1:
        raise ParameterError("rounds", f"must be at least 1, got {rounds}")
    tests = [walking_test(walker, episodes=target.episodes * rounds, steps=steps, speed_m_s=target.speed_m_s,
                          slope_deg=target.slope_deg, seed=seed, speed_tolerance_m_s=speed_tolerance_m_s)
             for target in track(targets, description="walking targets", disable=not progress,
                                 console=Console(stderr=True))]
    return TargetCheck(walker.name, tuple(targets), tests, rounds)


def rank_walkers(walkers: list[Walker], *, progress: bool = False, **test: Any) -> list[WalkingTest]:
    """The walking test (``test``: :func:`walking_test`'s settings) of each walker, best first: most episodes
    walked, then the longest mean episode."""
    results = [walking_test(walker, **test) for walker in track(walkers, description="walking tests",
                                                                 disable=not progress, console=Console(stderr=True))]
    return sorted(results, key=lambda r: (-r.walking, -r.mean_steps))
