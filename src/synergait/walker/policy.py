"""Policy walkers in a format that cannot run code when loaded, and the baseline walkers.

A walker directory::

    WALKER/walker.yaml   format version, the EnvSpec, the network (layer sizes, activation, output), the
                         observation normaliser's settings, provenance, and the training configuration
    WALKER/weights.npz   plain arrays, read with ``allow_pickle=False``: ``w0, b0, w1, b1, ...`` (layer i maps
                         ``w_i.shape[1]`` inputs to ``w_i.shape[0]`` outputs) and, when normalised, ``obs_mean``,
                         ``obs_var``

Both are validated on load (YAML schema, array shapes against the environment). A Stable-Baselines3 policy
(``model.zip``, ``vecnormalize.pkl``) is unpickled when SB3 loads it, so it is never read here: convert a
training run with ``synergait walker export`` and a walker from elsewhere that you trust with
``synergait walker import --trust`` (:mod:`synergait.train.export`).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any, Literal

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from synergait.env import WalkConfig
from synergait.errors import InputFileError, ParameterError
from synergait.fileio import atomic_path, atomic_write_text
from synergait.walker.base import Walker
from synergait.walker.spec import EnvSpec

FORMAT_VERSION = 1
WALKER_FILE = "walker.yaml"
WEIGHTS_FILE = "weights.npz"
#: A synergy walker's own basis travels in its directory under this name (a plain-array SynergyBasis .npz).
BASIS_FILE = "basis.npz"
#: Walkers shipped inside the package (``synergait/assets/policies/<name>``).
SHIPPED_WALKERS = ("synergy-default", "independent-default", "independent-imitation", "synergy-imitation")


class NetworkSpec(BaseModel):
    """A multilayer perceptron's deterministic action.

    ``output``: ``clip`` (a Gaussian policy's mean clipped to the action bounds: PPO) or ``tanh`` (squashed and
    scaled to the bounds: SAC). The observation is normalised first when ``normalize_observations``:
    ``clip((o - mean) / sqrt(var + epsilon), -clip_observation, clip_observation)``.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    activation: Literal["relu", "tanh"] = "relu"
    output: Literal["clip", "tanh"] = "clip"
    normalize_observations: bool = False
    clip_observation: float = Field(10.0, gt=0)
    epsilon: float = Field(1e-8, ge=0)


