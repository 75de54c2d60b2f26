"""`EnvSpec`: the environment a walker acts in, saved with it."""

from __future__ import annotations

from typing import Any, Literal

import gymnasium as gym
from pydantic import BaseModel, ConfigDict, ValidationError

from synergait.env import WalkConfig, make_walk_env
from synergait.errors import ParameterError

Controller = Literal["independent", "synergy"]


class EnvSpec(BaseModel):
    """What a walker's actions and observations mean: controller (action representation), synergy basis,
    phase mirroring and the walking environment's configuration.

    Attributes:
        controller: ``synergy`` (k synergies per leg + trunk muscles) or ``independent`` (one action per muscle).
        basis: SynergyBasis ``.npz`` of a synergy walker (None: the shipped basis).
        mirroring: phase mirroring (None: on for the synergy controller, off for the independent one).
        env: the walking environment it was trained in.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    controller: Controller = "synergy"
    basis: str | None = None
    mirroring: bool | None = None
    env: WalkConfig = WalkConfig()

    @property
    def mirrored(self) -> bool:
        """Whether phase mirroring is on (``mirroring``, or its default: on for the synergy controller)."""
        return self.mirroring if self.mirroring is not None else self.controller == "synergy"

    def make_env(self, *, speed_m_s: float | None = None, slope_deg: float | None = None,
                 episode_steps: int | None = None, training: bool = False) -> gym.Env:
        """The environment; ``speed_m_s`` / ``slope_deg`` fix the condition (evaluation mode). Without
        ``training`` it is the task a walker is judged on: a training stage's reward and early termination
        (imitation) are left out, what the policy observes is kept."""
        changes: dict[str, Any] = {}
        if speed_m_s is not None or slope_deg is not None:
            changes.update(fixed_speed_m_s=speed_m_s if speed_m_s is not None else 1.2,
                           fixed_slope_deg=slope_deg if slope_deg is not None else 0.0)
        if episode_steps is not None:
            changes["episode_steps"] = episode_steps
        try:
            config = WalkConfig.model_validate({**self.env.model_dump(), **changes})
        except ValidationError as exc:
            first = exc.errors()[0]
            raise ParameterError(".".join(map(str, first["loc"])), first["msg"]) from None
        return make_walk_env(self.controller, basis=self.basis, mirroring=self.mirrored, config=config,
                             training=training)
