"""Gait events (heel strike, toe-off) from vertical ground reaction force.

Definition (the paper's): heel strike is the first sample at which the side's vertical GRF exceeds a
threshold (default 15 N) after the foot has been unloaded for at least ``min_swing_s``; toe-off is the first
sample at or below the threshold after at least ``min_stance_s`` of loading. Short excursions across the
threshold (noise, a foot brushing a plate) are ignored by these minimum durations. Several force plates for one
side are summed before detection. A contact already in progress at the first sample yields no heel strike.

Which columns are vertical forces of which side comes, in order of preference, from an OpenSim ExternalLoads
XML (``force_identifier`` + ``applied_to_body``), from explicit column lists, or from the column names
(``ground_force_r_vy``, ``R_GRF_vy``, ``left_force_vy``, ...). OpenSim's vertical axis is ``y``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from scipy.signal import butter, sosfiltfilt

from synergait.data.loads import SIDES, read_external_loads, side_of
from synergait.data.trial import Trial
from synergait.errors import InputFileError, ParameterError

#: Vertical GRF above which a foot is in contact, N (the paper's heel strike: the force first exceeds 15 N); the
#: simulation's heel strikes use the same default (``WalkConfig.heel_strike_threshold_n``).
HEEL_STRIKE_THRESHOLD_N = 15.0


def lowpass(trial: Trial, cutoff_hz: float = 12.0, order: int = 4) -> Trial:
    """Zero-lag Butterworth low-pass of every signal.

    ``order`` is the effective order of the zero-lag filter: a Butterworth of order ``order / 2`` is run forward
    and backward (``scipy.signal.sosfiltfilt``), the usual reading of "4th-order zero-lag" in biomechanics.
    """
    if order < 2 or order % 2:
        raise ParameterError("order", f"must be an even integer >= 2, got {order}")
    nyquist = trial.rate_hz / 2
    if not 0 < cutoff_hz < nyquist:
        raise ParameterError("cutoff_hz", f"must be in (0, {nyquist:g}) Hz for {trial.source}, got {cutoff_hz}")
    steps = np.diff(trial.time)
    if steps.size and (steps.max() - steps.min()) > 1e-3 * steps.mean():
        raise InputFileError(trial.source, "low-pass filtering needs a uniform sampling rate; resample first")
    sos = butter(order // 2, cutoff_hz / nyquist, output="sos")
    padlen = min(3 * (2 * len(sos) + 1), trial.n_samples - 1)
    return trial.with_values(sosfiltfilt(sos, trial.values, axis=0, padlen=padlen), trial.names, trial.units)


@dataclass(frozen=True)
class SideEvents:
    """Event times of one foot, seconds."""

    heel_strikes: tuple[float, ...]
    toe_offs: tuple[float, ...]


@dataclass(frozen=True)
class GaitEvents:
    """Heel strikes and toe-offs per side (seconds) and how they were detected."""

    right: SideEvents
    left: SideEvents
    threshold_n: float
    source: str = "<memory>"

    def side(self, name: str) -> SideEvents:
        if name not in SIDES:
            raise ParameterError("side", f"must be 'right' or 'left', got '{name}'")
        return self.right if name == "right" else self.left

    def to_dict(self) -> dict[str, object]:
        return {"right": asdict(self.right), "left": asdict(self.left), "threshold_n": self.threshold_n,
                "source": self.source}


def vertical_force_columns_from_loads(loads_xml: str | Path, *, vertical_axis: str = "y") -> dict[str, list[str]]:
    """Vertical-force column names per side from an OpenSim ExternalLoads XML file."""
    columns: dict[str, list[str]] = {side: [] for side in SIDES}
    for load in read_external_loads(loads_xml):
        columns[load.side].append(f"{load.force}{vertical_axis}")
    return columns


def vertical_force_columns(trial: Trial, *, vertical_axis: str = "y") -> dict[str, list[str]]:
    """Vertical-force column names per side, recognised from the column names of ``trial``."""
    pattern = re.compile(rf"(force|grf).*_v{vertical_axis}$|_f{vertical_axis}$", re.IGNORECASE)
    vertical = [n for n in trial.names if pattern.search(n)]
    if not vertical:
        raise InputFileError(trial.source, f"no vertical ground-force column (a name ending in '_v{vertical_axis}' "
                                           f"such as 'ground_force_r_v{vertical_axis}'); columns: "
                                           f"{', '.join(trial.names[:10])}")
    columns = {side: [n for n in vertical if side_of(n) == side] for side in SIDES}
    unassigned = [n for n in vertical if not any(n in c for c in columns.values())]
    if unassigned:
        raise InputFileError(trial.source, f"cannot tell the side of vertical-force column(s) {', '.join(unassigned)}: "
                                           "pass the ExternalLoads XML (--loads) or the columns per side")
    return columns


def detect_side_events(time: np.ndarray, vertical_force: np.ndarray, *, threshold_n: float = HEEL_STRIKE_THRESHOLD_N,
                       min_swing_s: float = 0.2, min_stance_s: float = 0.2) -> SideEvents:
    """Heel strikes and toe-offs (s) from one foot's vertical GRF (N), shape ``(n,)``."""
    loaded = vertical_force > threshold_n
    if loaded.size == 0:
        return SideEvents((), ())
    change = np.flatnonzero(np.diff(loaded.astype(np.int8))) + 1
    starts = np.concatenate([[0], change])
    stops = np.concatenate([change, [loaded.size]])
    runs = [[bool(loaded[s]), s, e] for s, e in zip(starts, stops, strict=True)]
    # Merge away runs shorter than the minimum duration of their state (noise), shortest first.
    while True:
        short = [i for i, (state, s, e) in enumerate(runs)
                 if 0 < i < len(runs) - 1 and time[e - 1] - time[s] < (min_stance_s if state else min_swing_s)]
        if not short:
            break
        i = min(short, key=lambda k: runs[k][2] - runs[k][1])
        runs[i - 1][2] = runs[i + 1][2]
        del runs[i : i + 2]
    heel_strikes = tuple(float(time[s]) for i, (state, s, _) in enumerate(runs) if state and i > 0)
    toe_offs = tuple(float(time[e]) for i, (state, _, e) in enumerate(runs) if state and i < len(runs) - 1)
    return SideEvents(heel_strikes, toe_offs)


