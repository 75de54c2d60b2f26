"""The ``synergait`` command as a user runs it: one JSON object with --json, exit 2 with one line on bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "synergait.cli", *map(str, args)], capture_output=True, text=True,
                          timeout=300)


def run_json(*args: str | Path) -> dict:
    result = run(*args, "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)  # exactly one JSON document


def test_help_on_every_subcommand() -> None:
    for command in ([], ["data"], ["data", "info"], ["data", "events"], ["data", "cycles"], ["data", "fetch"],
                    ["data", "reference"], ["demo"], ["version"], ["env"], ["env", "info"], ["env", "rollout"],
                    ["env", "make-pose"], ["bench"], ["bench", "env"], ["bench", "inverse"], ["inverse"],
                    ["synergy"], ["synergy", "extract"], ["synergy", "sweep"], ["synergy", "compare"],
                    ["synergy", "default"], ["train"], ["sweep"], ["bench", "train"], ["metrics"],
                    ["evaluate"], ["report"], ["render"],
                    ["quality"], ["quality", "profile"], ["quality", "redundancy"], ["synergy", "variant"]):
        result = run(*command, "--help")
        assert result.returncode == 0, (command, result.stderr)
        assert "Usage" in result.stdout


def test_data_events_json(rajagopal: Path) -> None:
    events = run_json("data", "events", rajagopal / "grf_walk.mot")
    assert events["right"]["heel_strikes"] == pytest.approx([0.263, 1.407])
    assert events["right"]["toe_offs"] == pytest.approx([1.0295, 2.174])
    assert events["left"]["heel_strikes"] == pytest.approx([0.8315])
    assert events["left"]["toe_offs"] == pytest.approx([1.5955])


def test_data_events_with_each_sides_columns_named(rajagopal: Path) -> None:
    swapped = run_json("data", "events", rajagopal / "grf_walk.mot", "--right-columns", "ground_force_l_vy",
                       "--left-columns", "ground_force_r_vy")
    assert swapped["right"]["heel_strikes"] == pytest.approx([0.8315])  # the plates as the user assigns them
    assert swapped["left"]["heel_strikes"] == pytest.approx([0.263, 1.407])


def test_data_info_json(rajagopal: Path) -> None:
    info = run_json("data", "info", rajagopal / "markers_walk.trc")
    assert info["rate_hz"] == pytest.approx(100.0)
    assert info["n_signals"] == 123
    assert info["signals"][0] == {"name": "R.Shoulder_x", "unit": "m"}


def test_data_cycles_exports_csv(rajagopal: Path, tmp_path: Path) -> None:
    out = tmp_path / "cycles.csv"
    result = run_json("data", "cycles", rajagopal / "electromyography.sto", "--events", rajagopal / "grf_walk.mot",
                      "--signals", "soleus,tibialis_anterior", "--out", out)
    assert result["n_cycles"] == 1
    table = pd.read_csv(out)
    assert len(table) == 2 * 101
    assert table["pct_gait_cycle"].max() == 100


def test_data_fetch_and_reference(rajagopal: Path, shared_data: Path) -> None:
    fetched = run_json("data", "fetch", "rajagopal2016", "--from", shared_data)
    assert fetched["verified_sha256"] and Path(fetched["path"]) == rajagopal
    reference = run_json("data", "reference", "falisse2019", "--from", shared_data)
    assert "knee_angle" in reference["variables"] and reference["subjects"] == ["subject1"]


@pytest.mark.parametrize(("content", "message"), [
    ("", "empty file"),
    ("h\nendheader\ntime\tx\n0\t1\n0\t1\n", "repeated time"),
])
def test_bad_input_exit_2_one_line(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.sto"
    path.write_text(content)
    result = run("data", "info", path, "--json")
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and str(path) in lines[0] and message in lines[0]
    assert "Traceback" not in result.stderr


def test_grf_without_vertical_component_exit_2(rajagopal: Path, tmp_path: Path) -> None:
    path = tmp_path / "emg_only.sto"
    path.write_text((rajagopal / "electromyography.sto").read_text())
    result = run("data", "events", path)
    assert result.returncode == 2 and "no vertical ground-force column" in result.stderr


def test_demo_runs_on_shared_data(shared_data: Path, tmp_path: Path) -> None:
    """The README's main job end to end (1 CPU-minute of training): report, evaluation report and video."""
    result = run_json("demo", "--out", tmp_path / "demo", "--from", shared_data, "--minutes", "1")
    assert (tmp_path / "demo" / "walk.mp4").stat().st_size > 20_000, result.get("video")
    assert (tmp_path / "demo" / "walk_strip.png").stat().st_size > 20_000
    assert (tmp_path / "demo" / "evaluation_report.html").stat().st_size > 50_000
    assert (tmp_path / "demo" / "runs" / "synergy" / "best_model.zip").exists()
    assert (tmp_path / "demo" / "report.html").stat().st_size > 300
    assert (tmp_path / "demo" / "human_cycles.png").stat().st_size > 20_000
    assert (tmp_path / "demo" / "synergies.png").stat().st_size > 20_000
    assert result["synergies"]["vaf"] > 0.99 and result["inverse"]["emg_r"]["gastrocnemius"] > 0.6
    assert result["events"]["right"]["heel_strikes"] == pytest.approx([0.263, 1.407])
    for controller in ("synergy", "independent"):  # the shipped walkers it shows walk
        assert result["walking_test"][controller]["walked 10 s"] >= 9, result["walking_test"]


