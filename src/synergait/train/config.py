"""Training configuration: the `paper` and `cpu` presets are YAML files users can copy and edit."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from synergait.env.config import WalkConfig, drop_retired
from synergait.errors import ParameterError
from synergait.fileio import read_yaml_model

PRESETS = ("paper", "cpu", "imitation")


def _is_none(value: object) -> bool:
    return value is None


class TrainConfig(BaseModel):
    """Everything a training run needs; written into the run directory as ``config.yaml``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    algo: Literal["sac", "ppo"] = "sac"
    controller: Literal["synergy", "independent"] = "synergy"
    basis: str | None = None  # SynergyBasis .npz; None: the shipped default
    mirroring: bool | None = None  # None: on for synergy, off for independent
    total_steps: int = Field(1_000_000, gt=0)
    n_envs: int = Field(1, gt=0)
    seed: int = 0
    device: Literal["auto", "cpu", "cuda"] = "auto"
    torch_threads: int = Field(1, gt=0)  # torch with 2 threads collapses when anything else uses the CPU
    net_arch: list[int] = [512, 512, 256]
    learning_rate: float = Field(1e-3, gt=0)
    lr_schedule: Literal["linear", "constant"] = "linear"
    gamma: float = 0.99
    # SAC
    buffer_size: int = 3_000_000
    learning_starts: int = 10_000
    batch_size: int = 256
    train_freq: int = 1
    gradient_steps: int = 1
    # PPO
    n_steps: int = 1024
    n_epochs: int = 5
    gae_lambda: float = 0.95
    clip_range: float = 0.2
    ent_coef: float = 0.0
    #: Initial log standard deviation of PPO's Gaussian policy (SB3's default 0: std 1 over a [-1, 1] action).
    log_std_init: float = 0.0
    normalize_observations: bool = False
    #: Scale rewards by a running estimate of the return's standard deviation (SB3 VecNormalize).
    normalize_rewards: bool = False
    eval_every_steps: int = Field(100_000, gt=0)
    eval_episodes: int = Field(5, gt=0)
    checkpoint_every_steps: int = Field(100_000, gt=0)
    save_replay_buffer: bool = False
    env: WalkConfig = WalkConfig()

    @model_validator(mode="before")
    @classmethod
    def _retired(cls, raw: object) -> object:
        return drop_retired(raw, {"target_kl": _is_none})

    @classmethod
    def from_yaml(cls, path: str | Path) -> TrainConfig:
        return read_yaml_model(cls, path)

    @classmethod
    def preset(cls, name: str, **overrides: object) -> TrainConfig:
        """A named preset (``paper`` or ``cpu``) with ``overrides`` (e.g. ``seed=3``) applied."""
        if name not in PRESETS:
            raise ParameterError("preset", f"unknown preset '{name}' (known: {', '.join(PRESETS)})")
        raw = yaml.safe_load(resources.files("synergait.presets").joinpath(f"{name}.yaml").read_text()) or {}
        raw.update({k: v for k, v in overrides.items() if v is not None})
        try:
            return cls.model_validate(raw)
        except ValidationError as exc:
            first = exc.errors()[0]
            raise ParameterError(".".join(map(str, first["loc"])), first["msg"]) from None

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.model_dump(mode="json"), sort_keys=False)
