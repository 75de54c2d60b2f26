"""`Walker`: a trained policy together with everything needed to run it again.

A policy alone is not enough to reproduce a walker: its controller (synergy or independent), synergy basis,
mirroring and environment settings (e.g. the residual action of the CPU recipe) decide what its actions mean, and
its observation normaliser what it sees. A walker directory holds them side by side::

    WALKER/model.zip          Stable-Baselines3 policy (SAC or PPO)
    WALKER/config.yaml        the TrainConfig it was trained with
    WALKER/vecnormalize.pkl   observation normaliser (when the run used one)
    WALKER/walker.json        provenance: source run, seed, environment steps, CPU-hours, evaluation

``Walker.load`` accepts a shipped walker's name (``synergy-default``, ``independent-default``), a walker
directory, a training run directory (its best policy), a model ``.zip`` inside a run, or ``random`` / ``zero``.
"""

from __future__ import annotations

import json
import pickle
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

from synergait.env import WalkConfig, make_walk_env
from synergait.errors import InputFileError, ParameterError
from synergait.fileio import atomic_write_text
from synergait.train.config import TrainConfig

#: Walkers shipped inside the package (``synergait/assets/policies/<name>``).
SHIPPED_WALKERS = ("synergy-default", "independent-default")
Policy = Callable[[np.ndarray], np.ndarray]


@dataclass
class Walker:
    """A policy and how to build the environment it acts in.

    Attributes:
        name: where it came from (shipped name, path, ``random`` or ``zero``).
        controller: ``synergy`` or ``independent``.
        basis: SynergyBasis file of a synergy walker (None: the shipped basis).
        mirroring: phase mirroring (None: the controller's default).
        env_config: the environment it was trained in.
        act: observation -> action (deterministic for trained policies).
        meta: provenance (``walker.json``): steps, CPU-hours, seed, source run.
    """

    name: str
    controller: str
    basis: str | None
    mirroring: bool | None
    env_config: WalkConfig
    act: Policy
    meta: dict[str, Any] = field(default_factory=dict)

    def make_env(self, *, speed_m_s: float | None = None, slope_deg: float | None = None,
                 episode_steps: int | None = None) -> gym.Env:
        """The walker's environment; ``speed_m_s`` / ``slope_deg`` fix the condition (evaluation mode)."""
        changes: dict[str, Any] = {}
        if speed_m_s is not None or slope_deg is not None:
            changes.update(fixed_speed_m_s=speed_m_s if speed_m_s is not None else 1.2,
                           fixed_slope_deg=slope_deg if slope_deg is not None else 0.0)
        if episode_steps is not None:
            changes["episode_steps"] = episode_steps
        return make_walk_env(self.controller, basis=self.basis, mirroring=self.mirroring,  # type: ignore[arg-type]
                             config=self.env_config.final_task().model_copy(update=changes))

    @classmethod
    def load(cls, source: str | Path, *, controller: str | None = None, basis: str | None = None,
             config: WalkConfig | None = None, seed: int = 0) -> Walker:
        """Resolve ``source`` (see the module docstring). ``controller``, ``basis`` and ``config`` apply to
        ``random`` / ``zero`` and to a bare model file without a run beside it; a walker that carries its own
        configuration rejects a different ``controller``."""
        source = str(source)
        if source in ("random", "zero"):
            return _baseline_walker(source, controller or "independent", basis, config or WalkConfig(), seed)
        directory = _shipped(source) if source in SHIPPED_WALKERS else Path(source)
        model_file, train_config, normaliser_file, meta = _locate(directory)
        if train_config is None:
            if controller is None:
                raise ParameterError("controller", f"{model_file} has no config.yaml beside it: pass the controller")
            train_config = TrainConfig(controller=controller, basis=basis, env=config or WalkConfig())  # type: ignore[arg-type]
        elif controller is not None and controller != train_config.controller:
            raise ParameterError("controller", f"{source} is a {train_config.controller} walker, not {controller}")
        model = _load_model(model_file)
        walker = cls(source, train_config.controller, train_config.basis, train_config.mirroring, train_config.env,
                     lambda observation: observation, {**meta, "algorithm": type(model).__name__})
        expected = walker.make_env().action_space.shape
        if model.action_space.shape != expected:
            raise InputFileError(model_file, f"the policy acts with {model.action_space.shape[0]} outputs; its "
                                             f"{walker.controller} environment needs {expected[0]}")
        normaliser = None
        if normaliser_file is not None:
            with normaliser_file.open("rb") as f:
                normaliser = pickle.load(f)

        def act(observation: np.ndarray) -> np.ndarray:
            if normaliser is not None:
                observation = normaliser.normalize_obs(observation)
            return model.predict(observation, deterministic=True)[0]

        walker.act = act
        return walker


