"""The walking test: deterministic episodes at one condition, and whether the walker walks.

Walking (the CPU recipe's target): an episode reaches ``steps`` control steps (10 s at 40 Hz for 400) without a
fall, at a mean forward speed within ``speed_tolerance_m_s`` of the target.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from rich.console import Console
from rich.progress import track

from synergait.walker import Walker, run_episode


def walking_test(walker: Walker, *, episodes: int = 10, steps: int = 400, speed_m_s: float = 1.2,
                 slope_deg: float = 0.0, seed: int = 0, speed_tolerance_m_s: float = 0.2,
                 progress: bool = False) -> dict[str, Any]:
    """Run ``episodes`` episodes of at most ``steps`` control steps (seeds ``seed``, ``seed + 1``, ...).

    Returns episodes, falls, walking (episodes meeting the criterion), mean_steps, mean_distance_m,
    mean_speed_m_s (total distance over total time), per-episode steps/distance/speed, terminations and the
    mean of each reward term.
    """
    env = walker.make_env(speed_m_s=speed_m_s, slope_deg=slope_deg, episode_steps=steps)
    runs = [run_episode(walker, env, seed=seed + episode)
            for episode in track(range(episodes), description="walking test", disable=not progress,
                                 console=Console(stderr=True))]
    terminations: dict[str, int] = {}
    for episode in runs:
        reason = episode.termination or "time limit"
        terminations[reason] = terminations.get(reason, 0) + 1
    lengths = [e.steps for e in runs]
    distances = [e.distance_m for e in runs]
    durations = np.array([e.duration_s for e in runs])
    speeds = np.array(distances) / durations
    walking = [n >= steps and abs(v - speed_m_s) <= speed_tolerance_m_s for n, v in zip(lengths, speeds, strict=True)]
    weights = np.array(lengths) / sum(lengths)  # reward terms: the mean over all steps of all episodes
    return {"policy": walker.name, "controller": walker.controller, "speed_m_s": speed_m_s, "slope_deg": slope_deg,
            "steps": steps, "episodes": episodes, "falls": sum(n < steps for n in lengths), "walking": sum(walking),
            "mean_steps": float(np.mean(lengths)), "mean_distance_m": float(np.mean(distances)),
            "mean_speed_m_s": float(np.sum(distances) / np.sum(durations)),
            "episode_steps": lengths, "episode_distance_m": [round(d, 3) for d in distances],
            "episode_speed_m_s": [round(float(v), 3) for v in speeds], "terminations": terminations,
            "mean_reward_terms": {k: float(sum(w * e.reward_terms[k] for w, e in zip(weights, runs, strict=True)))
                                  for k in runs[0].reward_terms}}
