"""Walkers: a policy with its environment spec, in files that cannot run code, and the one episode loop."""

from __future__ import annotations

import io
import pickle
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest
import yaml

from synergait.env import WalkConfig
from synergait.env.config import ActionConfig
from synergait.errors import InputFileError, ParameterError
from synergait.evaluate.walking import walking_test
from synergait.train.config import TrainConfig
from synergait.train.export import export_walker, import_sb3_walker
from synergait.train.trainer import train
from synergait.walker import SHIPPED_WALKERS, EnvSpec, Walker, load_walker, run_episode


@pytest.fixture(scope="module")
def residual_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny PPO run of the independent controller with the CPU recipe's residual feed-forward action."""
    env = WalkConfig(fixed_speed_m_s=1.2, fixed_slope_deg=0.0, init_pose="gait_cycle",
                     action=ActionConfig(residual=True, feed_forward=True))
    config = TrainConfig.preset("imitation", controller="independent", total_steps=256, n_envs=1, n_steps=256,
                                batch_size=64, eval_every_steps=10_000, env=env.model_dump())
    run = tmp_path_factory.mktemp("walker") / "run"
    train(config, run, progress=False)
    return run


def test_a_runs_latest_checkpoint_exports_as_a_walker(residual_run: Path, tmp_path: Path) -> None:
    from stable_baselines3 import PPO

    walker = load_walker(export_walker(residual_run, tmp_path / "latest", latest=True))
    assert walker.meta["policy"] == "latest checkpoint" and walker.meta["policy_step"] == 256
    model = PPO.load(residual_run / "checkpoints" / "step_256" / "model.zip", device="cpu")
    np.testing.assert_allclose(walker.layers[-1][0], model.policy.action_net.weight.detach().numpy())
    assert load_walker(export_walker(residual_run, tmp_path / "best")).meta["policy"] == "best evaluation"
    (tmp_path / "fresh").mkdir()
    shutil.copy(residual_run / "config.yaml", tmp_path / "fresh")
    with pytest.raises(InputFileError, match="no checkpoint yet"):
        export_walker(tmp_path / "fresh", tmp_path / "none", latest=True)


def test_an_exported_run_acts_as_its_sb3_policy(residual_run: Path, tmp_path: Path) -> None:
    from stable_baselines3 import PPO
    from stable_baselines3.common.vec_env import VecNormalize

    exported = export_walker(residual_run, tmp_path / "walker", extra={"note": "test"})
    assert sorted(p.name for p in exported.iterdir()) == ["walker.yaml", "weights.npz"]
    walker = load_walker(exported)
    assert walker.controller == "independent" and walker.spec.env.action.feed_forward
    assert walker.meta["run_steps"] == 256 and walker.meta["note"] == "test"
    assert walker.make_env().action_space.low.min() == -1.0  # residual actions, as in training
    model = PPO.load(residual_run / "best_model.zip", device="cpu")
    with (residual_run / "best_vecnormalize.pkl").open("rb") as f:
        normaliser: VecNormalize = pickle.load(f)
    env = walker.make_env()
    observation, _ = env.reset(seed=0)
    for _ in range(20):
        normalised = normaliser.normalize_obs(observation)
        expected, _ = model.predict(normalised, deterministic=True)
        np.testing.assert_allclose(walker.act(observation), expected, atol=1e-4)
        mean = model.policy.get_distribution(model.policy.obs_to_tensor(normalised)[0]).distribution.mean
        np.testing.assert_allclose(walker.action_mean(observation), mean.detach().numpy()[0], atol=1e-4)
        observation, *_ = env.step(walker.act(observation))
    with pytest.raises(ParameterError, match="is a independent walker, not synergy"):
        load_walker(exported, controller="synergy")
    with pytest.raises(InputFileError, match="export it to a walker first"):
        load_walker(residual_run)


def _sb3_walker_dir(residual_run: Path, directory: Path) -> Path:
    directory.mkdir()
    shutil.copyfile(residual_run / "best_model.zip", directory / "model.zip")
    shutil.copyfile(residual_run / "best_vecnormalize.pkl", directory / "vecnormalize.pkl")
    shutil.copyfile(residual_run / "config.yaml", directory / "config.yaml")
    return directory


class _Payload:
    """Unpickling this writes a file: what a malicious walker would do."""

    def __init__(self, target: Path) -> None:
        self.target = target

    def __reduce__(self):
        return (Path.write_text, (self.target, "pwned"))


