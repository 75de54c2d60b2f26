"""Stable-Baselines3 policies -> walker directories (:mod:`synergait.walker.policy`).

SB3 stores a policy in ``model.zip`` and its observation normaliser in ``vecnormalize.pkl``; loading either
unpickles it, which can run any code. Do it only for files you trust: your own training runs
(:func:`export_walker`) or a walker whose source you trust (:func:`import_sb3_walker`, ``--trust`` on the
command line). The walker written holds only YAML and plain arrays.
"""

from __future__ import annotations

import json
import pickle
from pathlib import Path
from typing import Any

import numpy as np
import torch
from stable_baselines3.common.vec_env import VecNormalize

from synergait.errors import InputFileError, ParameterError
from synergait.train.config import TrainConfig
from synergait.train.run import BEST_MODEL_FILE, BEST_NORMALISER_FILE, TrainingRun, latest_checkpoint
from synergait.walker.policy import MlpWalker, NetworkSpec


def action_network(model: Any) -> tuple[list[torch.nn.Linear], str, str]:
    """The deterministic action network of an SB3 PPO or SAC model: its linear layers (hidden ones, then the
    head), its activation (``relu`` / ``tanh``) and its output (``clip`` for PPO's Gaussian mean, ``tanh`` for
    SAC)."""
    from stable_baselines3 import PPO, SAC

    policy = model.policy
    if isinstance(model, PPO):
        hidden, head, output = policy.mlp_extractor.policy_net, policy.action_net, "clip"
    elif isinstance(model, SAC):
        hidden, head, output = policy.actor.latent_pi, policy.actor.mu, "tanh"
    else:
        raise ParameterError("policy", f"{type(model).__name__} is not a PPO or SAC model")
    activations = {type(m).__name__ for m in hidden if not isinstance(m, torch.nn.Linear)}
    if not activations <= {"ReLU", "Tanh"} or len(activations) > 1:
        raise ParameterError("policy", f"unsupported activation(s) {sorted(activations)} (ReLU or Tanh)")
    linear = [m for m in hidden if isinstance(m, torch.nn.Linear)] + [head]
    return linear, "tanh" if activations == {"Tanh"} else "relu", output


def layer_arrays(layers: list[torch.nn.Linear]) -> dict[str, np.ndarray]:
    """Linear layers as a walker stores them: plain arrays ``w0, b0, w1, b1, ...``."""
    arrays = {}
    for i, layer in enumerate(layers):
        arrays[f"w{i}"] = layer.weight.detach().cpu().numpy().astype(np.float64)
        arrays[f"b{i}"] = layer.bias.detach().cpu().numpy().astype(np.float64)
    return arrays


def policy_arrays(model: Any) -> tuple[dict[str, np.ndarray], str, str]:
    """:func:`action_network` as plain arrays ``w0, b0, ...``, with its activation and output."""
    linear, activation, output = action_network(model)
    arrays = layer_arrays(linear)
    return arrays, activation, output


def sb3_walker(model_file: Path, config: TrainConfig, normaliser_file: Path | None, *, name: str,
               meta: dict[str, Any]) -> MlpWalker:
    """Load (unpickle: trusted files only) an SB3 model and its normaliser into an :class:`MlpWalker`."""
    from stable_baselines3 import PPO, SAC

    algorithm = PPO if config.algo == "ppo" else SAC
    try:
        model = algorithm.load(model_file, device="cpu")
    except (ValueError, KeyError, TypeError, AttributeError, OSError) as exc:
        raise InputFileError(model_file, f"not a Stable-Baselines3 {config.algo.upper()} model ({exc})") from None
    normaliser = None
    if normaliser_file is not None:
        with normaliser_file.open("rb") as f:
            normaliser = pickle.load(f)
    return model_walker(model, config, normaliser, name=name, meta=meta)


def model_walker(model: Any, config: TrainConfig, normaliser: VecNormalize | None, *, name: str,
                 meta: dict[str, Any]) -> MlpWalker:
    """An SB3 model in memory (and its observation normaliser, if any) as an :class:`MlpWalker`."""
    arrays, activation, output = policy_arrays(model)
    network = NetworkSpec(activation=activation, output=output)  # type: ignore[arg-type]
    if normaliser is not None and normaliser.norm_obs:
        arrays.update(obs_mean=np.asarray(normaliser.obs_rms.mean), obs_var=np.asarray(normaliser.obs_rms.var))
        network = network.model_copy(update={"normalize_observations": True,
                                             "clip_observation": float(normaliser.clip_obs),
                                             "epsilon": float(normaliser.epsilon)})
    return MlpWalker(name, config.spec, network, arrays, {**meta, "algorithm": config.algo},
                     config.model_dump(mode="json"))


def export_walker(run: str | Path, out: str | Path, *, latest: bool = False,
                  extra: dict[str, Any] | None = None) -> Path:
    """Write a training run's best policy (your own run: its files are trusted) as a walker directory ``out``.

    ``latest``: its latest checkpoint instead — the best policy is picked by a few noisy evaluation episodes, so a
    walking test of both is how to choose."""
    training = TrainingRun.load(run)
    if latest:
        checkpoint = latest_checkpoint(training.path)
        if checkpoint is None:
            raise InputFileError(run, "the run has no checkpoint yet")
        model_file, normaliser = checkpoint / "model.zip", checkpoint / "vecnormalize.pkl"
        picked = {"policy": "latest checkpoint", "policy_step": int(checkpoint.name.removeprefix("step_"))}
    else:
        model_file, normaliser = training.path / BEST_MODEL_FILE, training.path / BEST_NORMALISER_FILE
        if not model_file.is_file():
            raise InputFileError(run, f"the run has no best policy yet ({BEST_MODEL_FILE}: written at its first "
                                      "evaluation)")
        summary = training.summary
        picked = {"policy": "best evaluation", "policy_step": summary.best_step if summary else None}
    config, summary = training.config, training.summary
    meta = {"source_run": training.name, "controller": config.controller, "seed": config.seed,
            "run_steps": summary.num_timesteps if summary else None, **picked,
            "cpu_hours": summary.cpu_hours if summary else None, **(extra or {})}
    walker = sb3_walker(model_file, config, normaliser if normaliser.is_file() else None, name=str(out), meta=meta)
    return walker.save(out)


def import_sb3_walker(source: str | Path, out: str | Path, *, trust: bool) -> Path:
    """Convert an SB3 walker directory (``model.zip``, ``config.yaml``, optional ``vecnormalize.pkl`` and
    ``walker.json``) from elsewhere into a walker directory; ``trust`` must be given (its pickles run code)."""
    source = Path(source)
    if not trust:
        raise ParameterError("--trust", f"importing {source} unpickles its files, which can run any code: pass "
                                        "--trust only for a source you trust")
    model_file, config_file = source / "model.zip", source / "config.yaml"
    if not model_file.is_file() or not config_file.is_file():
        raise InputFileError(source, "not an SB3 walker directory (needs model.zip and config.yaml)")
    config = TrainConfig.from_yaml(config_file)
    normaliser = source / "vecnormalize.pkl"
    meta_file = source / "walker.json"
    meta = json.loads(meta_file.read_text()) if meta_file.is_file() else {}
    walker = sb3_walker(model_file, config, normaliser if normaliser.is_file() else None, name=str(out),
                        meta={**meta, "imported_from": source.name})
    return walker.save(out)
