"""The paper's agreement metrics between simulated and human gait cycles, generalised.

Both sides are :class:`~synergait.data.reference.ReferenceSet` tables (the simulation's cycles are written in the
same schema, one "subject" per controller), so any source of cycles can be scored: a policy, a scripted
controller or another human.

Definitions (per variable, condition and phase; phases from :data:`~synergait.data.cycles.DEFAULT_PHASE_BOUNDS`):

* **RMSE ratio** = RMSE(sim mean curve, subject mean curve) averaged over the reference subjects, divided by the
  mean RMSE over all pairs of reference subjects (cross-human). 1.0 = as far from the data as humans are from
  each other.
* **Approximations**, flagged in every result (``approximation``):
  - one subject with several cycles: cycles stand in for subjects (within-subject variability, smaller than
    cross-human, so ratios come out larger);
  - mean +/- SD only: E[RMSE(a, b)^2] = mean(2 SD^2) between two humans and mean((sim - mean)^2 + SD^2) between
    the simulation and a human, so RMSE ratio = sqrt(mean((sim - mean)^2 + SD^2) / mean(2 SD^2)).
* **Pearson r** between the simulated mean curve and the reference grand mean over the whole cycle.
* **Counts** of variable x phase combinations with RMSE ratio above 2, 3 and 5, the ratio of each combination
  being its mean over the conditions evaluated.
* **Trend directionality**: for each variable x phase whose human phase mean changes strictly monotonically
  with speed (level conditions, at least 3) or with slope (at 1.2 m/s), does the simulated phase mean change in
  the same direction (sign of its Spearman correlation)?
* **Trend directions** (:func:`trend_directions`): the sign of each variable x phase mean's Spearman correlation
  with speed or slope in any one set of cycles, so that controllers can be compared with each other where the
  reference holds a single speed and no trend of its own.
* **EMG similarity**: r(sim activation, subject i's mean EMG) for every subject, against the distribution of
  pairwise cross-human r; amplitudes normalised to each controller's / subject's maximum (r is scale-free; the
  normalised curves are what the figures show).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from synergait.data.cycles import DEFAULT_PHASE_BOUNDS, PHASES, phase_mask
from synergait.data.reference import Condition, ReferenceSet
from synergait.errors import ParameterError
from synergait.model.catalog import EMG_CODE_MUSCLES
from synergait.stats import pearson

KINEMATIC_VARIABLES = ("hip_angle", "knee_angle", "ankle_angle", "hip_moment", "knee_moment", "ankle_moment",
                       "grf_ap", "grf_vertical")
EMG_VARIABLES = tuple(f"emg_{code}" for code in EMG_CODE_MUSCLES)
THRESHOLDS = (2, 3, 5)
#: A simulated condition matches a reference condition when speeds differ by at most this (m/s) and slopes by
#: at most ``SLOPE_TOLERANCE_DEG``: ratios, Pearson r, EMG and trends all use it.
SPEED_TOLERANCE_M_S = 0.05
SLOPE_TOLERANCE_DEG = 0.5
#: A simulation equal to the mean of a mean +/- SD reference scores this RMSE ratio (its floor).
MEAN_SD_FLOOR = math.sqrt(0.5)


def _rmse(a: np.ndarray, b: np.ndarray, mask: np.ndarray) -> float:
    return float(np.sqrt(np.mean((a[..., mask] - b[..., mask]) ** 2)))


@dataclass
class HumanSide:
    """Reference curves of one variable at one condition: per-"subject" mean curves (or mean and SD)."""

    curves: np.ndarray  # (n, 101): subject means, or cycles standing in for subjects
    sd: np.ndarray | None  # (101,) when only mean +/- SD is known
    approximation: str | None

    @classmethod
    def of(cls, reference: ReferenceSet, variable: str, condition: Condition) -> HumanSide:
        rows = reference._rows(variable, condition, None)
        with_sd = rows["sd"].notna()
        if with_sd.any() and not with_sd.all():
            raise ParameterError("reference", f"'{variable}' at {condition.label()} mixes rows with and without sd")
        if with_sd.any():  # decided per variable: another variable of the same file may hold cycles
            mean = rows.groupby("pct_gait_cycle")["value"].mean().to_numpy()[None, :]
            sd = rows.groupby("pct_gait_cycle")["sd"].mean().to_numpy()
            groups = sorted(rows["subject"].unique())
            pooled = f"; {len(groups)} groups averaged: {', '.join(map(str, groups))}" if len(groups) > 1 else ""
            return cls(mean, sd, f"mean +/- SD only: expected RMSEs from the SD (a simulation equal to the mean "
                                 f"scores the floor, {MEAN_SD_FLOOR:.2f}){pooled}")
        subjects, means = reference.subject_means(variable, condition)
        if len(subjects) >= 2:
            return cls(means, None, None)
        cycles = reference.curves(variable, condition)
        if cycles.shape[0] < 2:
            raise ParameterError("reference", f"'{variable}' at {condition.label()} has a single curve: no "
                                              "human variability to normalise by")
        return cls(cycles, None, "one subject: its cycles stand in for subjects (within-subject variability)")

    @property
    def grand_mean(self) -> np.ndarray:
        return self.curves.mean(axis=0)

    def rmse_ratio(self, sim: np.ndarray, mask: np.ndarray) -> float:
        if self.sd is not None:
            mean, sd = self.curves[0][mask], self.sd[mask]
            return math.sqrt(np.mean((sim[mask] - mean) ** 2 + sd**2) / max(np.mean(2 * sd**2), 1e-12))
        to_sim = np.mean([_rmse(sim, subject, mask) for subject in self.curves])
        pairs = [_rmse(a, b, mask) for a, b in itertools.combinations(self.curves, 2)]
        return float(to_sim / max(np.mean(pairs), 1e-12))


@dataclass
class Scores:
    """All metrics of one simulated source against one reference; ``gaps`` lists what could not be scored."""

    rmse_ratio: pd.DataFrame  # columns: variable, condition, phase, ratio
    pearson_r: pd.DataFrame  # columns: variable, condition, r
    counts_over: dict[str, int]
    trend_agreement: dict[str, object]
    emg: dict[str, dict[str, object]]
    approximations: list[str] = field(default_factory=list)
    gaps: list[str] = field(default_factory=list)

    def headline(self) -> dict[str, object]:
        """The JSON headline (keys as in the CLI)."""
        by_variable = (self.rmse_ratio.groupby("variable")["ratio"].mean().to_dict()
                       if not self.rmse_ratio.empty else {})
        r_by_variable = (self.pearson_r.groupby("variable")["r"].mean().to_dict() if not self.pearson_r.empty else {})
        return {"rmse_ratio": by_variable, "pearson_r": r_by_variable, "counts_over": self.counts_over,
                "trend_agreement": self.trend_agreement, "emg": self.emg,
                "rmse_ratio_by_phase": self.rmse_ratio.groupby(["variable", "phase"])["ratio"].mean()
                .unstack().to_dict(orient="index") if not self.rmse_ratio.empty else {},
                "rmse_ratio_by_condition": self.rmse_ratio.groupby(["condition", "variable"])["ratio"].mean()
                .unstack().to_dict(orient="index") if not self.rmse_ratio.empty else {},
                "approximation": sorted(set(self.approximations)), "gaps": self.gaps}


def _sim_mean(sim: ReferenceSet, variable: str, condition: Condition) -> np.ndarray:
    return sim.curves(variable, condition).mean(axis=0)


def score(sim: ReferenceSet, reference: ReferenceSet, *, variables: tuple[str, ...] = KINEMATIC_VARIABLES,
          emg_variables: tuple[str, ...] = EMG_VARIABLES, conditions: list[Condition] | None = None,
          phase_bounds: tuple[float, float, float] = DEFAULT_PHASE_BOUNDS) -> Scores:
    """Score simulated cycles against human ones on every variable and condition both hold."""
    conditions = conditions or [c for c in sim.conditions if _matching(reference, c) is not None]
    if not conditions:
        raise ParameterError("conditions", f"no simulated condition ({', '.join(c.label() for c in sim.conditions)}) "
                                           f"matches a condition of {reference.name} "
                                           f"({', '.join(c.label() for c in reference.conditions)}) within "
                                           f"{SPEED_TOLERANCE_M_S} m/s and {SLOPE_TOLERANCE_DEG} deg: nothing to score")
    gaps = [f"{c.label()}: no matching condition in {reference.name}" for c in sim.conditions
            if _matching(reference, c) is None]
    approximations: list[str] = []
    known = [c for c in conditions if not math.isnan(c.speed_m_s)]
    if len(reference.conditions) == 1 and math.isnan(reference.conditions[0].speed_m_s) and known:
        approximations.append(f"{reference.name}: its speed is unknown; its one condition stands in for every "
                              f"simulated speed ({', '.join(c.label() for c in known)})")
    ratio_rows, r_rows = [], []
    for variable in variables:
        for condition in conditions:
            human_condition = _matching(reference, condition)
            try:
                simulated = _sim_mean(sim, variable, condition)
                human = HumanSide.of(reference, variable, human_condition)
            except ParameterError as exc:
                gaps.append(f"{variable} at {condition.label()}: {exc.problem}")
                continue
            if human.approximation:
                approximations.append(f"{reference.name}: {human.approximation}")
            for phase in PHASES:
                ratio_rows.append({"variable": variable, "condition": condition.label(), "phase": phase,
                                   "ratio": human.rmse_ratio(simulated, phase_mask(phase, phase_bounds))})
            r_rows.append({"variable": variable, "condition": condition.label(),
                           "r": pearson(simulated, human.grand_mean)})
    ratios = pd.DataFrame(ratio_rows, columns=["variable", "condition", "phase", "ratio"])
    combined = ratios.groupby(["variable", "phase"])["ratio"].mean() if not ratios.empty else pd.Series(dtype=float)
    counts = {str(t): int((combined > t).sum()) for t in THRESHOLDS}
    emg: dict[str, dict[str, object]] = {}
    # The headline EMG entry of a muscle is its condition closest to 1.2 m/s on level ground; every condition is
    # under "by_condition".
    ordered = sorted(conditions, key=lambda c: (abs(c.slope_deg), abs(c.speed_m_s - 1.2)))
    for variable in emg_variables:
        by_condition = {}
        for condition in ordered:
            try:
                by_condition[condition.label()] = emg_similarity(_sim_mean(sim, variable, condition), reference,
                                                                 variable, _matching(reference, condition))
            except ParameterError as exc:
                gaps.append(f"{variable} at {condition.label()}: {exc.problem}")
        if by_condition:
            first = next(iter(by_condition))
            emg[variable] = {**by_condition[first], "condition": first, "by_condition": by_condition}
    return Scores(ratios, pd.DataFrame(r_rows, columns=["variable", "condition", "r"]), counts,
                  trend_agreement(sim, reference, variables, phase_bounds), emg, approximations, gaps)


def _matching(reference: ReferenceSet, condition: Condition) -> Condition | None:
    """The reference condition for ``condition``: the nearest within the tolerances, or the reference's only
    condition when its speed is unknown (e.g. a dataset recorded at a self-selected speed)."""
    return _nearest(reference.conditions, condition, unknown_speed_matches=True)


def _nearest(candidates: list[Condition], condition: Condition, *,
             unknown_speed_matches: bool = False) -> Condition | None:
    if unknown_speed_matches and len(candidates) == 1 and math.isnan(candidates[0].speed_m_s):
        only = candidates[0]
        return only if abs(only.slope_deg - condition.slope_deg) <= SLOPE_TOLERANCE_DEG + 1e-9 else None
    close = [c for c in candidates
             if ((math.isnan(c.speed_m_s) and math.isnan(condition.speed_m_s))
                 or abs(c.speed_m_s - condition.speed_m_s) <= SPEED_TOLERANCE_M_S + 1e-9)
             and abs(c.slope_deg - condition.slope_deg) <= SLOPE_TOLERANCE_DEG + 1e-9]
    return min(close, key=lambda c: (abs(c.slope_deg - condition.slope_deg),
                                     0.0 if math.isnan(c.speed_m_s) else abs(c.speed_m_s - condition.speed_m_s)),
               default=None)


def emg_similarity(simulated: np.ndarray, reference: ReferenceSet, variable: str,
                   condition: Condition) -> dict[str, object]:
    """r(sim, subject i) per subject vs the pairwise cross-human r (cycles stand in for a single subject)."""
    human = HumanSide.of(reference, variable, condition)
    curves = human.curves / np.maximum(human.curves.max(axis=1, keepdims=True), 1e-12)
    sim = simulated / max(float(np.max(simulated)), 1e-12)
    to_sim = [pearson(sim, c) for c in curves]
    pairwise = [pearson(a, b) for a, b in itertools.combinations(curves, 2)]
    median = float(np.nanmedian(to_sim))
    if not pairwise:  # a mean +/- SD reference has no human-to-human r to compare with
        return {"r_to_subjects": to_sim, "median_r": median, "human_pairwise_r": [], "human_iqr": None,
                "within_human_range": None, "approximation": "one mean curve: no cross-human r, so no verdict"}
    low, high = (float(np.nanpercentile(pairwise, q)) for q in (25, 75))
    return {"r_to_subjects": to_sim, "median_r": median, "human_pairwise_r": pairwise,
            "human_iqr": [low, high], "within_human_range": bool(median >= np.nanmin(pairwise)),
            "approximation": human.approximation}


def _trend_groups(conditions: list[Condition]) -> dict[str, list[Condition]]:
    """The conditions a trend runs through: level ground at known speeds ("speed") and 1.2 m/s ("slope")."""
    return {"speed": [c for c in conditions if abs(c.slope_deg) <= SLOPE_TOLERANCE_DEG and not math.isnan(c.speed_m_s)],
            "slope": [c for c in conditions if abs(c.speed_m_s - 1.2) <= SPEED_TOLERANCE_M_S]}


def trend_directions(sim: ReferenceSet, variables: tuple[str, ...] = KINEMATIC_VARIABLES,
                     phase_bounds: tuple[float, float, float] = DEFAULT_PHASE_BOUNDS,
                     min_abs_rho: float = 0.8) -> pd.DataFrame:
    """How each variable's phase mean changes across speeds (level ground) and slopes (1.2 m/s), in any cycles
    (a walker's or a multi-speed human data set), where the group holds at least 3 conditions.

    Returns one row per group x variable x phase: ``group`` ("speed" or "slope"), ``variable``, ``phase``,
    ``conditions`` (how many), ``rho`` (Spearman correlation of the phase mean with speed in m/s or slope in
    degrees; 0 where the mean does not change) and ``direction`` (+1 rises, -1 falls, 0 where
    abs(rho) < ``min_abs_rho``: no consistent direction)."""
    rows = []
    for group, conditions in _trend_groups(sim.conditions).items():
        if len(conditions) < 3:
            continue
        axis = [c.speed_m_s if group == "speed" else c.slope_deg for c in conditions]
        for variable in variables:
            try:
                means = [_sim_mean(sim, variable, c) for c in conditions]
            except ParameterError:
                continue
            for phase in PHASES:
                mask = phase_mask(phase, phase_bounds)
                values = [float(m[mask].mean()) for m in means]
                rho = 0.0 if np.ptp(values) == 0 else float(spearmanr(axis, values).statistic)
                rows.append({"group": group, "variable": variable, "phase": phase, "conditions": len(conditions),
                             "rho": rho, "direction": int(np.sign(rho)) if abs(rho) >= min_abs_rho else 0})
    return pd.DataFrame(rows, columns=["group", "variable", "phase", "conditions", "rho", "direction"])


def trend_agreement(sim: ReferenceSet, reference: ReferenceSet, variables: tuple[str, ...],
                    phase_bounds: tuple[float, float, float] = DEFAULT_PHASE_BOUNDS) -> dict[str, object]:
    """Direction agreement of phase means across speeds (level) and slopes (1.2 m/s) where humans are monotonic."""
    checked, agreed, details, skipped = 0, 0, [], []
    for group, human_conditions in _trend_groups(reference.conditions).items():
        pairs = [(c, _nearest(sim.conditions, c)) for c in human_conditions]
        pairs = [(h, s) for h, s in pairs if s is not None]
        if len(pairs) < 3:
            skipped.append(f"{group}: {len(pairs)} condition(s) in both sets (a trend needs 3)")
            continue
        axis = [h.speed_m_s if group == "speed" else h.slope_deg for h, _ in pairs]
        for variable in variables:
            for phase in PHASES:
                mask = phase_mask(phase, phase_bounds)
                try:
                    human = [reference.curves(variable, h).mean(axis=0)[mask].mean() for h, _ in pairs]
                    simulated = [_sim_mean(sim, variable, s)[mask].mean() for _, s in pairs]
                except ParameterError:
                    continue
                steps = np.sign(np.diff([h for _, h in sorted(zip(axis, human, strict=True))]))
                if not (np.all(steps > 0) or np.all(steps < 0)):
                    continue
                rho = spearmanr(axis, simulated).statistic
                same = bool(np.sign(rho) == steps[0])
                checked, agreed = checked + 1, agreed + int(same)
                details.append({"group": group, "variable": variable, "phase": phase, "human": int(steps[0]),
                                "sim_spearman": float(rho), "agrees": same})
    return {"checked": checked, "agreed": agreed, "fraction": agreed / checked if checked else None,
            "details": details, "not_checked": skipped}
