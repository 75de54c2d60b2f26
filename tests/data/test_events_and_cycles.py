from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from synergait.data.cycles import DEFAULT_PHASE_BOUNDS, N_SAMPLES, PHASES, cut_cycles, phase_mask, stance_percent
from synergait.data.events import GaitEvents, SideEvents, detect_gait_events, lowpass
from synergait.data.io import read_trial
from synergait.data.trial import Trial
from synergait.errors import InputFileError, ParameterError


@pytest.fixture(scope="module")
def grf(rajagopal: Path) -> Trial:
    return read_trial(rajagopal / "grf_walk.mot")


def test_rajagopal_events_match_the_published_values(grf: Trial) -> None:
    # PROVENANCE.md (vGRF > 20 N): right HS 0.267, 1.4115; right TO 1.024, 2.168; left HS 0.836; left TO 1.59
    events = detect_gait_events(grf, threshold_n=20.0)
    assert events.right.heel_strikes == pytest.approx((0.267, 1.4115), abs=1e-9)
    assert events.right.toe_offs == pytest.approx((1.024, 2.168), abs=1e-9)
    assert events.left.heel_strikes == pytest.approx((0.836,), abs=1e-9)
    assert events.left.toe_offs == pytest.approx((1.59,), abs=1e-9)
    paper = detect_gait_events(grf)  # 15 N: strikes a little earlier, toe-offs a little later
    assert all(a < b for a, b in zip(paper.right.heel_strikes, events.right.heel_strikes, strict=True))
    assert all(a > b for a, b in zip(paper.right.toe_offs, events.right.toe_offs, strict=True))


def test_events_from_loads_xml_equal_events_from_names(grf: Trial, rajagopal: Path) -> None:
    assert detect_gait_events(grf, loads_xml=rajagopal / "grf_walk.xml") == detect_gait_events(grf)


def test_robust_to_noise_and_spikes(grf: Trial) -> None:
    rng = np.random.default_rng(0)
    values = grf.values.copy()
    j = grf.index("ground_force_r_vy")
    values[:, j] += rng.normal(0.0, 5.0, grf.n_samples)  # 5 N RMS plate noise
    swing = (grf.time > 1.1) & (grf.time < 1.3)
    values[np.flatnonzero(swing)[::40], j] = 60.0  # isolated spikes during swing
    noisy = grf.with_values(values, grf.names, grf.units)
    clean, rough = detect_gait_events(grf), detect_gait_events(noisy, lowpass_hz=12.0)
    assert len(rough.right.heel_strikes) == len(clean.right.heel_strikes)
    np.testing.assert_allclose(rough.right.heel_strikes, clean.right.heel_strikes, atol=0.01)
    np.testing.assert_allclose(rough.right.toe_offs, clean.right.toe_offs, atol=0.01)


def test_several_plates_per_side_are_summed(grf: Trial) -> None:
    force = grf["ground_force_r_vy"]
    split = np.where(grf.time < 0.7, force, 0.0), np.where(grf.time < 0.7, 0.0, force)
    plates = Trial(time=grf.time, values=np.column_stack(split), names=["p1_vy", "p2_vy"], units=["N", "N"])
    events = detect_gait_events(plates, columns={"right": ["p1_vy", "p2_vy"]})
    assert events.right == detect_gait_events(grf).right


def test_grf_without_vertical_component(grf: Trial) -> None:
    no_vertical = grf.select([n for n in grf.names if not n.endswith("_vy")])
    with pytest.raises(InputFileError, match="no vertical ground-force column"):
        detect_gait_events(no_vertical)


def test_lowpass_removes_high_frequency(grf: Trial) -> None:
    t = grf.time
    signal = np.column_stack([np.sin(2 * np.pi * 2 * t) + np.sin(2 * np.pi * 100 * t)])
    filtered = lowpass(Trial(time=t, values=signal, names=["s"], units=["1"]), cutoff_hz=12.0)
    np.testing.assert_allclose(filtered["s"][200:-200], np.sin(2 * np.pi * 2 * t)[200:-200], atol=0.02)


def test_emg_cycle_from_grf_events(grf: Trial, rajagopal: Path) -> None:
    emg = read_trial(rajagopal / "electromyography.sto")
    cycles = cut_cycles(emg, detect_gait_events(grf), "right")
    assert cycles.values.shape == (1, N_SAMPLES, 10)
    assert cycles.start_s[0] == pytest.approx(0.263)
    assert cycles.phase_source == ("default",)  # left toe-off before 0.83 s happened off the plates
    soleus = cycles.signal("soleus")[0]
    assert 30 <= int(np.argmax(soleus)) <= 60  # soleus peaks in late stance
    tibialis = cycles.signal("tibialis_anterior")[0]
    assert tibialis[:10].mean() > tibialis[30:50].mean()  # TA active at heel strike, quiet in mid-stance


