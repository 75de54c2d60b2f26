"""OpenSim Moco backend (extra ``synergait[opensim]``): slow (~2 min), run with ``make test-slow``."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

from synergait.inverse import estimate_activations
from synergait.inverse.validation import compare_tables

pytestmark = pytest.mark.slow


@pytest.mark.xfail(reason="On this machine OpenSim 4.6's MocoInverse hits NaN in the CasADi Jacobian at the initial "
                          "guess, also with OpenSim's own example3DWalking script (see the inverse issue's notes).",
                   strict=False)
def test_moco_agrees_with_mujoco(rajagopal: Path) -> None:
    pytest.importorskip("opensim")
    window = {"start_s": 0.48, "stop_s": 1.61}
    moco = estimate_activations(rajagopal / "coordinates.sto", rajagopal / "grf_walk.mot", backend="moco",
                                loads_xml=rajagopal / "grf_walk.xml", osim_model=rajagopal / "subject_walk_scaled.osim",
                                function_based_paths=rajagopal / "subject_walk_scaled_FunctionBasedPathSet.xml",
                                **window)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mujoco = estimate_activations(rajagopal / "coordinates.sto", rajagopal / "grf_walk.mot",
                                      loads_xml=rajagopal / "grf_walk.xml",
                                      osim_model=rajagopal / "subject_walk_scaled.osim", **window)
    assert moco.activations.shape[1] == 80
    r = compare_tables(mujoco, moco)
    assert np.nanmedian([r[m] for m in moco.muscles]) > 0.5
