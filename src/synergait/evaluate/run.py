"""``synergait evaluate``: rollouts of one policy over a set of conditions, scored against a human reference.

Conditions run in parallel worker processes (``workers``) or as Ray tasks on a cluster (``address``). The result
is an :class:`~synergait.evaluate.evaluation.Evaluation`, saved in the evaluation directory.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pandas as pd

from synergait.data.reference import Condition, ReferenceSet
from synergait.errors import ParameterError
from synergait.evaluate.evaluation import Evaluation
from synergait.evaluate.metrics import score
from synergait.evaluate.rollout import ConditionResult, evaluate_condition, simulated_reference
from synergait.walker import load_walker


def _one_condition(policy: str, controller: str | None, basis: str | None, speed: float, slope: float,
                   rollouts: int, strides: int, seed: int, max_steps: int, label: str) -> ConditionResult:
    walker = load_walker(policy, controller=controller, basis=basis, seed=seed)
    return evaluate_condition(walker, Condition(speed, slope), rollouts=rollouts, strides=strides, seed=seed,
                              max_steps=max_steps, label=label)


def evaluate_policy(policy: str, conditions: list[Condition], out: str | Path, *, controller: str | None = None,
                    reference: ReferenceSet | None = None, basis: str | None = None, rollouts: int = 10,
                    strides: int = 10, seed: int = 0, max_steps: int = 1000, label: str | None = None,
                    workers: int = 1, address: str | None = None) -> Evaluation:
    """Evaluate ``policy`` (see :func:`~synergait.walker.load_walker`) at each condition and score it against
    ``reference``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    controller = load_walker(policy, controller=controller, basis=basis).controller  # fail early on a bad policy
    label = label or controller
    arguments = [(policy, controller, basis, c.speed_m_s, c.slope_deg, rollouts, strides, seed, max_steps, label)
                 for c in conditions]
    if address is not None:
        import ray

        ray.init(address=address, ignore_reinit_error=True, include_dashboard=False, log_to_driver=False)
        remote = ray.remote(_one_condition)
        results = ray.get([remote.remote(*a) for a in arguments])
    elif workers > 1:
        with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
            results = list(pool.map(_one_condition, *zip(*arguments, strict=True)))
    else:
        results = [_one_condition(*a) for a in arguments]
    simulated = simulated_reference(results, label)
    gaps = [f"{r.condition.label()}: {gap}" for r in results for gap in r.gaps]
    spatiotemporal = pd.DataFrame([{"speed_target_m_s": r.condition.speed_m_s, "slope_deg": r.condition.slope_deg,
                                    **r.spatiotemporal} for r in results])
    metrics: dict[str, Any] = {}
    if simulated is None:
        gaps.append("no complete stride in any condition: nothing to score")
    elif reference is not None:
        try:
            metrics = score(simulated, reference).headline()
            gaps += metrics.get("gaps", [])
        except ParameterError as exc:  # nothing matched: the cycles are still written, the reason is kept
            gaps.append(f"not scored: {exc.problem}")
    evaluation = Evaluation(label=label, controller=controller, policy=policy, rollouts=rollouts, strides=strides,
                            conditions=[c.label() for c in conditions],
                            reference=reference.name if reference else None, metrics=metrics,
                            spatiotemporal=spatiotemporal, cycles=simulated, gaps=gaps)
    evaluation.save(out)
    return evaluation