def test_coordinates_hold_no_complete_cycle(grf: Trial, rajagopal: Path) -> None:
    coordinates = read_trial(rajagopal / "coordinates.sto")
    with pytest.raises(InputFileError, match=r"no complete right gait cycle inside 0\.45-1\.799 s"):
        cut_cycles(coordinates, detect_gait_events(grf), "right")


def test_phases_from_events() -> None:
    time = np.linspace(0.0, 2.0, 201)
    trial = Trial(time=time, values=time[:, None], names=["t"], units=["s"])
    events = GaitEvents(right=SideEvents((0.0, 1.0, 2.0), (0.6, 1.6)),
                        left=SideEvents((0.5, 1.5), (0.1, 1.1)), threshold_n=15)
    cycles = cut_cycles(trial, events, "right")
    assert cycles.n_cycles == 2
    np.testing.assert_allclose(cycles.phase_bounds, [[10, 50, 60], [10, 50, 60]])
    assert cycles.phase_source == ("events", "events")
    np.testing.assert_allclose(cycles.signal("t")[1], np.linspace(1.0, 2.0, 101))


def test_phase_masks_partition_the_cycle() -> None:
    masks = np.array([phase_mask(p, DEFAULT_PHASE_BOUNDS) for p in PHASES])
    assert (masks.sum(axis=0) == 1).all()
    assert masks[0].sum() == 12  # 0..11 %


def test_cycles_save_load(grf: Trial, tmp_path: Path) -> None:
    cycles = cut_cycles(grf, detect_gait_events(grf), "right", ["ground_force_r_vy"])
    cycles.save(tmp_path / "c.npz")
    back = type(cycles).load(tmp_path / "c.npz")
    np.testing.assert_array_equal(back.values, cycles.values)
    assert back.names == cycles.names and back.phase_source == cycles.phase_source


def test_strides_that_are_not_one_walking_stride_are_left_out_by_name(rajagopal: Path) -> None:
    """An overground trial where the subject stopped between passes: a 2.7 s "stride" and one whose toe-off
    falls at 90 % are left out with a warning each, the steady strides are kept."""
    t0 = read_trial(rajagopal / "electromyography.sto").time[0]
    # steady strides of ~1.0 s, a stop of 2.7 s, and a stride with a late toe-off
    right = SideEvents(heel_strikes=(t0 + 0.0, t0 + 1.0, t0 + 2.0, t0 + 4.7, t0 + 5.7),
                       toe_offs=(t0 + 0.62, t0 + 1.62, t0 + 2.62, t0 + 5.6))
    left = SideEvents(heel_strikes=(t0 + 0.5, t0 + 1.5, t0 + 2.5, t0 + 5.2), toe_offs=(t0 + 0.12, t0 + 1.12,
                                                                                        t0 + 2.12, t0 + 4.82))
    long_trial = Trial(time=t0 + np.arange(0, 6.0, 0.01), values=np.ones((600, 1)), names=("x",), units=("1",),
                       source="overground")
    with pytest.warns(UserWarning) as caught:
        cycles = cut_cycles(long_trial, GaitEvents(right, left, threshold_n=15.0), "right")
    messages = [str(w.message) for w in caught]
    assert any("stride" in m and "longer than a walking stride" in m for m in messages)
    assert any("toe-off at 90.0 %" in m for m in messages)
    assert cycles.n_cycles == 2 and np.allclose(cycles.duration_s, 1.0)
    kept = cut_cycles(long_trial, GaitEvents(right, left, threshold_n=15.0), "right", steady_only=False)
    assert kept.n_cycles == 4


def test_stance_percent_of_human_cycles(falisse_mat: Path) -> None:
    from synergait.data.reference import load_falisse2019

    stance = stance_percent(load_falisse2019(falisse_mat).curves("grf_vertical"))
    assert stance.shape == (11,) and np.all((stance >= 60) & (stance <= 70))  # human walking: ~60-67 %
    standing = np.ones((1, N_SAMPLES))
    assert np.isnan(stance_percent(standing)).all()  # the foot never leaves the ground: no stance to report
    with pytest.raises(ParameterError, match="vertical_grf_bw"):
        stance_percent(np.ones((1, 100)))
