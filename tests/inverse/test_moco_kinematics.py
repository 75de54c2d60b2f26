"""What MocoInverse is given to prescribe (needs the ``opensim`` extra; fast: no solve)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from synergait.data.io import read_storage


def test_kinematics_cover_every_model_coordinate_and_no_coupled_one(rajagopal: Path) -> None:
    osim = pytest.importorskip("opensim")
    from synergait.inverse.moco_backend import _prescribable

    with pytest.warns(UserWarning):
        coordinates = read_storage(rajagopal / "coordinates.sto")  # its header miscounts the columns
    model = osim.Model(str(rajagopal / "subject_walk_scaled.osim"))
    with pytest.warns(UserWarning, match="no column for model coordinate.*mtp_angle_r, mtp_angle_l"):
        prepared = _prescribable(coordinates, model)
    names = {model.getCoordinateSet().get(i).getName() for i in range(model.getCoordinateSet().getSize())}
    assert set(prepared.names) == names - {"knee_angle_r_beta", "knee_angle_l_beta"}
    assert np.all(prepared["mtp_angle_r"] == 0.0) and prepared.unit("mtp_angle_r") == "rad"
    np.testing.assert_array_equal(prepared["knee_angle_r"], coordinates["knee_angle_r"])
