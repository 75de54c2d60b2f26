"""Walkers: a policy with its controller and environment, from a run, an exported directory or a shipped name."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from synergait.env import WalkConfig
from synergait.env.config import ActionConfig
from synergait.errors import InputFileError, ParameterError
from synergait.evaluate.walking import walking_test
from synergait.train.config import TrainConfig
from synergait.train.trainer import train
from synergait.train.walker import SHIPPED_WALKERS, Walker, export_walker


@pytest.fixture(scope="module")
def residual_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny PPO run of the independent controller with the CPU recipe's residual feed-forward action."""
    env = WalkConfig(fixed_speed_m_s=1.2, fixed_slope_deg=0.0, init_pose="gait_cycle",
                     action=ActionConfig(residual=True, feed_forward=True))
    config = TrainConfig.preset("cpu", controller="independent", total_steps=256, n_envs=1, n_steps=256,
                                batch_size=64, eval_every_steps=10_000, env=env.model_dump())
    run = tmp_path_factory.mktemp("walker") / "run"
    train(config, run, progress=False)
    return run


def test_a_run_carries_its_environment(residual_run: Path, tmp_path: Path) -> None:
    walker = Walker.load(residual_run)
    assert walker.controller == "independent" and walker.env_config.action.feed_forward
    assert walker.make_env().action_space.low.min() == -1.0  # residual actions, as in training
    with pytest.raises(ParameterError, match="is a independent walker, not synergy"):
        Walker.load(residual_run, controller="synergy")
    exported = export_walker(residual_run, tmp_path / "walker", extra={"note": "test"})
    meta = json.loads((exported / "walker.json").read_text())
    assert meta["controller"] == "independent" and meta["run_steps"] == 256 and meta["note"] == "test"
    again = Walker.load(exported)
    observation, _ = again.make_env().reset(seed=0)
    np.testing.assert_array_equal(again.act(observation), walker.act(observation))


def test_a_bare_model_needs_the_right_controller(residual_run: Path, tmp_path: Path) -> None:
    shutil.copyfile(residual_run / "best_model.zip", tmp_path / "policy.zip")
    with pytest.raises(ParameterError, match=r"no config\.yaml beside it"):
        Walker.load(tmp_path / "policy.zip")
    with pytest.raises(InputFileError, match="acts with 86 outputs; its synergy environment needs 26"):
        Walker.load(tmp_path / "policy.zip", controller="synergy")
    with pytest.raises(InputFileError, match="policy not found"):
        Walker.load(tmp_path / "missing.zip")


def test_walking_test_counts_falls_of_the_zero_policy() -> None:
    result = walking_test(Walker.load("zero", controller="synergy"), episodes=2, steps=40)
    assert result["episodes"] == 2 and result["falls"] == 2 and result["walking"] == 0
    assert all(n < 40 for n in result["episode_steps"]) and result["mean_steps"] == np.mean(result["episode_steps"])
    assert set(result) >= {"episodes", "falls", "mean_steps", "mean_distance_m", "mean_speed_m_s"}


@pytest.mark.parametrize("name", SHIPPED_WALKERS)
def test_shipped_walkers_load_by_name(name: str) -> None:
    walker = Walker.load(name)
    assert walker.controller == name.split("-")[0]
    assert {"seed", "cpu_hours", "run_steps"} <= set(walker.meta)
    observation, _ = walker.make_env().reset(seed=0)
    assert np.isfinite(walker.act(observation)).all()
