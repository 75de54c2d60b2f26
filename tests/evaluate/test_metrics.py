"""The metrics on real human data: a human scored against other humans lands where the definitions say."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from synergait.data.reference import ReferenceSet, load_falisse2019
from synergait.evaluate.metrics import KINEMATIC_VARIABLES, score


@pytest.fixture(scope="module")
def falisse(falisse_mat: Path) -> pd.DataFrame:
    return load_falisse2019(falisse_mat).table


def _split(table: pd.DataFrame, cycle: int) -> tuple[ReferenceSet, ReferenceSet]:
    sim = ReferenceSet.from_table(table[table["cycle"] == cycle].assign(subject="held-out"), name="held-out")
    return sim, ReferenceSet.from_table(table[table["cycle"] != cycle], name="others")


def test_held_out_cycles_score_like_humans(falisse: pd.DataFrame) -> None:
    ratios, rs = [], []
    for cycle in range(11):
        headline = score(*_split(falisse, cycle)).headline()
        ratios.append([headline["rmse_ratio"][v] for v in KINEMATIC_VARIABLES])
        rs.append([headline["pearson_r"][v] for v in KINEMATIC_VARIABLES])
        assert headline["approximation"] == ["others: one subject: its cycles stand in for subjects "
                                             "(within-subject variability)"]
    mean_ratio = np.mean(ratios, axis=0)
    assert ((mean_ratio > 0.8) & (mean_ratio < 1.3)).all(), dict(zip(KINEMATIC_VARIABLES, mean_ratio, strict=True))
    assert np.min(rs) > 0.9 and np.mean(rs) > 0.98


def test_distorted_copy_scores_worse(falisse: pd.DataFrame) -> None:
    held_out = falisse[falisse["cycle"] == 0].copy()
    angles = held_out["variable"].str.endswith("_angle")
    held_out.loc[angles, "value"] += 10.0  # a 10-degree offset on every joint angle
    distorted = score(ReferenceSet.from_table(held_out.assign(subject="x")), _split(falisse, 0)[1]).headline()
    clean = score(*_split(falisse, 0)).headline()
    for variable in ("hip_angle", "knee_angle", "ankle_angle"):
        assert distorted["rmse_ratio"][variable] > 3 * clean["rmse_ratio"][variable]
        assert distorted["pearson_r"][variable] == pytest.approx(clean["pearson_r"][variable])  # offset-blind
    assert distorted["counts_over"]["3"] > clean["counts_over"]["3"]


def test_time_shift_lowers_r_and_emg_similarity(falisse: pd.DataFrame) -> None:
    held_out = falisse[falisse["cycle"] == 0].sort_values(["variable", "pct_gait_cycle"]).copy()
    for _, rows in held_out.groupby("variable"):
        values = rows["value"].to_numpy()
        shifted_values = np.append(np.roll(values[:-1], 20), 0.0)  # 20 % later, cycle closed at 100 %
        shifted_values[-1] = shifted_values[0]
        held_out.loc[rows.index, "value"] = shifted_values
    shifted = ReferenceSet.from_table(held_out.assign(subject="x"))
    reference = _split(falisse, 0)[1]
    clean, moved = score(*_split(falisse, 0)).headline(), score(shifted, reference).headline()
    assert moved["pearson_r"]["knee_angle"] < clean["pearson_r"]["knee_angle"] - 0.3
    assert moved["emg"]["emg_SOL"]["median_r"] < clean["emg"]["emg_SOL"]["median_r"] - 0.3
    assert clean["emg"]["emg_SOL"]["within_human_range"]


def test_mean_sd_reference_and_gaps(falisse: pd.DataFrame) -> None:
    others = falisse[falisse["cycle"] != 0]
    summary = (others.groupby(["subject", "speed_m_s", "slope_deg", "variable", "unit", "pct_gait_cycle"],
                              dropna=False)["value"].agg(["mean", "std"]).reset_index()
               .rename(columns={"mean": "value", "std": "sd"}))
    reference = ReferenceSet.from_table(summary, name="summary")
    sim = _split(falisse, 0)[0]
    headline = score(sim, reference).headline()
    assert headline["approximation"] == ["summary: mean +/- SD only: expected RMSEs from the SD (a simulation "
                                         "equal to the mean scores the floor, 0.71)"]
    assert 0.5 < headline["rmse_ratio"]["hip_angle"] < 2.0
    for muscle, similarity in headline["emg"].items():  # one mean curve: no verdict rather than a false "outside"
        assert similarity["within_human_range"] is None and similarity["human_iqr"] is None, muscle
    no_knee = ReferenceSet.from_table(others[others["variable"] != "knee_angle"], name="no-knee")
    gaps = score(sim, no_knee).headline()["gaps"]
    assert any(g.startswith("knee_angle") for g in gaps)  # reported by name, not silently zero


def _at(table: pd.DataFrame, speed: float, name: str) -> ReferenceSet:
    return ReferenceSet.from_table(table.assign(speed_m_s=speed), name=name)


def test_conditions_match_within_one_tolerance_and_nothing_scored_is_an_error(falisse: pd.DataFrame) -> None:
    from synergait.errors import ParameterError

    held_out, others = falisse[falisse["cycle"] == 0], falisse[falisse["cycle"] != 0]
    reference = _at(others, 1.25, "others")
    near = score(_at(held_out.assign(subject="sim"), 1.25 + 1e-8, "sim"), reference).headline()
    assert near["rmse_ratio"] and not near["gaps"]  # 1e-8 m/s apart is the same condition
    close = score(_at(held_out.assign(subject="sim"), 1.222, "sim"), reference).headline()
    assert set(close["rmse_ratio"]) == set(near["rmse_ratio"])  # 0.028 m/s: within the 0.05 m/s tolerance
    with pytest.raises(ParameterError, match=r"no simulated condition \(1.50 m/s"):
        score(_at(held_out.assign(subject="sim"), 1.5, "sim"), reference)


def test_a_mixed_file_decides_mean_sd_per_variable(falisse: pd.DataFrame) -> None:
    others = falisse[falisse["cycle"] != 0]
    knee = others[others["variable"] == "knee_angle"]
    summary = (knee.groupby(["subject", "speed_m_s", "slope_deg", "variable", "unit", "pct_gait_cycle"],
                            dropna=False)["value"].agg(["mean", "std"]).reset_index()
               .rename(columns={"mean": "value", "std": "sd"}))
    mixed = ReferenceSet.from_table(pd.concat([others[others["variable"] != "knee_angle"], summary]), name="mixed")
    headline = score(_split(falisse, 0)[0], mixed).headline()
    assert "knee_angle" in headline["rmse_ratio"] and "hip_angle" in headline["rmse_ratio"]  # both scored
    assert len(headline["approximation"]) == 2  # cycles for one variable, mean +/- SD for the other, both said


def test_two_mean_sd_groups_are_said_to_be_averaged(falisse: pd.DataFrame) -> None:
    others = falisse[falisse["cycle"] != 0]
    summary = (others.groupby(["subject", "speed_m_s", "slope_deg", "variable", "unit", "pct_gait_cycle"],
                              dropna=False)["value"].agg(["mean", "std"]).reset_index()
               .rename(columns={"mean": "value", "std": "sd"}))
    two = ReferenceSet.from_table(pd.concat([summary.assign(subject="young"), summary.assign(subject="old")]),
                                  name="two")
    headline = score(_split(falisse, 0)[0], two).headline()
    assert any("2 groups averaged: old, young" in note for note in headline["approximation"])


def test_a_reference_of_unknown_speed_is_said_to_stand_in(falisse: pd.DataFrame) -> None:
    held_out, others = falisse[falisse["cycle"] == 0], falisse[falisse["cycle"] != 0]
    assert others["speed_m_s"].isna().all()  # the Falisse subject's speed is not in the file
    headline = score(_at(held_out.assign(subject="sim"), 1.6, "sim"),
                     ReferenceSet.from_table(others, name="others")).headline()
    assert "others: its speed is unknown; its one condition stands in for every simulated speed (1.60 m/s, +0°)" \
        in headline["approximation"]
    unknown = score(*_split(falisse, 0)).headline()  # both unknown: nothing to say
    assert not any("speed is unknown" in note for note in unknown["approximation"])


def test_trend_directions_follow_speed_and_the_human_agreement_counts_them(across_speeds: Callable) -> None:
    from synergait.evaluate.metrics import trend_agreement, trend_directions

    speeds = (0.8, 1.0, 1.2, 1.4, 1.6)
    human = across_speeds("speeds", speeds, hip_angle=20.0, knee_angle=-20.0)
    directions = trend_directions(human).set_index(["variable", "phase"])
    assert set(directions["group"]) == {"speed"}  # one condition at 1.2 m/s: no trend across slopes
    assert (directions.loc["hip_angle", "direction"] == 1).all()
    assert (directions.loc["knee_angle", "direction"] == -1).all()
    assert (directions.loc["ankle_angle", "rho"] == 0).all() and (directions.loc["ankle_angle", "direction"] == 0).all()
    # A walker whose knee rises with speed agrees on the hip's four phases and on none of the knee's.
    walker = across_speeds("walker", speeds, hip_angle=5.0, knee_angle=5.0)
    agreement = trend_agreement(walker, human, KINEMATIC_VARIABLES)
    assert (agreement["checked"], agreement["agreed"]) == (8, 4)
