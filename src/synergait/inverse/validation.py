"""Validation of estimated activations: against EMG envelopes (in time, or over the gait cycle) and between
backends."""

from __future__ import annotations

import numpy as np

from synergait.data.cycles import PERCENT
from synergait.data.trial import Trial
from synergait.errors import ParameterError
from synergait.inverse.table import ActivationTable
from synergait.stats import pearson

#: Rajagopal 2016 EMG channels -> model muscles (right leg).
RAJAGOPAL_EMG_MUSCLES = {
    "soleus": "soleus_r", "gastrocnemius": "gasmed_r", "tibialis_anterior": "tibant_r",
    "medial_hamstrings": "semiten_r", "biceps_femoris": "bflh_r", "vastus_lateralis": "vaslat_r",
    "vastus_medius": "vasmed_r", "rectus_femoris": "recfem_r",
}


def correlate_with_emg(table: ActivationTable, emg: Trial,
                       pairs: dict[str, str] = RAJAGOPAL_EMG_MUSCLES) -> dict[str, float]:
    """Pearson r in time between each EMG channel (resampled onto the table's times) and its muscle."""
    missing = [c for c in pairs if c not in emg]
    if missing:
        raise ParameterError("emg", f"{emg.source} lacks channel(s) {', '.join(missing)}")
    resampled = emg.resample(table.time)
    return {channel: pearson(table.select([muscle])[:, 0], resampled[channel]) for channel, muscle in pairs.items()}


def gait_cycle_profile(table: ActivationTable, heel_strike_s: float, stride_s: float) -> np.ndarray:
    """Activations over the gait cycle (101 x m) by folding time onto the phase ``(t - HS) / stride mod 1``.

    For windows of about one stride that do not start at a heel strike (e.g. the Rajagopal IK window); each
    muscle is interpolated periodically over the phases the window covers.
    """
    if stride_s <= 0:
        raise ParameterError("stride_s", f"must be positive, got {stride_s}")
    phase = 100.0 * np.mod((table.time - heel_strike_s) / stride_s, 1.0)
    order = np.argsort(phase)
    phase = phase[order]
    values = table.activations[order]
    extended_phase = np.concatenate([phase - 100.0, phase, phase + 100.0])
    extended = np.concatenate([values, values, values])
    return np.column_stack([np.interp(PERCENT, extended_phase, extended[:, j]) for j in range(values.shape[1])])


def compare_tables(a: ActivationTable, b: ActivationTable) -> dict[str, float]:
    """Per-muscle Pearson r between two tables over their common muscles and time span (b resampled onto a)."""
    common = [m for m in a.muscles if m in b.muscles]
    if not common:
        raise ParameterError("tables", "no muscle in common")
    inside = (a.time >= b.time[0]) & (a.time <= b.time[-1])
    out = {}
    for muscle in common:
        other = np.interp(a.time[inside], b.time, b.select([muscle])[:, 0])
        out[muscle] = pearson(a.select([muscle])[inside, 0], other)
    return out
