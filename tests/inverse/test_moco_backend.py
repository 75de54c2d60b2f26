"""OpenSim Moco backend (extra ``synergait[opensim]``): slow (~1.5 min), run with ``make test-slow``."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

from synergait.inverse import estimate_activations
from synergait.inverse.validation import compare_tables

pytestmark = pytest.mark.slow


def test_moco_agrees_with_mujoco(rajagopal: Path) -> None:
    pytest.importorskip("opensim")
    window = {"start_s": 0.48, "stop_s": 1.61}
    with pytest.warns(UserWarning, match="mtp_angle_r, mtp_angle_l"):  # not in the shared coordinates.sto
        moco = estimate_activations(rajagopal / "coordinates.sto", rajagopal / "grf_walk.mot", backend="moco",
                                    loads_xml=rajagopal / "grf_walk.xml",
                                    osim_model=rajagopal / "subject_walk_scaled.osim",
                                    function_based_paths=rajagopal / "subject_walk_scaled_FunctionBasedPathSet.xml",
                                    **window)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mujoco = estimate_activations(rajagopal / "coordinates.sto", rajagopal / "grf_walk.mot",
                                      loads_xml=rajagopal / "grf_walk.xml",
                                      osim_model=rajagopal / "subject_walk_scaled.osim", **window)
    assert moco.activations.shape[1] == 80
    assert np.isfinite(moco.activations).all() and moco.activations.min() >= 0 and moco.activations.max() <= 1
    r = compare_tables(mujoco, moco)
    assert np.nanmedian([r[m] for m in moco.muscles]) >= 0.7  # measured 0.87 (mesh 0.02 s)
