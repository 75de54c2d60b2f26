"""Gait cycles cut at heel strikes, time-normalised to 101 samples (0, 1, ..., 100 % of the cycle), and phases.

Phases of a cycle that starts at an ipsilateral heel strike (Perry's definitions):

* loading response: heel strike -> contralateral toe-off
* mid-stance (here also covering terminal stance): contralateral toe-off -> contralateral heel strike
* pre-swing: contralateral heel strike -> ipsilateral toe-off
* swing: ipsilateral toe-off -> next ipsilateral heel strike

When those events are not all known inside a cycle the defaults 0-12 / 12-50 / 50-62 / 62-100 % are used and
the cycle is flagged (``phase_source == "default"``).
"""

from __future__ import annotations

import itertools
import json
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from synergait.data.events import GaitEvents
from synergait.data.trial import Trial
from synergait.errors import InputFileError, ParameterError
from synergait.fileio import atomic_path

N_SAMPLES = 101
PERCENT = np.linspace(0.0, 100.0, N_SAMPLES)
PHASES = ("loading_response", "mid_stance", "pre_swing", "swing")
#: Ends of loading response, mid-stance and pre-swing in % of the gait cycle when events are unknown.
DEFAULT_PHASE_BOUNDS = (12.0, 50.0, 62.0)


#: Stance ends where the vertical GRF falls below this fraction of body weight (15 N for a 75 kg subject).
STANCE_THRESHOLD_BW = 0.02


def stance_percent(vertical_grf_bw: np.ndarray, threshold_bw: float = STANCE_THRESHOLD_BW) -> np.ndarray:
    """Stance duration (% of the gait cycle) of each cycle from its vertical GRF.

    Args:
        vertical_grf_bw: ``(n_cycles, 101)`` vertical GRF in body weights over cycles that start at a heel strike.
        threshold_bw: the force (body weights) below which the foot is off the ground.

    Returns:
        ``(n_cycles,)``: the first percentage after 20 % of the cycle at which the force is below the threshold
        (toe-off); NaN for a cycle whose foot never leaves the ground.
    """
    forces = np.atleast_2d(np.asarray(vertical_grf_bw, dtype=float))
    if forces.shape[1] != N_SAMPLES:
        raise ParameterError("vertical_grf_bw", f"expected {N_SAMPLES} samples per cycle, got {forces.shape[1]}")
    after_loading = PERCENT >= 20.0
    off = (forces < threshold_bw) & after_loading
    first = np.argmax(off, axis=1)
    return np.where(off.any(axis=1), PERCENT[first], np.nan)


def phase_mask(phase: str, bounds: Sequence[float] = DEFAULT_PHASE_BOUNDS) -> np.ndarray:
    """Boolean mask over :data:`PERCENT` for ``phase`` given the three inner boundaries (%)."""
    if phase not in PHASES:
        raise ParameterError("phase", f"must be one of {', '.join(PHASES)}, got '{phase}'")
    edges = (0.0, *bounds, 100.0)
    i = PHASES.index(phase)
    upper = PERCENT <= edges[i + 1] if i == len(PHASES) - 1 else PERCENT < edges[i + 1]
    return (PERCENT >= edges[i]) & upper


@dataclass(frozen=True)
class GaitCycles:
    """Time-normalised gait cycles of one side.

    Attributes:
        values: shape ``(n_cycles, 101, n_signals)``; sample ``k`` is at ``k`` % of the cycle.
        names, units: per signal.
        side: ``"right"`` or ``"left"`` (whose heel strikes delimit the cycles).
        start_s, stop_s: heel-strike times bounding each cycle, shape ``(n_cycles,)``, seconds.
        phase_bounds: ends of loading response, mid-stance and pre-swing, shape ``(n_cycles, 3)``, percent.
        phase_source: per cycle, ``"events"`` or ``"default"``.
        source: where the signals came from.
    """

    values: np.ndarray
    names: tuple[str, ...]
    units: tuple[str, ...]
    side: str
    start_s: np.ndarray
    stop_s: np.ndarray
    phase_bounds: np.ndarray
    phase_source: tuple[str, ...]
    source: str = "<memory>"

    @property
    def n_cycles(self) -> int:
        return int(self.values.shape[0])

    @property
    def duration_s(self) -> np.ndarray:
        return self.stop_s - self.start_s

    def signal(self, name: str) -> np.ndarray:
        """Cycles of one signal, shape ``(n_cycles, 101)``."""
        if name not in self.names:
            raise ParameterError("signal", f"'{name}' not in cycles of {self.source} (has: {', '.join(self.names)})")
        return self.values[:, :, self.names.index(name)]

    def to_frame(self) -> pd.DataFrame:
        """Long table: ``cycle, side, start_s, pct_gait_cycle, signal, unit, value``."""
        n_cycles, _, n_sig = self.values.shape
        cycle, pct, sig = np.meshgrid(np.arange(n_cycles), PERCENT, np.arange(n_sig), indexing="ij")
        return pd.DataFrame({
            "cycle": cycle.ravel(), "side": self.side, "start_s": self.start_s[cycle.ravel()],
            "pct_gait_cycle": pct.ravel(), "signal": np.array(self.names)[sig.ravel()],
            "unit": np.array(self.units)[sig.ravel()], "value": self.values.ravel(),
        })

    def save(self, path: str | Path) -> None:
        meta = {"names": self.names, "units": self.units, "side": self.side, "phase_source": self.phase_source,
                "source": self.source}
        with atomic_path(path) as tmp:
            np.savez_compressed(tmp, values=self.values, start_s=self.start_s, stop_s=self.stop_s,
                                phase_bounds=self.phase_bounds, meta=json.dumps(meta))

    @classmethod
    def load(cls, path: str | Path) -> GaitCycles:
        with np.load(path) as f:
            meta = json.loads(str(f["meta"]))
            return cls(values=f["values"], start_s=f["start_s"], stop_s=f["stop_s"], phase_bounds=f["phase_bounds"],
                       names=tuple(meta["names"]), units=tuple(meta["units"]), side=meta["side"],
                       phase_source=tuple(meta["phase_source"]), source=meta["source"])


