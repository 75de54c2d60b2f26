from __future__ import annotations

import warnings
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from synergait.data.io import read_storage, write_storage
from synergait.data.reference import load_falisse2019, osim_body_mass
from synergait.errors import InputFileError, ParameterError
from synergait.inverse import estimate_activations
from synergait.inverse.table import ActivationTable
from synergait.inverse.validation import (
    compare_tables,
    correlate_with_emg,
    gait_cycle_profile,
)
from synergait.model.catalog import EMG_CODE_MUSCLES
from synergait.stats import pearson


@pytest.fixture(scope="module")
def table(rajagopal_activations: ActivationTable) -> ActivationTable:
    return rajagopal_activations


def test_shape_bounds_and_reserves(table: ActivationTable) -> None:
    assert table.activations.shape == (114, 86)
    assert table.backend == "mujoco"
    assert (table.activations >= 0).all() and (table.activations <= 1).all()
    # the muscles carry the joints: reserves stay below 1 N*m on every joint
    assert np.abs(table.reserves).max() < 1.0
    assert set(table.reserve_dofs) >= {"hip_flexion_r", "knee_angle_r", "ankle_angle_r", "flex_extension"}
    assert "mtp_angle_r" in table.info["locked_joints"]
    assert float(table.info["grf_scale"]) == pytest.approx(74.975 / 85.27, abs=1e-3)


def test_activations_follow_the_emg(table: ActivationTable, rajagopal: Path) -> None:
    r = correlate_with_emg(table, read_storage(rajagopal / "electromyography.sto"))
    assert np.median(list(r.values())) > 0.55
    for channel in ("gastrocnemius", "medial_hamstrings", "vastus_lateralis", "soleus", "tibialis_anterior"):
        assert r[channel] > 0.55, (channel, r[channel])


def test_gait_cycle_profile_against_another_subject(table: ActivationTable, falisse_mat: Path) -> None:
    """Folded onto the right gait cycle (HS 1.407 s, stride 1.144 s), activations resemble Falisse's EMG."""
    profile = gait_cycle_profile(table, heel_strike_s=1.407, stride_s=1.144)
    assert profile.shape == (101, 86)
    reference = load_falisse2019(falisse_mat)
    r = {}
    for code, muscle in EMG_CODE_MUSCLES.items():
        emg = reference.curves(f"emg_{code}").mean(axis=0)
        r[code] = pearson(profile[:, table.muscles.index(muscle)], emg)
    # Another subject (Falisse 2019, stance ~63 % of the cycle against ~67 % here): hamstrings and vasti, active
    # around heel strike in both, agree; the plantarflexors peak ~10 % later in this subject's longer stance.
    assert r["ST"] > 0.5 and r["BF"] > 0.4 and r["VL"] > 0.4
    assert np.argmax(profile[:, table.muscles.index("soleus_r")]) in range(40, 66)  # late stance


def test_compare_tables_identity(table: ActivationTable) -> None:
    r = compare_tables(table, table)
    active = [m for m in table.muscles if table.select([m]).std() > 0]
    assert all(r[m] == pytest.approx(1.0) for m in active)


def test_csv_round_trip(table: ActivationTable, tmp_path: Path) -> None:
    table.to_csv(tmp_path / "act.csv")
    back = ActivationTable.from_csv(tmp_path / "act.csv")
    assert back.muscles == table.muscles
    np.testing.assert_allclose(back.activations, table.activations, atol=1e-7)


def test_subject_mass_from_model(rajagopal: Path) -> None:
    assert osim_body_mass(rajagopal / "subject_walk_scaled.osim") == pytest.approx(85.27, abs=0.01)


