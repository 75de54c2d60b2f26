"""`Walker`: anything that maps observations to actions in a declared environment, and the one episode loop."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import gymnasium as gym
import numpy as np

from synergait.model.catalog import FORWARD
from synergait.walker.spec import EnvSpec


class Walker(ABC):
    """A controller of the walking environment described by ``spec``.

    Subclasses implement :meth:`act` (and :meth:`reset` when they keep state between steps, e.g. a reflex
    controller's delays). ``name`` says where the walker came from; ``meta`` is its provenance (training steps,
    CPU-hours, seed, recipe).
    """

    def __init__(self, name: str, spec: EnvSpec, meta: dict[str, Any] | None = None) -> None:
        self.name, self.spec, self.meta = name, spec, dict(meta or {})

    @property
    def controller(self) -> str:
        return self.spec.controller

    @abstractmethod
    def act(self, observation: np.ndarray) -> np.ndarray:
        """The action for one observation of the walker's environment (deterministic for trained policies)."""

    def reset(self) -> None:  # noqa: B027 - stateless walkers have nothing to reset
        """Forget any state kept from the previous episode."""

    def make_env(self, *, speed_m_s: float | None = None, slope_deg: float | None = None,
                 episode_steps: int | None = None) -> gym.Env:
        """The environment the walker is judged in (see :meth:`EnvSpec.make_env`)."""
        return self.spec.make_env(speed_m_s=speed_m_s, slope_deg=slope_deg, episode_steps=episode_steps)


@dataclass
class Episode:
    """What happened in one episode.

    Attributes:
        steps: control steps taken. termination: why it ended early (``info["termination"]``), None when it
        reached its step limit or was stopped. distance_m: centre-of-mass travel along the walking axis.
        duration_s: simulated time. reward_terms: mean of each reward term over the steps. heel_strikes: gait
        steps (heel strikes of either foot ahead of the other), the landing from the start pose included.
    """

    steps: int
    termination: str | None
    distance_m: float
    duration_s: float
    reward_terms: dict[str, float] = field(default_factory=dict)
    heel_strikes: int = 0

    @property
    def fell(self) -> bool:
        return self.termination is not None

    @property
    def speed_m_s(self) -> float:
        return self.distance_m / self.duration_s if self.duration_s > 0 else 0.0


#: Reward terms averaged into :attr:`Episode.reward_terms` when the environment reports them.
REWARD_TERMS = ("total", "vel", "effort", "rom", "fall")


def run_episode(walker: Walker, env: gym.Env, *, seed: int | None = None,
                on_step: Callable[[dict[str, Any]], bool | None] | None = None) -> Episode:
    """Run ``walker`` in ``env`` (built by ``walker.make_env``) from a reset with ``seed`` until the episode ends.

    ``on_step(info)`` is called after every step with the step's ``info`` (the body is in the new state);
    returning False stops the episode there (``termination`` None).
    """
    walker.reset()
    observation, _ = env.reset(seed=seed)
    walk = env.unwrapped
    body = walk.body
    start = float(body.com_position() @ FORWARD)
    steps, strikes, termination, sums = 0, 0, None, dict.fromkeys(REWARD_TERMS, 0.0)
    while True:
        observation, _, terminated, truncated, info = env.step(walker.act(observation))
        steps += 1
        strikes += info.get("heel_strike") is not None
        for key in REWARD_TERMS:
            sums[key] += float(info.get(key, 0.0))
        if terminated:
            termination = info.get("termination", "terminated")
        stop = on_step is not None and on_step(info) is False
        if terminated or truncated or stop:
            break
    return Episode(steps, termination, float(body.com_position() @ FORWARD) - start, steps * walk.control_period_s,
                   {key: value / steps for key, value in sums.items()}, strikes)