class WalkerFile(BaseModel):
    """The schema of ``walker.yaml``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    format: Literal[1] = FORMAT_VERSION
    spec: EnvSpec
    network: NetworkSpec
    provenance: dict[str, Any] = {}
    #: How it was trained (the TrainConfig as written by the trainer), for reproduction; not read to act.
    training: dict[str, Any] = {}


class MlpWalker(Walker):
    """A trained policy network evaluated with numpy (deterministic)."""

    def __init__(self, name: str, spec: EnvSpec, network: NetworkSpec, weights: dict[str, np.ndarray],
                 meta: dict[str, Any] | None = None, training: dict[str, Any] | None = None) -> None:
        super().__init__(name, spec, meta)
        self.network, self.training = network, dict(training or {})
        self.layers = _layers(weights, name)
        self.obs_mean = weights.get("obs_mean")
        self.obs_var = weights.get("obs_var")
        if network.normalize_observations and (self.obs_mean is None or self.obs_var is None):
            raise InputFileError(name, "normalize_observations is set but obs_mean / obs_var are missing")
        env = self.make_env(episode_steps=1)
        space, n_obs = env.action_space, env.observation_space.shape[0]
        n_in, n_out = self.layers[0][0].shape[1], self.layers[-1][0].shape[0]
        if n_out != space.shape[0] or n_in != n_obs:
            raise InputFileError(name, f"the network maps {n_in} observations to {n_out} actions; its "
                                       f"{spec.controller} environment has {n_obs} and {space.shape[0]}")
        for key, array in (("obs_mean", self.obs_mean), ("obs_var", self.obs_var)):
            if array is not None and array.shape != (n_obs,):
                raise InputFileError(name, f"{key} has shape {array.shape}, the observation {n_obs} values")
        self.action_low, self.action_high = space.low.astype(np.float64), space.high.astype(np.float64)

    def act(self, observation: np.ndarray) -> np.ndarray:
        return np.clip(self.action_mean(observation), self.action_low, self.action_high).astype(np.float32)

    def action_mean(self, observation: np.ndarray) -> np.ndarray:
        """The network's output before the clip to the action bounds (a PPO policy's mean may lie beyond them,
        where the clip hides it from every reward)."""
        x = np.asarray(observation, dtype=np.float64)
        if self.network.normalize_observations:
            limit = self.network.clip_observation
            x = np.clip((x - self.obs_mean) / np.sqrt(self.obs_var + self.network.epsilon), -limit, limit)
        activation = np.tanh if self.network.activation == "tanh" else (lambda v: np.maximum(v, 0.0))
        for weight, bias in self.layers[:-1]:
            x = activation(weight @ x + bias)
        weight, bias = self.layers[-1]
        x = weight @ x + bias
        if self.network.output == "tanh":
            x = self.action_low + 0.5 * (np.tanh(x) + 1.0) * (self.action_high - self.action_low)
        return x

    def save(self, directory: str | Path) -> Path:
        """Write ``walker.yaml`` and ``weights.npz`` into ``directory`` (created), and the walker's synergy basis
        as ``basis.npz`` when it has its own (not the shipped one), so that the directory works anywhere."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        spec = self.spec
        if spec.basis is not None:
            from synergait.synergy.basis import SynergyBasis

            SynergyBasis.load(spec.basis).save(directory / BASIS_FILE)
            spec = spec.model_copy(update={"basis": BASIS_FILE})
        arrays = {f"{kind}{i}": array for i, layer in enumerate(self.layers)
                  for kind, array in zip("wb", layer, strict=True)}
        if self.obs_mean is not None and self.obs_var is not None:
            arrays.update(obs_mean=self.obs_mean, obs_var=self.obs_var)
        with atomic_path(directory / WEIGHTS_FILE) as tmp, tmp.open("wb") as f:
            np.savez_compressed(f, **{k: np.asarray(v, dtype=np.float32) for k, v in arrays.items()})
        content = WalkerFile(spec=spec, network=self.network, provenance=self.meta, training=self.training)
        atomic_write_text(directory / WALKER_FILE, yaml.safe_dump(content.model_dump(mode="json"), sort_keys=False))
        return directory

    @classmethod
    def load(cls, directory: str | Path, name: str | None = None) -> MlpWalker:
        """Read a walker directory (only YAML and plain arrays: nothing in it can run code)."""
        directory = Path(directory)
        spec_file, weights_file = directory / WALKER_FILE, directory / WEIGHTS_FILE
        if not spec_file.is_file() and (directory / "model.zip").is_file():
            raise InputFileError(directory, "a Stable-Baselines3 walker: loading it unpickles model.zip, which can "
                                            "run any code; if you trust its source, convert it with `synergait "
                                            "walker import --trust DIR --out NEW`")
        if not spec_file.is_file() or not weights_file.is_file():
            raise InputFileError(directory, f"not a walker directory (needs {WALKER_FILE} and {WEIGHTS_FILE})")
        try:
            content = WalkerFile.model_validate(yaml.safe_load(spec_file.read_text()))
        except yaml.YAMLError as exc:
            raise InputFileError(spec_file, f"cannot read YAML ({' '.join(str(exc).split())})") from None
        except ValidationError as exc:
            first = exc.errors()[0]
            raise InputFileError(spec_file, f"{'.'.join(map(str, first['loc']))}: {first['msg']}") from None
        try:
            with np.load(weights_file, allow_pickle=False) as arrays:
                weights = {key: np.asarray(arrays[key], dtype=np.float64) for key in arrays.files}
        except (OSError, ValueError) as exc:
            raise InputFileError(weights_file, f"not a plain-array .npz ({exc})") from None
        spec = content.spec
        if spec.basis is not None and (directory / spec.basis).is_file():  # its own basis, beside it
            spec = spec.model_copy(update={"basis": str(directory / spec.basis)})
        return cls(name or str(directory), spec, content.network, weights, content.provenance, content.training)


