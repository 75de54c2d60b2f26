"""Deterministic evaluation rollouts per walking condition, cut into gait cycles in the ReferenceSet schema.

Per control step the rollout records, for the right leg: sagittal hip, knee and ankle angles (deg); the net
*muscle* joint moments, i.e. actuator forces x moment arms (``qfrc_actuator``, the knee's coupled joints reduced
onto the knee angle by virtual work), normalised by body mass (N*m/kg); the right foot's GRF in body weights
(anterior, vertical, mediolateral to the right); and the activations of the paper's eight muscles. Cycles are cut
at right heel strikes detected by the environment, the final ``strides`` complete ones of each rollout are kept,
and everything is normalised to 0-100 % with :func:`~synergait.data.cycles.cut_cycles`.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from synergait.data.cycles import cut_cycles
from synergait.data.events import GaitEvents, SideEvents, detect_side_events
from synergait.data.reference import Condition, ReferenceSet, cycles_to_table
from synergait.data.trial import Trial
from synergait.data.units import RAD_TO_DEG
from synergait.errors import InputFileError, ParameterError
from synergait.model.catalog import EMG_CODE_MUSCLES, FORWARD, RIGHT
from synergait.walker import Walker, run_episode

#: Ranges of human walking at 0.7-1.8 m/s (cadence in steps per minute, stride length in m, stance in % of the
#: cycle); a simulated value outside is flagged, since it says the "cycles" are not walking.
HUMAN_SPATIOTEMPORAL = {"cadence_steps_per_min": (70.0, 150.0), "stride_length_m": (0.7, 2.0),
                        "stance_pct": (50.0, 75.0)}
CONDITION_SETS: dict[str, list[Condition]] = {
    "paper": [Condition(round(0.7 + 0.1 * i, 1), 0.0) for i in range(12)]
    + [Condition(1.2, -5.0), Condition(1.2, 5.0)],
    "quick": [Condition(1.0, 0.0), Condition(1.2, 0.0), Condition(1.4, 0.0), Condition(1.2, -5.0),
              Condition(1.2, 5.0)],
}


def conditions_from(spec: str) -> list[Condition]:
    """``paper``, ``quick``, or a CSV file with columns ``speed_m_s, slope_deg``."""
    if spec in CONDITION_SETS:
        return CONDITION_SETS[spec]
    path = Path(spec)
    if not path.is_file():
        raise ParameterError("conditions", f"'{spec}' is neither 'paper', 'quick' nor a CSV file")
    table = pd.read_csv(path)
    missing = {"speed_m_s", "slope_deg"} - set(table.columns)
    if missing:
        raise InputFileError(path, f"missing column(s) {', '.join(sorted(missing))}")
    return [Condition(float(s), float(g)) for s, g in zip(table["speed_m_s"], table["slope_deg"], strict=True)]


@dataclass
class ConditionResult:
    """Cycles of one condition (ReferenceSet rows), spatiotemporal measures and what went wrong."""

    condition: Condition
    table: pd.DataFrame
    spatiotemporal: dict[str, float]
    gaps: list[str] = field(default_factory=list)


def evaluate_condition(walker: Walker, condition: Condition, *, rollouts: int = 10, strides: int = 10,
                       seed: int = 0, max_steps: int = 1000, label: str = "sim") -> ConditionResult:
    """Run ``rollouts`` deterministic episodes at ``condition`` and cut their final ``strides`` right cycles."""
    env = walker.make_env(speed_m_s=condition.speed_m_s, slope_deg=condition.slope_deg, episode_steps=max_steps)
    body = env.unwrapped.body
    model = body.model
    hip, knee, ankle = (int(model.jnt_dofadr[model.joint(j).id]) for j in ("hip_flexion_r", "knee_angle_r",
                                                                          "ankle_angle_r"))
    muscles = body.muscle_indices(list(EMG_CODE_MUSCLES.values()))
    threshold = walker.spec.env.heel_strike_threshold_n  # toe-offs from the force the env's heel strikes use
    walk = env.unwrapped
    walk.reset(seed=seed)
    slope_start_m = walk.terrain.first_pitched_m if condition.slope_deg != 0 else -math.inf
    frames, gaps = [], []
    speeds, cadences, stride_lengths, stance = [], [], [], []
    for episode in range(rollouts):
        rows, strikes = [], []

        def record(info: dict, rows: list = rows, strikes: list = strikes) -> None:
            if "termination" in info:
                return  # the state a fall ends in is not part of the gait
            data = body.data
            knee_moment = float(body.coupling_jacobian(np.array([knee]))[:, 0] @ data.qfrc_actuator)
            force = body.foot_forces()[0] / body.body_weight_n
            rows.append([data.time, *(body.sagittal_angles()[:3] * RAD_TO_DEG),
                         data.qfrc_actuator[hip] / body.mass_kg, knee_moment / body.mass_kg,
                         data.qfrc_actuator[ankle] / body.mass_kg, force @ FORWARD, force[2], force @ RIGHT,
                         *data.act[muscles], float(body.com_position() @ FORWARD)])
            # On a slope condition only strides on the slope count (the terrain starts level): both feet past
            # its first pitched tile.
            if info["heel_strike"] == "right" and float((body.feet_position() @ FORWARD).min()) >= slope_start_m:
                strikes.append(data.time)

        result = run_episode(walker, env, seed=seed + episode, on_step=record)
        steps_done, fell = result.steps, result.termination
        if condition.slope_deg != 0 and result.distance_m < slope_start_m:
            gaps.append(f"rollout {episode}: ended after {result.distance_m:.2f} m, before the slope begins "
                        f"({slope_start_m:.1f} m ahead)" + (f" ({fell})" if fell else ""))
            continue
        if len(strikes) < 2:
            where = " on the slope" if condition.slope_deg != 0 else ""
            gaps.append(f"rollout {episode}: {len(strikes)} right heel strike(s){where} in {steps_done} steps"
                        + (f" ({fell})" if fell else "") + ": no complete stride")
            continue
        if len(strikes) - 1 < strides:
            gaps.append(f"rollout {episode}: only {len(strikes) - 1} of {strides} strides"
                        + (f" ({fell})" if fell else ""))
        record = np.array(rows)
        names = ["hip_angle", "knee_angle", "ankle_angle", "hip_moment", "knee_moment", "ankle_moment", "grf_ap",
                 "grf_vertical", "grf_ml", *(f"emg_{code}" for code in EMG_CODE_MUSCLES), "com_forward"]
        trial = Trial(time=record[:, 0], values=record[:, 1:], names=names, units=["1"] * len(names),
                      source=f"rollout {episode} at {condition.label()}")
        kept = strikes[-(strides + 1):]
        side = detect_side_events(trial.time, trial["grf_vertical"] * body.body_weight_n, threshold_n=threshold)
        events = GaitEvents(SideEvents(tuple(kept), side.toe_offs), SideEvents((), ()), threshold_n=threshold)
        cycles = cut_cycles(trial, events, "right", names[:-1], steady_only=False)  # gaps name what is missing
        frames.append(cycles_to_table(cycles, {n: (n, 1.0) for n in names[:-1]}, subject=label,
                                      condition=condition).assign(cycle=lambda t, e=episode: t["cycle"] + 100 * e))
        duration = kept[-1] - kept[0]
        start, stop = np.interp([kept[0], kept[-1]], trial.time, trial["com_forward"])
        speeds.append((stop - start) / duration)
        cadences.append(2 * (len(kept) - 1) / duration * 60.0)
        stride_lengths.append((stop - start) / (len(kept) - 1))
        stance += [100 * (to - a) / (b - a) for a, b in itertools.pairwise(kept)
                   for to in side.toe_offs if a < to < b][: len(kept) - 1]
    spatiotemporal = {"speed_m_s": _mean(speeds), "cadence_steps_per_min": _mean(cadences),
                      "stride_length_m": _mean(stride_lengths), "stance_pct": _mean(stance),
                      "rollouts_with_strides": len(frames)}
    gaps += [f"implausible {name}: {value:.3g} (human walking: {low:g}-{high:g})"
             for name, (low, high) in HUMAN_SPATIOTEMPORAL.items()
             if not math.isnan(value := spatiotemporal[name]) and not low <= value <= high]
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    return ConditionResult(condition, table, spatiotemporal, gaps)


def _mean(values: list[float]) -> float:
    return float(np.mean(values)) if values else math.nan


def simulated_reference(results: list[ConditionResult], name: str) -> ReferenceSet | None:
    tables = [r.table for r in results if not r.table.empty]
    if not tables:
        return None
    return ReferenceSet.from_table(pd.concat(tables, ignore_index=True), name=name)