def test_env_info_json() -> None:
    info = run_json("env", "info")
    assert info["n_muscles"] == 86 and info["n_trunk_muscles"] == 6
    assert info["control_period_s"] == pytest.approx(0.025) and info["substeps"] == 10
    assert info["controllers"]["independent"] == {"observation": 528, "action": 86, "mirroring": False}


def test_env_rollout_json() -> None:
    args = ("env", "rollout", "--policy", "random", "--episodes", "3", "--steps", "120", "--seed", "3")
    result = run_json(*args)
    assert result["steps"] == 120 and result["episodes"] == 3 and len(result["episode_steps"]) == 3
    assert {"episodes", "falls", "mean_steps", "mean_distance_m", "mean_speed_m_s"} <= set(result)
    assert result["falls"] == 3 and result["walking"] == 0  # an untrained walker falls
    assert {"total", "vel", "effort", "rom", "fall"} <= set(result["mean_reward_terms"])
    assert result == run_json(*args)


def test_bench_env_json() -> None:
    result = run_json("bench", "env", "--steps", "100", "--repeats", "1")
    assert result["physics_sim_s_per_s"] > 0 and result["env_sim_s_per_s"] > 0
    assert 0.3 < result["ratio_env_to_physics"] < 2.0


def test_inverse_and_synergy_commands(rajagopal: Path, tmp_path: Path) -> None:
    activations = tmp_path / "act.csv"
    result = run_json("inverse", "--coordinates", rajagopal / "coordinates.sto", "--grf", rajagopal / "grf_walk.mot",
                      "--loads", rajagopal / "grf_walk.xml", "--osim-model", rajagopal / "subject_walk_scaled.osim",
                      "--start", "0.48", "--stop", "1.61", "--out", activations)
    assert result["backend"] == "mujoco" and result["n_muscles"] == 86 and result["n_frames"] == 114
    basis = tmp_path / "basis.npz"
    extracted = run_json("synergy", "extract", activations, "--k", "10", "--out", basis, "--figure",
                         tmp_path / "h.png")
    assert extracted["k"] == 10 and extracted["vaf"] > 0.99 and len(extracted["muscles"]) == 40
    assert set(extracted["vaf_per_muscle"]) == set(extracted["muscles"])
    assert (tmp_path / "h.png").stat().st_size > 20_000
    swept = run_json("synergy", "sweep", activations, "--kmax", "4", "--restarts", "1")
    assert [row["k"] for row in swept["rows"]] == [1, 2, 3, 4]
    compared = run_json("synergy", "compare", basis, basis)
    assert compared["mean_cosine"] == pytest.approx(1.0)