def test_walkers_that_would_run_code_are_refused(residual_run: Path, tmp_path: Path) -> None:
    marker = tmp_path / "pwned.txt"
    # 1. a normaliser pickle with a payload
    pickled = _sb3_walker_dir(residual_run, tmp_path / "pickle_walker")
    (pickled / "vecnormalize.pkl").write_bytes(pickle.dumps(_Payload(marker)))
    # 2. a payload inside model.zip's data (SB3 cloudpickles entries such as lr_schedule)
    zipped = _sb3_walker_dir(residual_run, tmp_path / "zip_walker")
    (zipped / "vecnormalize.pkl").unlink()
    buffer = io.BytesIO()
    with zipfile.ZipFile(residual_run / "best_model.zip") as source, zipfile.ZipFile(buffer, "w") as target:
        for item in source.namelist():
            data = source.read(item)
            if item == "data":
                text = data.decode()
                text = text.replace('"lr_schedule": {', '"lr_schedule": {":serialized:": "'
                                    + pickle.dumps(_Payload(marker)).hex() + '", "x": {', 1)
                data = text.encode()
            target.writestr(item, data)
    (zipped / "model.zip").write_bytes(buffer.getvalue())
    for directory in (pickled, zipped):
        with pytest.raises(InputFileError, match=r"unpickles model\.zip"):
            load_walker(directory)
        with pytest.raises(ParameterError, match="--trust"):
            import_sb3_walker(directory, tmp_path / "imported", trust=False)
    # 3. a walker.yaml with a Python tag, and weights stored as pickled objects
    walker = export_walker(residual_run, tmp_path / "safe")
    spec = (walker / "walker.yaml").read_text()
    (walker / "walker.yaml").write_text(spec.replace("format: 1", "format: !!python/object/apply:os.system "
                                                                    f"['touch {marker}']"))
    with pytest.raises(InputFileError, match="cannot read YAML"):
        load_walker(walker)
    (walker / "walker.yaml").write_text(spec)
    np.savez(walker / "weights.npz", w0=np.array([_Payload(marker)], dtype=object))
    with pytest.raises(InputFileError, match="not a plain-array"):
        load_walker(walker)
    assert not marker.exists() and not (tmp_path / "imported").exists()


def test_a_trusted_sb3_walker_imports_to_the_same_actions(residual_run: Path, tmp_path: Path) -> None:
    source = _sb3_walker_dir(residual_run, tmp_path / "sb3")
    imported = load_walker(import_sb3_walker(source, tmp_path / "imported", trust=True))
    exported = load_walker(export_walker(residual_run, tmp_path / "exported"))
    observation, _ = imported.make_env().reset(seed=1)
    np.testing.assert_array_equal(imported.act(observation), exported.act(observation))
    content = yaml.safe_load((tmp_path / "imported" / "walker.yaml").read_text())
    assert content["provenance"]["imported_from"] == "sb3" and content["training"]["algorithm"]["name"] == "ppo"


def test_walking_test_counts_falls_of_the_zero_policy() -> None:
    result = walking_test(load_walker("zero", controller="synergy"), episodes=2, steps=40)
    assert result.episodes == 2 and result.falls == 2 and result.walking == 0
    assert all(n < 40 for n in result.episode_steps) and result.mean_steps == np.mean(result.episode_steps)
    assert result.episode_seconds == pytest.approx([n * 0.025 for n in result.episode_steps])
    assert set(result.as_dict()) >= {"episodes", "falls", "mean_steps", "mean_seconds", "mean_gait_steps",
                                     "mean_distance_m", "mean_speed_m_s"}


class _ConstantWalker(Walker):
    """A hand-designed controller: no file, no network, stateful."""

    def __init__(self) -> None:
        super().__init__("constant", EnvSpec(controller="independent", env=WalkConfig(fixed_speed_m_s=1.2)))
        self.resets = 0

    def act(self, observation: np.ndarray) -> np.ndarray:
        return np.full(86, 0.1, np.float32)

    def reset(self) -> None:
        self.resets += 1


def test_any_walker_runs_through_the_one_episode_loop() -> None:
    walker = _ConstantWalker()
    env = walker.make_env(episode_steps=30)
    seen = []
    episode = run_episode(walker, env, seed=0, on_step=lambda info: seen.append(info) or len(seen) < 5)
    assert episode.steps == 5 and episode.termination is None and walker.resets == 1  # stopped by on_step
    result = walking_test(walker, episodes=2, steps=30)
    assert result.episodes == 2 and walker.resets == 3
    completed = walking_test(walker, episodes=2, steps=10, speed_tolerance_m_s=100.0)
    assert completed.falls == 0 and completed.walking == 2  # 0.25 s standing: at any speed within 100 m/s
    assert walking_test(walker, episodes=2, steps=10, speed_tolerance_m_s=0.15).walking == 0  # but not at 1.2
    full = run_episode(walker, env, seed=0)
    assert full.steps <= 30 and (full.steps == 30) != full.fell
    assert full.distance_m == pytest.approx(full.speed_m_s * full.duration_s)


@pytest.mark.parametrize("name", SHIPPED_WALKERS)
def test_shipped_walkers_load_by_name(name: str) -> None:
    walker = load_walker(name)
    assert walker.controller == name.split("-")[0]
    assert {"seed", "cpu_hours", "run_steps"} <= set(walker.meta)
    observation, _ = walker.make_env().reset(seed=0)
    assert np.isfinite(walker.act(observation)).all()


@pytest.mark.parametrize("name", ["independent-imitation", "synergy-imitation"])
def test_the_shipped_imitation_walkers_walk_25_s(name: str) -> None:
    """The imitation walkers' target, on two of the target test's episodes (seeds 0 and 10)."""
    walker = load_walker(name)
    for seed in (0, 10):
        result = walking_test(walker, episodes=1, steps=1000, seed=seed)
        assert result.walking == 1, (seed, result.episode_steps, result.episode_speed_m_s)
