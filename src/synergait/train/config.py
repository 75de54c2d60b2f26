"""Training configuration: the presets (`paper`, `imitation`, `finetune`, `predictive`) are YAML files users
can copy and edit.

The algorithm's own settings sit in one validated section, ``algorithm`` (``name: ppo`` or ``name: sac``), so a
configuration never carries settings of an algorithm it does not use."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from synergait.env.config import WalkConfig, drop_retired
from synergait.errors import ParameterError
from synergait.fileio import read_yaml_model
from synergait.walker.spec import EnvSpec

PRESETS = ("paper", "imitation", "finetune", "predictive")


class _AlgorithmConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    #: Minibatch size of each gradient step.
    batch_size: int = Field(256, gt=0)


class PPOConfig(_AlgorithmConfig):
    """Stable-Baselines3 PPO settings."""

    name: Literal["ppo"] = "ppo"
    #: Environment steps per environment between updates.
    n_steps: int = Field(1024, gt=0)
    n_epochs: int = Field(5, gt=0)
    gae_lambda: float = Field(0.95, ge=0, le=1)
    clip_range: float = Field(0.2, gt=0)
    ent_coef: float = 0.0
    #: Initial log standard deviation of the Gaussian policy (SB3's default 0: std 1 over a [-1, 1] action).
    log_std_init: float = 0.0
    #: Adapt the learning rate after every update to keep its approximate KL divergence near this (None: the
    #: configured schedule; see :class:`synergait.train.callbacks.AdaptiveLearningRate`).
    adaptive_kl: float | None = Field(None, gt=0)


class SACConfig(_AlgorithmConfig):
    """Stable-Baselines3 SAC settings (the paper's by default)."""

    name: Literal["sac"] = "sac"
    buffer_size: int = Field(3_000_000, gt=0)
    #: Random-action steps before the first update.
    learning_starts: int = Field(10_000, ge=0)
    train_freq: int = Field(1, gt=0)
    gradient_steps: int = Field(1, gt=0)
    #: Keep the replay buffer in checkpoints (resume continues with it; ~GBs at the paper's size).
    save_replay_buffer: bool = False


ALGORITHM_CONFIGS: dict[str, type[PPOConfig] | type[SACConfig]] = {"ppo": PPOConfig, "sac": SACConfig}


def _algorithm_section(raw: object) -> object:
    """Accept the algorithm's settings as flat keys with ``algo: NAME`` (configuration files before the
    ``algorithm`` section, and :meth:`TrainConfig.preset` overrides): they move into ``algorithm``. A setting of the
    other algorithm is refused unless it holds that algorithm's default (old files wrote every setting)."""
    if not isinstance(raw, dict):
        return raw
    raw = dict(raw)
    section = dict(raw.pop("algorithm", None) or {})
    name = raw.pop("algo", None) or section.get("name", "sac")
    if name not in ALGORITHM_CONFIGS:
        raise ValueError(f"algo must be one of {', '.join(ALGORITHM_CONFIGS)}, got '{name}'")
    own = ALGORITHM_CONFIGS[name]
    if section.get("name", name) != name:
        section = {}  # ``algo`` chose another algorithm than the section: start from its defaults
    section["name"] = name
    for other_name, other in ALGORITHM_CONFIGS.items():
        for key, field in other.model_fields.items():
            if key == "name" or key not in raw:
                continue
            value = raw.pop(key)
            if key in own.model_fields:
                section[key] = value
            elif value != field.default:
                raise ValueError(f"{key} is a {other_name.upper()} setting; this configuration trains "
                                 f"{name.upper()}")
    raw["algorithm"] = section
    return raw


class TrainConfig(BaseModel):
    """Everything a training run needs; written into the run directory as ``config.yaml``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    controller: Literal["synergy", "independent"] = "synergy"
    basis: str | None = None  # SynergyBasis .npz; None: the shipped default
    mirroring: bool | None = None  # None: on for synergy, off for independent
    algorithm: PPOConfig | SACConfig = Field(SACConfig(), discriminator="name")
    total_steps: int = Field(1_000_000, gt=0)
    n_envs: int = Field(1, gt=0)
    #: ``dummy``: the environments step one after another in the training process (one core);
    #: ``subproc``: each in its own process, so that a run uses ``n_envs`` cores (SB3 ``SubprocVecEnv``).
    vec_env: Literal["dummy", "subproc"] = "dummy"
    seed: int = 0
    device: Literal["auto", "cpu", "cuda"] = "auto"
    torch_threads: int = Field(1, gt=0)  # torch with 2 threads collapses when anything else uses the CPU
    net_arch: list[int] = [512, 512, 256]
    learning_rate: float = Field(1e-3, gt=0)
    lr_schedule: Literal["linear", "constant"] = "linear"
    gamma: float = 0.99
    normalize_observations: bool = False
    #: Scale rewards by a running estimate of the return's standard deviation (SB3 VecNormalize).
    normalize_rewards: bool = False
    eval_every_steps: int = Field(100_000, gt=0)
    eval_episodes: int = Field(5, gt=0)
    checkpoint_every_steps: int = Field(100_000, gt=0)
    #: Also checkpoint after this much wall time since the last checkpoint, so a kill loses at most this much.
    checkpoint_every_minutes: float = Field(10.0, gt=0)
    #: Also keep the policy every this many steps as a walker directory (``RUN/snapshots/step_N``, plain arrays,
    #: ~1 MB), so that the walker can be chosen by a walking test rather than by the few evaluation episodes that
    #: pick ``best_model``; None: none kept.
    snapshot_every_steps: int | None = Field(None, gt=0)
    env: WalkConfig = WalkConfig()
    #: A walker (shipped name or directory) whose policy network and observation normaliser start this run
    #: (fine-tuning); its environment must give the same observations and actions. None: a fresh network.
    init_policy: str | None = None
    #: For this many steps at the start of the run only the value function learns (the policy is frozen), so that
    #: a policy started from ``init_policy`` is not moved by a critic that does not yet know the new reward.
    critic_warmup_steps: int = Field(0, ge=0)
    #: Weight of a KL penalty that keeps the policy near ``init_policy`` (PPO; see
    #: :class:`synergait.train.callbacks.PolicyAnchor`); 0: none.
    policy_anchor: float = Field(0.0, ge=0)
    #: The anchor's weight fades linearly to 0 over this many steps; None: it stays.
    policy_anchor_fade_steps: int | None = Field(None, gt=0)
    #: Weight of a penalty on PPO action means beyond the action bounds (see
    #: :class:`synergait.train.callbacks.ActionBoundPenalty`): a clipped mean gets no gradient from any reward,
    #: the effort's included; 0: none.
    action_bound_penalty: float = Field(0.0, ge=0)

    @model_validator(mode="before")
    @classmethod
    def _compatible(cls, raw: object) -> object:
        return _algorithm_section(drop_retired(raw, {"target_kl": lambda value: value is None}))

    @model_validator(mode="after")
    def _policy_terms_fit_the_run(self) -> TrainConfig:
        if self.policy_anchor > 0 and (self.init_policy is None or self.algo != "ppo"):
            raise ValueError("policy_anchor needs init_policy (the walker to stay near) and a PPO run")
        if self.action_bound_penalty > 0 and self.algo != "ppo":
            raise ValueError("action_bound_penalty is for PPO runs (SAC squashes its actions into the bounds)")
        return self

    @property
    def algo(self) -> str:
        """``ppo`` or ``sac``."""
        return self.algorithm.name

    @property
    def spec(self) -> EnvSpec:
        """The environment the trained walker acts in."""
        return EnvSpec(controller=self.controller, basis=self.basis, mirroring=self.mirroring, env=self.env)

    @classmethod
    def from_yaml(cls, path: str | Path) -> TrainConfig:
        return read_yaml_model(cls, path)

    @classmethod
    def preset(cls, name: str, **overrides: object) -> TrainConfig:
        """A named preset (one of :data:`PRESETS`) with ``overrides`` (e.g. ``seed=3``, or an algorithm
        setting such as ``n_steps=512``) applied."""
        if name not in PRESETS:
            raise ParameterError("preset", f"unknown preset '{name}' (known: {', '.join(PRESETS)})")
        raw = yaml.safe_load(resources.files("synergait.presets").joinpath(f"{name}.yaml").read_text()) or {}
        raw.update({k: v for k, v in overrides.items() if v is not None})
        try:
            return cls.model_validate(raw)
        except ValidationError as exc:
            first = exc.errors()[0]
            raise ParameterError(".".join(map(str, first["loc"])) or name,
                                 first["msg"].removeprefix("Value error, ")) from None

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.model_dump(mode="json"), sort_keys=False)
