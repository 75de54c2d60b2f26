from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from synergait.data.io import read_c3d, read_csv_trial, read_trc, read_trial, write_csv_trial, write_trc
from synergait.errors import InputFileError


def test_trc_units_are_converted_to_metres(rajagopal: Path) -> None:
    markers = read_trc(rajagopal / "markers_walk.trc")  # Units = mm
    assert markers.n_samples == 238
    assert markers.rate_hz == pytest.approx(100.0)
    assert len(markers.names) == 3 * 41
    assert markers["R.Shoulder_x"][0] == pytest.approx(-0.652630)  # -652.630 mm in the file
    assert set(markers.units) == {"m"}


@pytest.mark.parametrize("units", ["mm", "cm", "m"])
def test_trc_round_trip_in_any_length_unit(rajagopal: Path, tmp_path: Path, units: str) -> None:
    markers = read_trc(rajagopal / "markers_walk.trc")
    write_trc(markers, tmp_path / "m.trc", units=units)
    back = read_trc(tmp_path / "m.trc")
    assert back.names == markers.names
    np.testing.assert_allclose(back.values, markers.values, atol=1e-12)
    np.testing.assert_allclose(back.time, markers.time, atol=1e-12)


def test_trc_unknown_unit(rajagopal: Path, tmp_path: Path) -> None:
    text = (rajagopal / "markers_walk.trc").read_text().replace("\t mm\t", "\t furlong\t", 1)
    assert "furlong" in text
    (tmp_path / "bad.trc").write_text(text)
    with pytest.raises(InputFileError, match="unknown length unit 'furlong'"):
        read_trial(tmp_path / "bad.trc")


def test_c3d_points_in_metres(rajagopal: Path, tmp_path: Path) -> None:
    """Write the real Rajagopal markers into a C3D (in mm) with ezc3d and read it back."""
    import ezc3d

    markers = read_trc(rajagopal / "markers_walk.trc")
    names = [n[:-2] for n in markers.names if n.endswith("_x")]
    c3d = ezc3d.c3d()
    c3d["parameters"]["POINT"]["RATE"]["value"] = [100.0]
    c3d["parameters"]["POINT"]["LABELS"]["value"] = names
    c3d["parameters"]["POINT"]["UNITS"]["value"] = ["mm"]
    xyz = markers.values.reshape(markers.n_samples, len(names), 3).transpose(2, 1, 0) * 1000.0
    points = np.ones((4, len(names), markers.n_samples))
    points[:3] = xyz
    c3d["data"]["points"] = points
    c3d.write(str(tmp_path / "walk.c3d"))
    back = read_trial(tmp_path / "walk.c3d")
    assert back.names == markers.names
    assert back.rate_hz == pytest.approx(100.0)
    np.testing.assert_allclose(back.values, markers.values, atol=1e-5)


def test_c3d_not_a_c3d(tmp_path: Path) -> None:
    (tmp_path / "x.c3d").write_bytes(b"not a c3d file at all")
    with pytest.raises(InputFileError, match=r"x\.c3d"):
        read_c3d(tmp_path / "x.c3d")


def test_wide_csv_with_units(tmp_path: Path) -> None:
    path = tmp_path / "wide.csv"
    path.write_text("time [s],knee_angle_r [deg],grf [N],cop [mm],emg\n0,90,10,1000,0.5\n0.01,45,20,2000,0.25\n")
    trial = read_csv_trial(path)
    np.testing.assert_allclose(trial["knee_angle_r"], [np.pi / 2, np.pi / 4])
    np.testing.assert_allclose(trial["cop"], [1.0, 2.0])
    assert trial.units == ("rad", "N", "m", "1")


@pytest.mark.parametrize("long", [False, True])
def test_csv_round_trip(rajagopal: Path, tmp_path: Path, long: bool) -> None:
    grf = read_trial(rajagopal / "grf_walk.mot").window(0.2, 0.4)
    write_csv_trial(grf, tmp_path / "g.csv", long=long)
    back = read_csv_trial(tmp_path / "g.csv")
    assert back.names == grf.names
    assert back.units == grf.units
    np.testing.assert_allclose(back.values, grf.values, atol=1e-9)


@pytest.mark.parametrize(("text", "problem"), [
    ("", "empty file"),
    ("a,b\n1,2\n", "no 'time' column"),
    ("time,x [furlong]\n0,1\n", "unknown unit 'furlong' for column 'x \\[furlong\\]'"),
    ("time,x,x\n0,1,2\n", "duplicated column"),
    ("time,x\n0,1\n0,2\n", "repeated time"),
    ("time,x\n0,1\n0.1,\n0.2,3\n", r"in 1 column\(s\), first at t = 0.1 s: x: 1 gap\(s\), longest 0.100 s"),
    ("time,x\n0,abc\n", "non-numeric value 'abc'"),
    ("time,signal,value\n0,x,1\n0,x,2\n", "repeated time 0 s for signal 'x'"),
])
def test_bad_csv(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(InputFileError, match=problem):
        read_trial(path)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=st.sampled_from("time,signal,value[]x0123456789.-\n"), max_size=120))
def test_fuzzed_csv_fails_cleanly(tmp_path: Path, text: str) -> None:
    path = tmp_path / "fuzz.csv"
    path.write_text(text)
    try:
        trial = read_csv_trial(path)
    except InputFileError:
        return
    assert np.all(np.diff(trial.time) > 0)


def _gapped_trc(rajagopal: Path, tmp_path: Path, gaps: dict[int, tuple[int, int]]) -> Path:
    """The Rajagopal marker file with marker ``m``'s coordinates blanked over frames ``[a, b)``."""
    lines = (rajagopal / "markers_walk.trc").read_text().splitlines()
    rows = [line.split("\t") for line in lines[5:] if line.strip()]
    for marker, (first, last) in gaps.items():
        for row in rows[first:last]:
            row[2 + 3 * marker: 5 + 3 * marker] = ["", "", ""]
    path = tmp_path / "gapped.trc"
    path.write_text("\n".join(lines[:5] + ["\t".join(r) for r in rows]) + "\n")
    return path


def test_marker_gaps_are_listed_and_short_ones_filled(rajagopal: Path, tmp_path: Path) -> None:
    from synergait.data.io import read_trc

    original = read_trc(rajagopal / "markers_walk.trc")
    path = _gapped_trc(rajagopal, tmp_path, {0: (100, 108), 1: (150, 190), 5: (0, 3)})
    with pytest.raises(InputFileError) as info:
        read_trc(path)
    message = str(info.value)
    assert "9 signal(s) with gaps" in message and "R.Shoulder_x: 1 gap(s), longest 0.080 s" in message
    assert "L.Shoulder_z: 1 gap(s), longest 0.400 s" in message and "--fill-gaps" in message
    with pytest.raises(InputFileError, match=r"longer than 0\.1 s or at an end"):  # 0.4 s, and one at the start
        read_trc(path, fill_gaps_s=0.1)
    filled = read_trc(_gapped_trc(rajagopal, tmp_path, {0: (100, 108)}), fill_gaps_s=0.1)
    error = np.abs(filled.values[100:108, :3] - original.values[100:108, :3]).max()
    assert error < 0.005  # a smooth marker path over 80 ms: within 5 mm of the recorded one