def detect_gait_events(grf: Trial, *, threshold_n: float = HEEL_STRIKE_THRESHOLD_N, min_swing_s: float = 0.2,
                       min_stance_s: float = 0.2, lowpass_hz: float | None = None,
                       columns: dict[str, Sequence[str]] | None = None, loads_xml: str | Path | None = None,
                       vertical_axis: str = "y") -> GaitEvents:
    """Detect heel strikes and toe-offs per side from a GRF trial.

    Args:
        grf: trial holding vertical ground-force columns (N).
        threshold_n: contact threshold in newtons (paper: 15 N).
        min_swing_s, min_stance_s: shortest unloaded / loaded spell that counts, seconds.
        lowpass_hz: optional zero-lag 4th-order Butterworth cut-off applied to the forces first (paper: 12 Hz).
        columns: vertical-force columns per side (``{"right": [...], "left": [...]}``), summed per side.
        loads_xml: OpenSim ExternalLoads file that names the columns per side (used when ``columns`` is None).
        vertical_axis: axis letter of the vertical component (OpenSim: ``y``).
    """
    if threshold_n <= 0:
        raise ParameterError("threshold_n", f"must be positive, got {threshold_n}")
    if columns is None:
        columns = (vertical_force_columns_from_loads(loads_xml, vertical_axis=vertical_axis) if loads_xml
                   else vertical_force_columns(grf, vertical_axis=vertical_axis))
    for side, names in columns.items():
        missing = [n for n in names if n not in grf]
        if missing:
            raise InputFileError(grf.source, f"no vertical-force column(s) {', '.join(missing)} for the {side} side")
    used = [n for side in SIDES for n in columns.get(side, [])]
    forces = grf.select(used)
    if lowpass_hz:
        forces = lowpass(forces, lowpass_hz)
    per_side = {}
    for side in SIDES:
        names = list(columns.get(side, []))
        total = (np.sum([forces[n] for n in names], axis=0) if names else np.zeros(grf.n_samples))
        per_side[side] = detect_side_events(grf.time, total, threshold_n=threshold_n, min_swing_s=min_swing_s,
                                            min_stance_s=min_stance_s)
    return GaitEvents(right=per_side["right"], left=per_side["left"], threshold_n=threshold_n, source=grf.source)