def test_synergy_bad_k_exit_2(rajagopal: Path, tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("time,soleus_r,tibant_r\n0,0.1,0.2\n0.01,0.2,0.1\n")
    result = run("synergy", "extract", tmp_path / "a.csv", "--k", "5", "--muscles", "soleus_r,tibant_r",
                 "--out", tmp_path / "b.npz")
    assert result.returncode == 2 and "k: must be between 1 and the number of muscles (2)" in result.stderr


def test_metrics_command_human_vs_human(shared_data: Path, tmp_path: Path) -> None:
    from synergait.data.reference import load_falisse2019

    table = load_falisse2019(shared_data / "falisse2019_subject1" / "ExperimentalData.mat").table
    table[table["cycle"] == 3].assign(subject="held-out").to_csv(tmp_path / "sim.csv", index=False)
    table[table["cycle"] != 3].to_csv(tmp_path / "ref.csv", index=False)
    result = run_json("metrics", tmp_path / "sim.csv", "--reference", tmp_path / "ref.csv")
    assert set(result) >= {"rmse_ratio", "pearson_r", "counts_over", "trend_agreement", "emg"}
    assert set(result["counts_over"]) == {"2", "3", "5"} and result["counts_over"]["5"] == 0
    assert all(r > 0.9 for r in result["pearson_r"].values())
    assert result["trend_agreement"]["checked"] == 0  # one condition: no trend to check


def test_quality_commands(rajagopal: Path, tmp_path: Path) -> None:
    out = tmp_path / "redundancy"
    result = run_json("quality", "redundancy", "--coordinates", rajagopal / "coordinates.sto", "--grf",
                      rajagopal / "grf_walk.mot", "--loads", rajagopal / "grf_walk.xml", "--osim-model",
                      rajagopal / "subject_walk_scaled.osim", "--start", "0.48", "--stop", "1.61", "--out", out)
    assert len(result["solutions"]) == 5 and (out / "redundancy.png").stat().st_size > 50_000
    profile = run_json("quality", "profile", out / "min_sum_a2.npz")
    assert set(profile["laban"]) == {"flow", "weight", "time"}
    assert profile["cocontraction_pct"]["TA/SOL"] == pytest.approx(
        result["solutions"]["min_sum_a2"]["cocontraction_pct"]["TA/SOL"], abs=1e-6)


def test_synergy_variant_command(tmp_path: Path) -> None:
    from synergait.synergy.basis import default_basis

    default_basis().save(tmp_path / "b.npz")
    result = run_json("synergy", "variant", tmp_path / "b.npz", "--merge", "0,1", "--out", tmp_path / "v.npz")
    assert result["k"] == 9
    bad = run("synergy", "variant", tmp_path / "b.npz", "--out", tmp_path / "w.npz")
    assert bad.returncode == 2 and "exactly one of --merge" in bad.stderr


def test_train_keeps_the_config_files_controller_and_seed(tmp_path: Path) -> None:
    from synergait.train.config import TrainConfig

    config = TrainConfig.preset("imitation", controller="independent", seed=7, n_steps=128, batch_size=64)
    (tmp_path / "c.yaml").write_text(config.to_yaml())
    result = run_json("train", "--config", tmp_path / "c.yaml", "--steps", "128", "--envs", "1",
                      "--out", tmp_path / "run")
    assert result["num_timesteps"] == 128
    trained = TrainConfig.from_yaml(tmp_path / "run" / "config.yaml")
    assert (trained.controller, trained.seed) == ("independent", 7)  # no CLI default overrides the file


def test_walker_check_names_a_missing_walker_in_one_line() -> None:
    result = run("walker", "check", "no-such-walker", "--json")
    assert result.returncode == 2 and result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1 and "no-such-walker" in result.stderr