def _first_between(times: Sequence[float], start: float, stop: float) -> float | None:
    inside = [t for t in times if start < t < stop]
    return inside[0] if inside else None


def cycle_phase_bounds(events: GaitEvents, side: str, start: float, stop: float) -> np.ndarray | None:
    """Phase boundaries (%) of the cycle ``[start, stop]`` from events, or ``None`` if any event is missing."""
    contra = events.side("left" if side == "right" else "right")
    contra_off = _first_between(contra.toe_offs, start, stop)
    contra_on = _first_between(contra.heel_strikes, contra_off or start, stop)
    ipsi_off = _first_between(events.side(side).toe_offs, contra_on or start, stop)
    if None in (contra_off, contra_on, ipsi_off):
        return None
    return 100.0 * (np.array([contra_off, contra_on, ipsi_off]) - start) / (stop - start)


#: A walking stride longer than this (s) is not one stride (overground trials: the subject stopped or turned).
MAX_STRIDE_S = 2.5
#: A stride shorter or longer than the trial's median stride by more than this factor is not a steady stride.
STRIDE_FACTOR = 1.5
#: Where the ipsilateral toe-off may fall in a walking stride (%): outside it, the events are not one stride.
TOE_OFF_RANGE_PCT = (45.0, 80.0)


def implausible_strides(events: GaitEvents, side: str) -> dict[tuple[float, float], str]:
    """Strides (heel strike to heel strike of ``side``) that are not one steady walking stride, and why:
    longer than :data:`MAX_STRIDE_S`, off the median stride by more than :data:`STRIDE_FACTOR`, or with the
    toe-off (when known) outside :data:`TOE_OFF_RANGE_PCT`."""
    strides = list(itertools.pairwise(events.side(side).heel_strikes))
    if not strides:
        return {}
    median = float(np.median([b - a for a, b in strides]))
    flagged = {}
    for start, stop in strides:
        duration = stop - start
        bounds = cycle_phase_bounds(events, side, start, stop)
        if duration > MAX_STRIDE_S:
            flagged[(start, stop)] = f"{duration:.2f} s is longer than a walking stride ({MAX_STRIDE_S} s)"
        elif not median / STRIDE_FACTOR <= duration <= median * STRIDE_FACTOR:
            flagged[(start, stop)] = (f"{duration:.2f} s is off the median stride ({median:.2f} s) by more than "
                                      f"x{STRIDE_FACTOR}")
        elif bounds is not None and not TOE_OFF_RANGE_PCT[0] <= bounds[2] <= TOE_OFF_RANGE_PCT[1]:
            flagged[(start, stop)] = (f"toe-off at {bounds[2]:.1f} % is outside {TOE_OFF_RANGE_PCT[0]:g}-"
                                      f"{TOE_OFF_RANGE_PCT[1]:g} %")
    return flagged


def cut_cycles(trial: Trial, events: GaitEvents, side: str = "right", signals: Sequence[str] | None = None,
               *, steady_only: bool = True) -> GaitCycles:
    """Cut ``trial`` into the complete ``side`` cycles it covers and normalise each to 101 samples.

    Events may come from another file (e.g. GRF events applied to IK coordinates); cycles not covered by the
    trial's time span are skipped. With ``steady_only`` the strides :func:`implausible_strides` flags are left
    out with a warning naming them. Raises when no complete cycle is left.
    """
    strikes = events.side(side).heel_strikes
    selected = trial.select(signals) if signals is not None else trial
    flagged = implausible_strides(events, side) if steady_only else {}
    for (start, stop), reason in flagged.items():
        warnings.warn(f"{trial.source}: {side} stride {start:g}-{stop:g} s left out: {reason}", stacklevel=2)
    rows, starts, stops, bounds, sources = [], [], [], [], []
    for start, stop in itertools.pairwise(strikes):
        if start < trial.time[0] - 1e-9 or stop > trial.time[-1] + 1e-9 or (start, stop) in flagged:
            continue
        times = start + PERCENT / 100.0 * (stop - start)
        rows.append(selected.resample(np.clip(times, trial.time[0], trial.time[-1])).values)
        starts.append(start)
        stops.append(stop)
        found = cycle_phase_bounds(events, side, start, stop)
        bounds.append(found if found is not None else np.array(DEFAULT_PHASE_BOUNDS))
        sources.append("events" if found is not None else "default")
    if not rows:
        raise InputFileError(
            trial.source,
            f"no complete {side} gait cycle inside {trial.time[0]:g}-{trial.time[-1]:g} s "
            f"({side} heel strikes at {', '.join(f'{t:g}' for t in strikes) or 'none'} s"
            + (f"; {len(flagged)} stride(s) left out as not steady" if flagged else "") + ")",
        )
    return GaitCycles(values=np.stack(rows), names=selected.names, units=selected.units, side=side,
                      start_s=np.array(starts), stop_s=np.array(stops), phase_bounds=np.stack(bounds),
                      phase_source=tuple(sources), source=trial.source)