def export_walker(run: str | Path, out: str | Path, *, extra: dict[str, Any] | None = None) -> Path:
    """Copy a training run's best policy, its config and normaliser into a walker directory ``out``."""
    run, out = Path(run), Path(out)
    model_file, config, normaliser_file, _ = _locate(run)
    if config is None:
        raise InputFileError(run, "no config.yaml: not a synergait run directory")
    out.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(model_file, out / "model.zip")
    atomic_write_text(out / "config.yaml", config.to_yaml())
    (out / "vecnormalize.pkl").unlink(missing_ok=True)
    if normaliser_file is not None:
        shutil.copyfile(normaliser_file, out / "vecnormalize.pkl")
    summary = json.loads((run / "run.json").read_text()) if (run / "run.json").exists() else {}
    meta = {"source_run": run.name, "controller": config.controller, "algo": config.algo, "seed": config.seed,
            "run_steps": summary.get("num_timesteps"), "best_step": summary.get("best_step"),
            "cpu_hours": summary.get("cpu_hours"), **(extra or {})}
    atomic_write_text(out / "walker.json", json.dumps(meta, indent=1))
    return out


def _shipped(name: str) -> Path:
    directory = Path(str(resources.files("synergait.assets").joinpath("policies", name)))
    if not (directory / "model.zip").is_file():
        raise ParameterError("policy", f"the walker '{name}' is not in this installation")
    return directory


def _locate(path: Path) -> tuple[Path, TrainConfig | None, Path | None, dict[str, Any]]:
    """(model file, its TrainConfig if known, its normaliser if any, provenance) of a walker, run or model file."""
    if path.is_dir():
        model_file = next((path / n for n in ("model.zip", "best_model.zip") if (path / n).is_file()), None)
        if model_file is None:
            raise InputFileError(path, "no model.zip or best_model.zip: neither a walker nor a training run")
    elif path.is_file():
        model_file = path
    else:
        raise InputFileError(path, "policy not found (a shipped walker's name, a directory or a model .zip)")
    # The run directory: the model's own folder, or two up for RUN/checkpoints/step_N/model.zip.
    candidates = [model_file.parent, *model_file.parents[1:3]]
    config_file = next((c / "config.yaml" for c in candidates if (c / "config.yaml").is_file()), None)
    config = TrainConfig.from_yaml(config_file) if config_file else None
    normaliser_name = "best_vecnormalize.pkl" if model_file.name == "best_model.zip" else "vecnormalize.pkl"
    normaliser = model_file.with_name(normaliser_name)
    meta_file = model_file.with_name("walker.json")
    meta = json.loads(meta_file.read_text()) if meta_file.is_file() else {}
    return model_file, config, normaliser if normaliser.is_file() else None, meta


def _load_model(path: Path):
    from stable_baselines3 import PPO, SAC

    for algorithm in (PPO, SAC):
        try:
            return algorithm.load(path, device="cpu")
        except (ValueError, KeyError, TypeError, AttributeError):
            continue
    raise InputFileError(path, "not a Stable-Baselines3 SAC or PPO model")


def _baseline_walker(kind: str, controller: str, basis: str | None, config: WalkConfig, seed: int) -> Walker:
    """``random`` (uniform over the action space, seeded) or ``zero`` (the zero action) as a walker."""
    if controller not in ("synergy", "independent"):
        raise ParameterError("controller", f"must be 'independent' or 'synergy', got '{controller}'")
    walker = Walker(kind, controller, basis, None, config, lambda observation: observation, {"policy": kind})
    space = walker.make_env().action_space
    if kind == "zero":
        walker.act = lambda observation: np.zeros(space.shape, np.float32)
    else:
        rng = np.random.default_rng(seed)
        walker.act = lambda observation: rng.uniform(space.low, space.high).astype(np.float32)
    return walker
