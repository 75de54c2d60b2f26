"""Training runs for real (short): SB3 PPO and SAC on the walker, checkpoints, kill -9 and resume, run locks."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from synergait.errors import ParameterError
from synergait.train.config import TrainConfig
from synergait.train.trainer import _CsvLog, train


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


def test_one_algorithm_section_and_files_written_before_it() -> None:
    flat = TrainConfig.preset("paper").model_dump(mode="json")
    flat.update(algo="ppo", n_steps=512, learning_starts=10_000, log_std_init=-1.0)  # an old file: every setting
    del flat["algorithm"]
    config = TrainConfig.model_validate(flat)
    assert config.algo == "ppo" and config.algorithm.n_steps == 512 and config.algorithm.log_std_init == -1.0
    assert "learning_starts" not in config.to_yaml()
    with pytest.raises(ParameterError, match="learning_starts is a SAC setting; this configuration trains PPO"):
        TrainConfig.preset("imitation", learning_starts=5)
    assert TrainConfig.preset("imitation", algo="sac").algorithm == TrainConfig.preset("paper").algorithm.model_copy(
        update={"save_replay_buffer": False})


def test_paper_preset_is_the_paper() -> None:
    paper = TrainConfig.preset("paper")
    assert paper.algo == "sac"
    assert (paper.algorithm.buffer_size, paper.algorithm.learning_starts, paper.algorithm.batch_size) == (
        3_000_000, 10_000, 256)
    assert paper.learning_rate == 1e-3 and paper.lr_schedule == "linear"
    assert paper.net_arch == [512, 512, 256] and paper.total_steps == 75_000_000
    assert TrainConfig.preset("imitation", seed=4).seed == 4
    with pytest.raises(ParameterError, match="unknown preset"):
        TrainConfig.preset("gpu")


def test_sac_run_writes_curves_best_policy_and_checkpoint(tmp_path: Path) -> None:
    config = TrainConfig.preset("paper", total_steps=300, learning_starts=100, buffer_size=5000, net_arch=[64, 64],
                                eval_every_steps=150, eval_episodes=1, checkpoint_every_steps=150,
                                save_replay_buffer=True, controller="independent")
    result = train(config, tmp_path / "run", progress=False)
    run = tmp_path / "run"
    assert result.num_timesteps == 300
    assert [int(r["step"]) for r in _rows(run / "eval.csv")][:2] == [150, 300]
    episodes = _rows(run / "episodes.csv")
    assert len(episodes) >= 2  # an untrained walker falls within ~50 steps
    curriculum = TrainConfig.preset("paper").env.speed_curriculum
    for env in {r["env"] for r in episodes}:  # each env walks the curriculum in order
        speeds = [float(r["target_speed_m_s"]) for r in episodes if r["env"] == env]
        assert speeds == list(curriculum[:len(speeds)])
    assert all(r["terrain"].startswith("random #") for r in episodes)  # the paper's tiles, one pool terrain each
    assert (run / "best_model.zip").stat().st_size > 10_000
    assert list((run / "tensorboard").glob("sb3_*/events.out.tfevents.*"))
    latest = json.loads((run / "checkpoints" / "latest.json").read_text())
    checkpoint = run / "checkpoints" / latest["checkpoint"]
    assert {p.name for p in checkpoint.iterdir()} == {"model.zip", "replay_buffer.pkl", "state.json"}
    state = json.loads((checkpoint / "state.json").read_text())
    assert state["num_timesteps"] == 300 and state["cpu_hours"] > 0 and len(state["episode_index"]) == 1


def _train_command(run: Path, steps: int) -> list[str]:
    """The CLI training a small independent run in the background, checkpointing every 1024 steps."""
    return [sys.executable, "-m", "synergait.cli", "train", "--preset", "imitation", "--controller", "independent",
            "--steps", str(steps), "--envs", "1", "--checkpoint-every", "1024", "--eval-every", "100000",
            "--out", str(run), "--json"]


def _first_checkpoint(run: Path, process: subprocess.Popen) -> Path:
    """Wait (up to 240 s) until the training ``process`` has checkpointed ``run`` at least 1024 steps in; the
    checkpoint pointer. The process must still be running then."""
    pointer = run / "checkpoints" / "latest.json"
    deadline = time.time() + 240
    while time.time() < deadline and process.poll() is None:
        if pointer.exists() and json.loads(pointer.read_text())["num_timesteps"] >= 1024:
            break
        time.sleep(0.2)
    assert process.poll() is None, "training ended before it could be stopped"
    return pointer


def test_sigterm_stops_a_run_with_a_checkpoint_where_it_is(tmp_path: Path) -> None:
    run = tmp_path / "run"
    process = subprocess.Popen(_train_command(run, 1_000_000), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                               text=True)
    pointer = _first_checkpoint(run, process)
    process.send_signal(signal.SIGTERM)
    stdout, _ = process.communicate(timeout=120)
    assert process.returncode == 0
    result = json.loads(stdout)
    assert result["stopped_by"] == "SIGTERM" and 1024 <= result["num_timesteps"] < 1_000_000
    assert json.loads(pointer.read_text())["num_timesteps"] == result["num_timesteps"]  # nothing after it is lost


def test_kill_and_resume_continue_the_same_run(tmp_path: Path) -> None:
    run = tmp_path / "run"
    command = _train_command(run, 4096)
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, start_new_session=True)
    pointer = _first_checkpoint(run, process)
    with pytest.raises(ParameterError, match="being trained by another process"):
        train(TrainConfig.preset("imitation"), run, resume=True, progress=False)  # the run is locked while it trains
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    killed_at = json.loads(pointer.read_text())["num_timesteps"]
    assert 1024 <= killed_at < 4096
    resumed = subprocess.run([*command[:-3], "--resume", "--out", str(run), "--json"], capture_output=True,
                             text=True, timeout=600)
    assert resumed.returncode == 0, resumed.stderr
    result = json.loads(resumed.stdout)
    assert result["resumed_from"] == f"step_{killed_at}"
    assert result["num_timesteps"] == 4096 and result["lost_cpu_hours"] >= 0, (killed_at, result)
    steps = [int(r["step"]) for r in _rows(run / "episodes.csv")]
    assert steps == sorted(steps) and steps[-1] <= 4096  # one continuous curve, no restart from zero
    assert json.loads((run / "run.json").read_text())["cpu_hours"] > 0


def test_curriculum_position_is_restored_through_the_wrappers() -> None:
    from synergait.train.trainer import curriculum_state, make_vec_env, restore_curriculum

    envs = make_vec_env(TrainConfig.preset("imitation", n_envs=2, controller="synergy"))
    restore_curriculum(envs, {"episode_index": [7.0, 12.0]})
    assert curriculum_state(envs) == {"episode_index": [7, 12]}
    assert [e.unwrapped.episode_index for e in envs.venv.envs] == [7, 12]  # the WalkEnv itself, not a wrapper
    envs.close()


def test_time_accounting_does_not_double_count(tmp_path: Path) -> None:
    config = TrainConfig.preset("imitation", total_steps=1024, n_envs=1, n_steps=256, batch_size=64,
                                eval_every_steps=512, eval_episodes=1, checkpoint_every_steps=256,
                                controller="independent")
    started = time.perf_counter()
    train(config, tmp_path / "run", progress=False)
    elapsed = time.perf_counter() - started
    run = json.loads((tmp_path / "run" / "run.json").read_text())
    assert 0 < run["wall_hours"] * 3600 <= elapsed  # four checkpoints, counted once each
    evals = [int(r["step"]) for r in _rows(tmp_path / "run" / "eval.csv")]
    assert evals == sorted(set(evals))  # no evaluation logged twice at the final step


def test_resume_before_the_first_checkpoint_restarts_with_empty_curves(tmp_path: Path) -> None:
    import shutil

    config = TrainConfig.preset("imitation", total_steps=512, n_envs=1, n_steps=256, batch_size=64,
                                eval_every_steps=100_000, checkpoint_every_steps=100_000, controller="independent")
    run = tmp_path / "run"
    train(config, run, progress=False)
    shutil.rmtree(run / "checkpoints")  # as if killed before its first checkpoint
    assert _rows(run / "episodes.csv")
    with pytest.warns(UserWarning, match="has no checkpoint yet: training restarts from step 0"):
        result = train(config, run, resume=True, progress=False)
    assert result.resumed_from is None and result.num_timesteps == 512 and result.lost_cpu_hours > 0
    steps = [int(r["step"]) for r in _rows(run / "episodes.csv")]
    assert steps == sorted(steps)  # the stale rows are gone: one curve from step 0


def test_a_resumed_run_takes_its_learning_rate_from_config_yaml(tmp_path: Path) -> None:
    from stable_baselines3 import PPO

    config = TrainConfig.preset("imitation", total_steps=256, n_envs=1, n_steps=256, batch_size=64,
                                lr_schedule="constant", controller="independent")
    run = tmp_path / "run"
    train(config, run, progress=False)
    text = (run / "config.yaml").read_text()
    (run / "config.yaml").write_text(text.replace("learning_rate: 0.0001", "learning_rate: 5.0e-05"))
    train(config, run, resume=True, progress=False, total_steps=512)
    latest = json.loads((run / "checkpoints" / "latest.json").read_text())["checkpoint"]
    model = PPO.load(run / "checkpoints" / latest / "model.zip", device="cpu")
    assert model.lr_schedule(1.0) == pytest.approx(5e-5)  # a fine-tune with a smaller step


def test_a_resumed_run_can_go_on_with_more_environments_in_their_own_processes(tmp_path: Path) -> None:
    from stable_baselines3 import PPO

    config = TrainConfig.preset("imitation", total_steps=256, n_envs=1, n_steps=256, batch_size=64,
                                controller="independent")
    run = tmp_path / "run"
    train(config, run, progress=False)
    wider = config.model_copy(update={"n_envs": 2, "vec_env": "subproc",
                                      "algorithm": config.algorithm.model_copy(update={"n_steps": 128})})
    (run / "config.yaml").write_text(wider.to_yaml())
    result = train(config, run, resume=True, progress=False, total_steps=768)
    assert result.resumed_from == "step_256" and result.num_timesteps == 768
    latest = run / "checkpoints" / json.loads((run / "checkpoints" / "latest.json").read_text())["checkpoint"]
    model = PPO.load(latest / "model.zip", device="cpu")
    assert (model.n_envs, model.n_steps) == (2, 128)  # one rollout: 2 x 128 steps, as config.yaml now says
    assert len(json.loads((latest / "state.json").read_text())["episode_index"]) == 2
    assert {int(r["env"]) for r in _rows(run / "episodes.csv") if int(r["step"]) > 256} <= {0, 1}


def test_cpu_hours_count_the_environments_own_processes() -> None:
    from synergait.train.trainer import cpu_clock, make_vec_env

    config = TrainConfig.preset("imitation", n_envs=2, vec_env="subproc", controller="independent")
    envs = make_vec_env(config)
    try:
        clock = cpu_clock(envs)
        start, own_start = clock(), time.process_time()
        envs.reset()
        for _ in range(300):
            envs.step(np.stack([envs.action_space.sample() for _ in range(2)]))
        workers = (clock() - start) - (time.process_time() - own_start)
    finally:
        envs.close()
    assert workers > 0.2  # 600 muscle-driven physics steps of 10 substeps each, none of them in this process


def test_checkpoints_come_on_a_wall_clock_interval_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from synergait.train.trainer import RunCallback

    steps_checkpointed = []
    original = RunCallback.checkpoint

    def counting(self: RunCallback) -> None:
        steps_checkpointed.append(self.num_timesteps)
        original(self)

    monkeypatch.setattr(RunCallback, "checkpoint", counting)
    config = TrainConfig.preset("imitation", total_steps=1024, n_envs=1, n_steps=256, batch_size=64,
                                eval_every_steps=100_000, checkpoint_every_steps=100_000,
                                checkpoint_every_minutes=1e-4, controller="independent")
    train(config, tmp_path / "run", progress=False)
    assert len(steps_checkpointed) > 2 and steps_checkpointed[0] < 1024  # not only the final one


def test_a_time_limit_stops_with_a_checkpoint_and_resume_extends_the_budget(tmp_path: Path) -> None:
    config = TrainConfig.preset("imitation", total_steps=1_000_000, n_envs=1, n_steps=256, batch_size=64,
                                eval_every_steps=100_000, checkpoint_every_steps=100_000, controller="independent")
    first = train(config, tmp_path / "run", progress=False, time_limit_s=3.0)
    assert 0 < first.num_timesteps < 1_000_000  # stopped by the clock, not by the budget
    pointer = json.loads((tmp_path / "run" / "checkpoints" / "latest.json").read_text())
    assert pointer["num_timesteps"] == first.num_timesteps
    target = first.num_timesteps + 512
    second = train(config, tmp_path / "run", resume=True, progress=False, total_steps=target)
    assert second.resumed_from == f"step_{first.num_timesteps}" and second.num_timesteps == target
    assert TrainConfig.from_yaml(tmp_path / "run" / "config.yaml").total_steps == target


def test_snapshots_keep_the_policy_as_walkers_along_the_run(tmp_path: Path) -> None:
    from stable_baselines3 import PPO

    from synergait.evaluate.walking import rank_walkers
    from synergait.walker import load_walker

    # A snapshot is taken at its step, before that rollout's update; with a linear schedule the run's last
    # update has a zero learning rate, so the final checkpoint holds the last snapshot's policy.
    config = TrainConfig.preset("imitation", total_steps=512, n_envs=1, n_steps=256, batch_size=64,
                                controller="independent", snapshot_every_steps=256, net_arch=[32, 32],
                                lr_schedule="linear")
    run = tmp_path / "run"
    train(config, run, progress=False)
    assert sorted(p.name for p in (run / "snapshots").iterdir()) == ["step_256", "step_512"]
    first, last = (load_walker(run / "snapshots" / name) for name in ("step_256", "step_512"))
    assert first.meta["policy_step"] == 256 and last.meta["policy"] == "snapshot"
    model = PPO.load(run / "checkpoints" / "step_512" / "model.zip", device="cpu")
    np.testing.assert_allclose(last.layers[-1][0], model.policy.action_net.weight.detach().numpy(), atol=1e-6)
    assert not np.allclose(first.layers[-1][0], last.layers[-1][0])  # one update apart
    ranked = rank_walkers([first, last], episodes=2, steps=15)
    assert {r.policy for r in ranked} == {first.name, last.name}
    assert [(r.walking, r.mean_steps) for r in ranked] == sorted(((r.walking, r.mean_steps) for r in ranked),
                                                                 reverse=True)


def test_a_resumed_curve_gains_the_columns_added_since(tmp_path: Path) -> None:
    """A run logged before a column existed keeps its rows, the new column empty in them, and logs it from then."""
    path = tmp_path / "episodes.csv"
    path.write_text("step,env,return\n100,0,1.5\n200,1,2.5\n")
    log = _CsvLog(path, ["step", "env", "return", "terrain"])
    log.append({"step": 300, "env": 0, "return": 3.5, "terrain": "slope +2 deg"})
    rows = _rows(path)
    assert list(rows[0]) == ["step", "env", "return", "terrain"]
    assert [(r["step"], r["terrain"]) for r in rows] == [("100", ""), ("200", ""), ("300", "slope +2 deg")]
    log.truncate_after(200)
    assert [r["step"] for r in _rows(path)] == ["100", "200"]
