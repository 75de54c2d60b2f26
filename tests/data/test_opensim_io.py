from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from synergait.data.io import read_storage, read_trial, write_trial
from synergait.data.trial import Trial
from synergait.errors import InputFileError


def test_reads_rajagopal_coordinates_and_reports_the_column_count_mismatch(rajagopal: Path) -> None:
    with pytest.warns(UserWarning, match="nColumns=40 but the table holds 32"):
        trial = read_storage(rajagopal / "coordinates.sto")
    assert trial.n_samples == 1350
    assert trial.rate_hz == pytest.approx(1000.0)
    assert len(trial.names) == 31
    assert trial.unit("hip_flexion_r") == "rad"
    assert trial.unit("pelvis_tx") == "m"
    # pelvis advances at ~1.24 m/s over the window
    assert np.polyfit(trial.time, trial["pelvis_tx"], 1)[0] == pytest.approx(1.24, abs=0.02)
    # knee flexion in radians (peak swing flexion ~ 60-70 degrees)
    assert 1.0 < trial["knee_angle_r"].max() < 1.3


def test_grf_units_and_inverse_dynamics_units(rajagopal: Path) -> None:
    grf = read_trial(rajagopal / "grf_walk.mot")
    assert grf.unit("ground_force_r_vy") == "N"
    assert grf.unit("ground_force_r_px") == "m"
    assert grf.unit("ground_torque_r_y") == "N*m"
    assert grf.rate_hz == pytest.approx(2000.0)
    moments = read_trial(rajagopal / "id_walk.sto")
    assert moments.unit("hip_flexion_r_moment") == "N*m"
    assert moments.unit("pelvis_tx_force") == "N"


@pytest.mark.parametrize("in_degrees", [False, True])
@pytest.mark.parametrize("suffix", [".sto", ".mot", ".csv"])
def test_round_trip(rajagopal: Path, tmp_path: Path, in_degrees: bool, suffix: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        original = read_storage(rajagopal / "coordinates.sto")
    path = tmp_path / f"copy{suffix}"
    write_trial(original, path, in_degrees=in_degrees)
    back = read_trial(path)
    assert back.names == original.names
    assert back.units == original.units
    np.testing.assert_allclose(back.time, original.time, rtol=0, atol=1e-12)
    np.testing.assert_allclose(back.values, original.values, rtol=1e-12, atol=1e-12)


def test_in_degrees_is_honoured(tmp_path: Path) -> None:
    path = tmp_path / "deg.mot"
    path.write_text("walk\nversion=1\nnRows=2\nnColumns=3\ninDegrees=yes\nendheader\n"
                    "time\tknee_angle_r\tpelvis_tx\n0\t90\t1.5\n0.01\t45\t1.6\n")
    trial = read_storage(path)
    np.testing.assert_allclose(trial["knee_angle_r"], [np.pi / 2, np.pi / 4])
    np.testing.assert_allclose(trial["pelvis_tx"], [1.5, 1.6])  # translations are not angles


def test_angles_that_contradict_in_degrees_are_questioned(tmp_path: Path) -> None:
    path = tmp_path / "radians.mot"
    path.write_text("walk\ninDegrees=yes\nendheader\ntime\tknee_angle_r\thip_flexion_r\n"
                    "0\t0.1\t0.3\n0.01\t0.6\t-0.2\n0.02\t1.0\t0.1\n")
    with pytest.warns(UserWarning, match="inDegrees=yes, but no angle varies by more than"):
        read_storage(path)
    path.write_text(path.read_text().replace("inDegrees=yes", "inDegrees=no").replace("0.6\t-0.2", "60\t-20"))
    with pytest.warns(UserWarning, match="are the values degrees"):
        read_storage(path)


def test_old_simm_header_style(tmp_path: Path) -> None:
    path = tmp_path / "old.mot"
    path.write_text("Coordinates\ndatacolumns 2\ndatarows 3\nrange 0 0.02\nendheader\n"
                    "time hip_flexion_r\n0 10\n0.01 20\n0.02 30\n")
    trial = read_storage(path)
    assert trial.names == ("hip_flexion_r",)
    assert trial.n_samples == 3


BAD_FILES = {
    "empty": ("", "empty file"),
    "no_endheader": ("walk\nversion=1\ntime\tx\n0\t1\n", "no 'endheader'"),
    "duplicated": ("h\nendheader\ntime\tknee_angle_r\tknee_angle_r\n0\t1\t2\n0.1\t1\t2\n", "duplicated column"),
    "non_monotonic": ("h\nendheader\ntime\tx\n0\t1\n0.2\t1\n0.1\t1\n", "non-monotonic time at row 2"),
    "repeated": ("h\nendheader\ntime\tx\n0\t1\n0.1\t1\n0.1\t1\n", "repeated time"),
    "nan_gap": ("h\nendheader\ntime\tx\ty\n0\t1\t1\n0.1\tNaN\t1\n0.2\t1\tNaN\n0.3\t1\tNaN\n",
                r"missing values \(NaN or empty\) in 2 column\(s\), first at t = 0.1 s: x: 1 gap\(s\), longest "
                r"0.100 s; y: 1 gap\(s\), longest 0.200 s"),
    "infinite": ("h\nendheader\ntime\tx\n0\t1\n0.1\tinf\n0.2\t1\n", r"1 infinite value\(s\), the first at t = 0.1 s"),
    "ragged": ("h\nendheader\ntime\tx\ty\n0\t1\t2\n0.1\t1\n0.2\t1\t2\n", "line 5 holds 2 values, the header has 3"),
    "text_in_table": ("h\nendheader\ntime\tx\n0\tabc\n", "non-numeric"),
    "no_rows": ("h\nendheader\ntime\tx\n", "no data rows"),
    "no_time": ("h\nendheader\nframe\tx\n0\t1\n", "first column must be 'time'"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_input_names_file_and_problem(tmp_path: Path, case: str) -> None:
    text, problem = BAD_FILES[case]
    path = tmp_path / f"{case}.sto"
    path.write_text(text)
    with pytest.raises(InputFileError, match=problem) as info:
        read_trial(path)
    assert str(path) in str(info.value)


def test_writer_leaves_nothing_half_written(tmp_path: Path) -> None:
    trial = Trial(time=[0.0, 0.1], values=[[1.0], [2.0]], names=["x"], units=["1"])
    with pytest.raises(InputFileError):
        write_trial(trial, tmp_path / "out.xyz")
    assert list(tmp_path.iterdir()) == []


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=st.sampled_from("time\tx0123456789.-=\nendheadrNaN "), max_size=200))
def test_fuzzed_storage_files_fail_cleanly(tmp_path: Path, text: str) -> None:
    path = tmp_path / "fuzz.sto"
    path.write_text(text)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            trial = read_storage(path)
        except InputFileError as exc:
            assert str(path) in str(exc)
            return
    assert np.all(np.diff(trial.time) > 0)
    assert np.isfinite(trial.values).all()
