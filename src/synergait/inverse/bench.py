"""Inverse-analysis benchmark and validation on the Rajagopal 2016 stride (0.48-1.61 s), both backends in one run.

Reports each backend's wall time, their ratio, per-muscle agreement (Pearson r between backends) and each
backend's agreement with the trial's EMG envelopes (Pearson r in time, eight muscles).
"""

from __future__ import annotations

import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from synergait.data.io import read_storage
from synergait.data.rajagopal import RAJAGOPAL_WINDOW_S, RajagopalTrial
from synergait.inverse import rajagopal_activations
from synergait.inverse.validation import compare_tables, correlate_with_emg


def measure_inverse(source: str | Path | None = None, *, moco: bool = True) -> dict[str, Any]:
    trial = RajagopalTrial.fetch(source)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        emg = read_storage(trial.emg)
        started = time.perf_counter()
        mujoco_table = rajagopal_activations(trial.folder)
        mujoco_s = time.perf_counter() - started
    mujoco_emg = correlate_with_emg(mujoco_table, emg)
    result: dict[str, Any] = {
        "window_s": list(RAJAGOPAL_WINDOW_S), "mujoco_wall_s": mujoco_s, "mujoco_frames": int(mujoco_table.time.size),
        "mujoco_emg_r": mujoco_emg, "mujoco_emg_median_r": float(np.median(list(mujoco_emg.values()))),
        "moco_wall_s": None, "ratio_moco_to_mujoco_time": None, "median_r_mujoco_vs_moco": None,
        "moco_emg_r": None, "moco_status": "not run",
    }
    if not moco:
        return result
    try:
        import opensim  # noqa: F401
    except ImportError:
        result["moco_status"] = "opensim not installed (pip install 'synergait[opensim]')"
        return result
    started = time.perf_counter()
    try:
        moco_table = rajagopal_activations(
            trial.folder, backend="moco",
            function_based_paths=trial.folder / "subject_walk_scaled_FunctionBasedPathSet.xml")
    except Exception as exc:
        result["moco_status"] = f"failed after {time.perf_counter() - started:.0f} s: {exc}"
        return result
    moco_s = time.perf_counter() - started
    agreement = compare_tables(mujoco_table, moco_table)
    moco_emg = correlate_with_emg(moco_table, emg)
    result.update({"moco_wall_s": moco_s, "ratio_moco_to_mujoco_time": moco_s / mujoco_s,
                   "median_r_mujoco_vs_moco": float(np.nanmedian(list(agreement.values()))),
                   "r_mujoco_vs_moco": agreement, "moco_emg_r": moco_emg, "moco_status": "solved"})
    return result