def _layers(weights: dict[str, np.ndarray], name: str) -> list[tuple[np.ndarray, np.ndarray]]:
    layers = []
    while f"w{len(layers)}" in weights:
        i = len(layers)
        weight, bias = weights[f"w{i}"], weights.get(f"b{i}")
        if weight.ndim != 2 or bias is None or bias.shape != (weight.shape[0],):
            raise InputFileError(name, f"layer {i}: weight {weight.shape} and bias "
                                       f"{None if bias is None else bias.shape} do not form a layer")
        if layers and layers[-1][0].shape[0] != weight.shape[1]:
            raise InputFileError(name, f"layer {i} takes {weight.shape[1]} inputs, layer {i - 1} gives "
                                       f"{layers[-1][0].shape[0]}")
        if not (np.isfinite(weight).all() and np.isfinite(bias).all()):
            raise InputFileError(name, f"layer {i} holds non-finite weights")
        layers.append((weight, bias))
    if not layers:
        raise InputFileError(name, "no layers (w0, b0, ...) in the weights")
    return layers


class BaselineWalker(Walker):
    """``random`` (uniform over the action space, seeded) or ``zero`` (the zero action)."""

    def __init__(self, kind: Literal["random", "zero"], spec: EnvSpec, seed: int = 0) -> None:
        super().__init__(kind, spec, {"policy": kind})
        self.kind, self.seed = kind, seed
        self.space = self.make_env(episode_steps=1).action_space
        self.rng = np.random.default_rng(seed)

    def act(self, observation: np.ndarray) -> np.ndarray:
        if self.kind == "zero":
            return np.zeros(self.space.shape, np.float32)
        return self.rng.uniform(self.space.low, self.space.high).astype(np.float32)


def load_walker(source: str | Path, *, controller: str | None = None, basis: str | None = None,
                config: WalkConfig | None = None, seed: int = 0) -> Walker:
    """A walker by shipped name (:data:`SHIPPED_WALKERS`), walker directory, or ``random`` / ``zero``.

    ``controller``, ``basis`` and ``config`` describe the environment of ``random`` / ``zero``; a walker that
    carries its own spec rejects a different ``controller`` and ignores nothing silently.
    """
    source = str(source)
    if controller is not None and controller not in ("independent", "synergy"):
        raise ParameterError("controller", f"must be 'independent' or 'synergy', got '{controller}'")
    if source in ("random", "zero"):
        spec = EnvSpec(controller=controller or "independent", basis=basis, env=config or WalkConfig())  # type: ignore[arg-type]
        return BaselineWalker(source, spec, seed)  # type: ignore[arg-type]
    directory = _shipped(source) if source in SHIPPED_WALKERS else Path(source)
    if not directory.exists():
        raise InputFileError(directory, "walker not found (a shipped walker's name, a walker directory, "
                                        "random or zero)")
    if directory.is_file() or (directory / "best_model.zip").is_file():
        raise InputFileError(directory, "a training run or SB3 model: export it to a walker first "
                                        "(`synergait walker export RUN --out DIR`)")
    walker = MlpWalker.load(directory, name=source)
    if controller is not None and controller != walker.controller:
        raise ParameterError("controller", f"{source} is a {walker.controller} walker, not {controller}")
    if basis is not None and basis != walker.spec.basis:
        raise ParameterError("basis", f"{source} carries its own synergy basis; --basis applies to random / zero")
    return walker


def _shipped(name: str) -> Path:
    directory = Path(str(resources.files("synergait.assets").joinpath("policies", name)))
    if not (directory / WALKER_FILE).is_file():
        raise ParameterError("policy", f"the walker '{name}' is not in this installation")
    return directory
