from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from synergait.data.fetch import fetch, load_reference
from synergait.data.reference import Condition, ReferenceSet, load_falisse2019
from synergait.errors import InputFileError, ParameterError


@pytest.fixture(scope="module")
def falisse(falisse_mat: Path) -> ReferenceSet:
    return load_falisse2019(falisse_mat)


def test_falisse_eleven_cycles_in_reference_conventions(falisse: ReferenceSet) -> None:
    knee = falisse.curves("knee_angle")
    assert knee.shape == (11, 101)
    assert 55 < knee.max(axis=1).mean() < 75  # peak swing knee flexion, positive (flexion-positive convention)
    hip = falisse.curves("hip_angle")
    assert hip[:, 0].mean() > 15  # hip flexed at heel strike
    ankle_moment = falisse.curves("ankle_moment")  # plantarflexion moment in late stance, N*m/kg
    assert -1.8 < ankle_moment.min(axis=1).mean() < -1.0
    vertical = falisse.curves("grf_vertical")
    assert 0.95 < vertical.max(axis=1).mean() < 1.2  # body weights
    assert falisse.curves("emg_SOL").shape == (11, 101)
    assert falisse.curves("emg_TA").shape == (6, 101)  # NaN (unrecorded) cycles are dropped
    assert not falisse.is_mean_sd
    assert any("speed" in note for note in falisse.notes)


def test_rajagopal_reference(rajagopal: Path) -> None:
    reference = load_reference("rajagopal2016", source=rajagopal.parent)
    assert reference.conditions == [Condition(1.25, 0.0)]
    assert reference.curves("grf_vertical").max() == pytest.approx(1.13, abs=0.03)
    assert reference.curves("emg_SOL").shape == (1, 101)
    with pytest.raises(ParameterError, match="no 'knee_angle' curves"):
        reference.curves("knee_angle")


def test_gait2354_reference_braking_then_propulsion(gait2354: Path) -> None:
    reference = load_reference("gait2354_subject01", source=gait2354)
    ap = reference.curves("grf_ap")
    assert ap.shape == (2, 101)
    assert (ap[:, 5:25].mean(axis=1) < 0).all() and (ap[:, 40:60].mean(axis=1) > 0).all()


def test_csv_round_trip_and_mean_sd(falisse: ReferenceSet, tmp_path: Path) -> None:
    falisse.to_csv(tmp_path / "ref.csv")
    back = ReferenceSet.from_csv(tmp_path / "ref.csv")
    np.testing.assert_allclose(back.curves("knee_moment"), falisse.curves("knee_moment"), atol=1e-8)
    summary = falisse.table.groupby(["subject", "speed_m_s", "slope_deg", "variable", "unit", "pct_gait_cycle"],
                                    dropna=False)["value"].agg(["mean", "std"]).reset_index()
    summary = summary.rename(columns={"mean": "value", "std": "sd"})
    mean_sd = ReferenceSet.from_table(summary)
    assert mean_sd.is_mean_sd
    assert mean_sd.curves("knee_angle").shape == (1, 101)


@pytest.mark.parametrize(("edit", "problem"), [
    (lambda t: t.drop(columns=["unit"]), "missing column\\(s\\) unit"),
    (lambda t: t.assign(unit="rad"), "variable 'hip_angle' has unit 'rad', expected 'deg'"),
    (lambda t: t.assign(variable="elbow_angle"), "unknown variable 'elbow_angle'"),
    (lambda t: t[t["pct_gait_cycle"] < 90], "does not span 0-100"),
    (lambda t: t.assign(value="x"), "non-numeric value 'x'"),
    (lambda t: t.iloc[:0], "no data rows"),
])
def test_bad_reference_csv(falisse: ReferenceSet, tmp_path: Path, edit, problem: str) -> None:
    table = edit(falisse.table[falisse.table["variable"] == "hip_angle"].copy())
    pd.DataFrame(table).to_csv(tmp_path / "bad.csv", index=False)
    with pytest.raises(InputFileError, match=problem):
        ReferenceSet.from_csv(tmp_path / "bad.csv")


def test_fetch_verifies_a_local_copy(rajagopal: Path, tmp_path: Path) -> None:
    assert fetch("rajagopal2016", source=rajagopal.parent) == rajagopal
    copy = tmp_path / "rajagopal2016_walk"
    shutil.copytree(rajagopal, copy)
    with (copy / "grf_walk.mot").open("a") as f:
        f.write("\n")
    with pytest.raises(InputFileError, match="SHA-256 does not match"):
        fetch("rajagopal2016", source=tmp_path)
    (copy / "grf_walk.mot").unlink()
    with pytest.raises(InputFileError, match=r"missing grf_walk\.mot"):
        fetch("rajagopal2016", source=tmp_path)
    with pytest.raises(ParameterError, match="unknown dataset"):
        fetch("nope")
