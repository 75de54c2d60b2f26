"""Seeds x controllers sweep on local Ray: every run lands, a failing run is reported, Figure 1 is drawn."""

from __future__ import annotations

from pathlib import Path

import pytest

from synergait.train.config import TrainConfig
from synergait.train.sweep import learning_curves, run_sweep


def test_sweep_survives_a_failed_run(tmp_path: Path) -> None:
    pytest.importorskip("ray")
    # the synergy runs point at a basis that does not exist: they fail, the independent ones must still land
    base = TrainConfig.preset("imitation", total_steps=1024, n_envs=1, n_steps=512, eval_every_steps=1024,
                              eval_episodes=1, basis=str(tmp_path / "missing.npz"))
    result = run_sweep(base, tmp_path / "sweep", seeds=[0, 1], controllers=["independent", "synergy"])
    assert sorted(result["failed"]) == ["synergy_seed0", "synergy_seed1"]
    assert "missing.npz" in result["runs"]["synergy_seed0"]["error"]
    for seed in (0, 1):
        assert result["runs"][f"independent_seed{seed}"]["num_timesteps"] == 1024
    assert Path(result["figure"]).stat().st_size > 10_000
    # one sweep per controller into the same OUT: the figure keeps the controllers already there
    again = run_sweep(base, tmp_path / "sweep", seeds=[2], controllers=["synergy"])
    assert again["failed"] == ["synergy_seed2"] and again["figure_controllers"] == ["independent"]
    steps, mean, sd, n = learning_curves(tmp_path / "sweep", "independent")
    assert n == 2 and len(steps) == len(mean) == len(sd) == 100
    assert (sd >= 0).all()
    steps, mean, _, n = learning_curves(tmp_path / "sweep", "independent", log="eval", column="mean_length",
                                        grid_points=4, window=1)
    assert n == 2 and len(steps) == 4 and (mean >= 1).all()  # deterministic episodes last at least one step