def test_missing_coordinates_are_named(rajagopal: Path, tmp_path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        coordinates = read_storage(rajagopal / "coordinates.sto")
    write_storage(coordinates.select([n for n in coordinates.names if not n.startswith("pelvis_t")]),
                  tmp_path / "c.sto")
    with pytest.raises(InputFileError, match="missing pelvis coordinate"):
        estimate_activations(tmp_path / "c.sto", rajagopal / "grf_walk.mot", loads_xml=rajagopal / "grf_walk.xml")


def test_grf_that_does_not_overlap(rajagopal: Path, tmp_path: Path) -> None:
    grf = read_storage(rajagopal / "grf_walk.mot").window(0.0, 0.9)
    write_storage(grf, tmp_path / "g.mot")
    with pytest.raises(InputFileError, match="does not cover the kinematics window"):
        estimate_activations(rajagopal / "coordinates.sto", tmp_path / "g.mot", loads_xml=rajagopal / "grf_walk.xml",
                             start_s=0.48, stop_s=1.61)


def test_bad_activation_csv(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("time,soleus_r\n0,0.5\n0.01,nan\n")
    with pytest.raises(InputFileError, match="column 'soleus_r' has NaN"):
        ActivationTable.from_csv(tmp_path / "a.csv")
    with pytest.raises(ParameterError, match="NaN or infinite"):
        ActivationTable(time=[0.0], activations=[[np.nan]], muscles=["x"])


def test_unknown_backend(rajagopal: Path) -> None:
    with pytest.raises(ParameterError, match="must be 'mujoco' or 'moco'"):
        estimate_activations(rajagopal / "coordinates.sto", rajagopal / "grf_walk.mot", backend="simbody")


def test_physically_invalid_input_is_refused_or_flagged(rajagopal: Path, tmp_path: Path) -> None:
    paths = (rajagopal / "coordinates.sto", rajagopal / "grf_walk.mot")
    loads = {"loads_xml": rajagopal / "grf_walk.xml"}
    for mass in (-70.0, 0.0):
        with pytest.raises(ParameterError, match="a body mass in kg is positive"):
            estimate_activations(*paths, subject_mass_kg=mass, **loads)
    grf = read_storage(rajagopal / "grf_walk.mot")
    write_storage(replace(grf, values=np.zeros_like(grf.values)), tmp_path / "zero.mot")
    with pytest.raises(InputFileError, match=r"the vertical GRF averages 0\.00 body weights"):
        estimate_activations(paths[0], tmp_path / "zero.mot", **loads)
    with pytest.warns(UserWarning, match="residual forces reach"):  # beyond the force plates' contact
        estimate_activations(*paths, start_s=1.62, stop_s=1.79, **loads)


def test_activation_tables_are_checked_like_recordings(tmp_path: Path) -> None:
    from synergait.synergy.extract import SynergyExtractor

    (tmp_path / "dup.csv").write_text("time,soleus_r,soleus_r\n0,0.1,0.2\n0.01,0.1,0.2\n")
    with pytest.raises(InputFileError, match="duplicated column"):
        ActivationTable.from_csv(tmp_path / "dup.csv")
    (tmp_path / "back.csv").write_text("time,soleus_r\n0,0.1\n0.02,0.1\n0.01,0.2\n")
    with pytest.raises(InputFileError, match="time must increase strictly"):
        ActivationTable.from_csv(tmp_path / "back.csv")
    (tmp_path / "garbage.npz").write_bytes(b"not a zip at all")
    with pytest.raises(InputFileError, match="not a synergait activation table"):
        ActivationTable.load(tmp_path / "garbage.npz")
    with pytest.raises(InputFileError, match=r"a \.csv or \.npz file"):
        ActivationTable.load(tmp_path / "table.xyz")
    muscles = [f"m{i}" for i in range(12)]
    zeros = ActivationTable(time=np.arange(20) / 100, activations=np.zeros((20, 12)), muscles=muscles)
    with pytest.raises(ParameterError, match="every activation is zero"):
        SynergyExtractor(4, muscles=muscles, n_restarts=1).fit(zeros)
    short = ActivationTable(time=np.arange(3) / 100, activations=np.full((3, 12), 0.3), muscles=muscles)
    with pytest.raises(ParameterError, match="3 samples cannot determine 10 synergies"):
        SynergyExtractor(10, muscles=muscles, n_restarts=1).fit(short)


def test_the_default_window_is_a_gait_cycle_or_says_why_not(rajagopal: Path) -> None:
    # Rajagopal's kinematics (0.45-1.8 s) hold one right heel strike (1.407 s): no complete cycle, so the whole
    # span is analysed, and the user is told.
    with pytest.warns(UserWarning, match="no complete right gait cycle inside the kinematics"):
        table = estimate_activations(rajagopal / "coordinates.sto", rajagopal / "grf_walk.mot",
                                     loads_xml=rajagopal / "grf_walk.xml")
    assert table.time[0] == pytest.approx(0.46) and table.time[-1] == pytest.approx(1.78)
