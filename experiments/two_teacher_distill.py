"""One synergy student from two synergy walkers: uphill episodes labelled by one, every other episode by the other.

An experiment, not yet a `synergait walker distill` option: the 12.75 M synergy walker walks +5 degrees in 17 of 20
episodes and falls downhill, the 16.0 M one walks downhill in 16 of 20 and uphill in 9; both act in the same synergy
space, so a student of the two loses nothing to a projection (docs/walking-recipe.md).

    python experiments/two_teacher_distill.py BASE UPHILL OUT [ITERATIONS]

BASE labels level and downhill episodes and lends the student its training configuration; UPHILL labels episodes on
constant slopes of ``UPHILL_FROM_DEG`` or more.
"""

from __future__ import annotations

import json
import re
import sys
from typing import Any

import numpy as np

import synergait.train.distill as distill
from synergait.walker import load_walker

UPHILL_FROM_DEG = 2.0


class TwoTeachers:
    """A teacher that answers with ``uphill``'s action on uphill episodes of the student's env, else ``base``'s."""

    def __init__(self, base: Any, uphill: Any) -> None:
        self.base, self.uphill = base, uphill
        self.name = f"{base.name} + {uphill.name} (uphill)"
        self.meta = {"base": base.meta, "uphill": uphill.meta, "uphill_from_deg": UPHILL_FROM_DEG}
        self.spec, self.controller, self.training = base.spec, base.controller, base.training
        self.student_env: Any = None

    def make_env(self, **settings: Any) -> Any:
        return self.base.make_env(**settings)

    def act(self, observation: np.ndarray) -> np.ndarray:
        label = self.student_env.unwrapped.terrain.label or ""
        slope = re.match(r"^slope ([-+.\d]+) deg", label)
        uphill = slope is not None and float(slope.group(1)) >= UPHILL_FROM_DEG
        return (self.uphill if uphill else self.base).act(observation)


def main(base_dir: str, uphill_dir: str, out: str, iterations: int = 6) -> None:
    teacher = TwoTeachers(load_walker(base_dir), load_walker(uphill_dir))
    make_env = distill.make_walk_env

    def student_env(*args: Any, **kwargs: Any) -> Any:  # the router reads the episode's slope from it
        teacher.student_env = make_env(*args, **kwargs)
        return teacher.student_env

    distill.make_walk_env = student_env
    config = distill.student_config(teacher.base, "synergy", teacher.base.training["basis"])
    fitted = distill.Distiller(config, iterations=iterations, steps_per_iteration=20_000).fit(teacher)  # type: ignore[arg-type]
    fitted.student_.save(out)
    print(json.dumps({"out": out, "cpu_hours": round(fitted.cpu_hours_, 3),
                      "iterations": [{"driver": r.driver, "vaf": round(r.vaf, 4),
                                      "mean_episode_steps": round(float(np.mean(r.episode_steps)))}
                                     for r in fitted.history_]}))


if __name__ == "__main__":
    main(*sys.argv[1:4], *(int(a) for a in sys.argv[4:5]))
