"""Action representations as Gymnasium wrappers, one concern each.

* :class:`SynergyAction`: ``k`` synergy activations per leg plus one excitation per trunk muscle; each leg's
  excitations are ``clip(w @ H, 0, 1)``. Action layout: ``[w_right (k_r), w_left (k_l), trunk (n_trunk)]``.
* :class:`FeedForward`: each leg's human gait pattern at its gait-cycle phase (the legs' clocks run from their
  heel strikes): the baseline below a residual action.
* :class:`ResidualAction`: the action is an offset in [-1, 1] from a baseline command (constant, or the
  feed-forward beneath it): a CPU-training lever, not in the paper.
* :class:`PhaseMirroring` (Abdolhosseini et al. 2019): at each heel strike the roles of the legs swap, so the
  policy always acts in a "leading leg = right" frame. While the left leg leads, observations are mirrored
  before the policy sees them and actions are mirrored before the body receives them.

The independent controller is the bare :class:`~synergait.env.walk.WalkEnv` (one excitation per muscle).
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

from synergait.env.config import StrideScaling
from synergait.env.walk import WalkEnv
from synergait.synergy.basis import SynergyBasis
from synergait.synergy.pattern import interpolate_cycle


def muscle_excitations(env: gym.Env, command: np.ndarray) -> np.ndarray:
    """The muscle excitations ``command``, an action of ``env``, becomes through the action wrappers in its chain."""
    while isinstance(env, gym.Wrapper):
        if isinstance(env, gym.ActionWrapper):
            command = env.action(command)
        env = env.env
    return command


class SynergyAction(gym.ActionWrapper):
    """Act in synergy space: one basis per leg, trunk muscles independent.

    Synergy activations live in [0, ``ceiling``], trunk excitations in [0, 1]; muscle excitations are clipped to
    [0, 1]. A basis's synergies peak at 1, so with a ceiling of 1 a muscle that shares its activity among
    synergies cannot be fully excited (in the shipped basis the vasti reach 0.35-0.43 with every synergy at 1).
    """

    def __init__(self, env: gym.Env, right: SynergyBasis, left: SynergyBasis | None = None, *,
                 ceiling: float = 1.0) -> None:
        super().__init__(env)
        walk: WalkEnv = env.unwrapped  # type: ignore[assignment]
        left = left or right.mirrored()
        self.right_basis, self.left_basis = right, left
        body = walk.body
        self._right_index = body.muscle_indices(right.muscles)
        self._left_index = body.muscle_indices(left.muscles)
        covered = set(right.muscles) | set(left.muscles)
        self._trunk_index = np.array([i for i, n in enumerate(walk.muscle_names) if n not in covered], dtype=np.int64)
        self.k_right, self.k_left = right.n_synergies, left.n_synergies
        self.n_trunk = self._trunk_index.size
        n = self.k_right + self.k_left + self.n_trunk
        high = np.concatenate([np.full(self.k_right + self.k_left, ceiling), np.ones(self.n_trunk)])
        self.action_space = gym.spaces.Box(0.0, high.astype(np.float32), dtype=np.float32)
        # One (n_actions x n_muscles) map: H_right, H_left and identity for the trunk in their muscles' columns.
        self._to_muscles = np.zeros((n, walk.n_muscles))
        self._to_muscles[np.ix_(np.arange(self.k_right), self._right_index)] = right.weights
        self._to_muscles[np.ix_(self.k_right + np.arange(self.k_left), self._left_index)] = left.weights
        self._to_muscles[self.k_right + self.k_left + np.arange(self.n_trunk), self._trunk_index] = 1.0
        # Mirror map of the synergy action: swap the legs' weights (requires equal k) and pair trunk muscles.
        trunk_names = [walk.muscle_names[i] for i in self._trunk_index]
        trunk_mirror = walk.body.muscle_mirror[self._trunk_index]
        position = {m: i for i, m in enumerate(self._trunk_index)}
        self._mirror_perm = None
        if self.k_right == self.k_left and all(m in position for m in trunk_mirror):
            k = self.k_right
            self._mirror_perm = np.concatenate([np.arange(k, 2 * k), np.arange(k),
                                                2 * k + np.array([position[m] for m in trunk_mirror])])
        self.trunk_muscles = tuple(trunk_names)

    def action(self, action: np.ndarray) -> np.ndarray:
        """Muscle excitations ``clip(w @ H, 0, 1)`` per leg and the trunk excitations, in model order."""
        weights = np.clip(action, 0.0, self.action_space.high)
        return np.clip(weights @ self._to_muscles, 0.0, 1.0)

    def command_for(self, excitations: np.ndarray) -> np.ndarray:
        """The command nearest to muscle ``excitations`` (model order): each leg's synergy activations by bounded
        least squares on its basis (in [0, ceiling]), the trunk excitations as they are."""
        ceiling = float(self.action_space.high[0])
        return np.concatenate([self.right_basis.activations_for(excitations[self._right_index], ceiling)[0],
                               self.left_basis.activations_for(excitations[self._left_index], ceiling)[0],
                               excitations[self._trunk_index]])

    def mirror_action(self, action: np.ndarray) -> np.ndarray:
        if self._mirror_perm is None:
            raise ValueError("mirroring needs the same number of synergies on both legs and paired trunk muscles")
        return action[..., self._mirror_perm]


class FeedForward(gym.Wrapper):
    """A human gait pattern played at each leg's gait-cycle phase: the baseline a :class:`ResidualAction` above it
    offsets. Actions and observations pass through unchanged; this wrapper only keeps the legs' clocks.

    Args:
        env: an env whose action is a command (:class:`WalkEnv` excitations or :class:`SynergyAction`
            activations).
        leg_patterns: the right and the left leg's command, each of shape ``(101, n)``, at 0, 1, ..., 100 % of
            its gait cycle.
        leg_slots: the action indices of each leg's commands (in the order of its pattern's columns).
        stride_s: the gait cycle's duration, s: a leg's phase is the time since its last heel strike over it
            (held at 100 % when the next heel strike is late), started from ``info["cycle_percent"]`` of reset.
        scaling: the stride's duration follows each episode's target speed (its cadence ratio).
    """

    def __init__(self, env: gym.Env, leg_patterns: tuple[np.ndarray, np.ndarray],
                 leg_slots: tuple[np.ndarray, np.ndarray], stride_s: float,
                 scaling: StrideScaling | None = None) -> None:
        super().__init__(env)
        if any(s.size != p.shape[1] for s, p in zip(leg_slots, leg_patterns, strict=True)):
            raise ValueError("a feed-forward pattern needs each leg's action slots, one per pattern column")
        self._patterns, self._slots, self.stride_s, self.scaling = leg_patterns, leg_slots, stride_s, scaling
        self._period = env.unwrapped.control_period_s / stride_s * 100.0  # % of the cycle per control step
        self.phase_percent = np.zeros(2)  # right, left

    def feed_forward(self, command: np.ndarray) -> np.ndarray:
        """``command`` with each leg's slots replaced by its pattern at the leg's phase now."""
        command = command.copy()
        for slots, pattern, percent in zip(self._slots, self._patterns, self.phase_percent, strict=True):
            command[slots] = interpolate_cycle(pattern, percent)
        return command

    def reset(self, **kwargs: Any) -> tuple[np.ndarray, dict[str, Any]]:
        observation, info = self.env.reset(**kwargs)
        self.phase_percent = np.array(info.get("cycle_percent") or (0.0, 50.0), dtype=float)
        stride_s = (self.stride_s if self.scaling is None
                    else self.scaling.stride_s(self.stride_s, self.env.unwrapped.target_speed))
        self._period = self.env.unwrapped.control_period_s / stride_s * 100.0
        return observation, info

    def step(self, action: np.ndarray) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        observation, reward, terminated, truncated, info = self.env.step(action)
        self.phase_percent = np.minimum(self.phase_percent + self._period, 100.0)
        strike = info.get("heel_strike")
        if strike is not None:
            self.phase_percent[0 if strike == "right" else 1] = 0.0
        return observation, reward, terminated, truncated, info


class ResidualAction(gym.Wrapper):
    """``command = clip(baseline + scale * action, low, high)`` with the action in [-1, 1].

    Wraps an env whose action is a command in [low, high] (its action space; [0, 1] but for raised synergy
    ceilings) and sits below :class:`PhaseMirroring`, so baseline and command are in the body's frame. The
    baseline is ``baseline`` for every command, with the slots of a :class:`FeedForward` directly beneath replaced
    by its pattern.

    Args:
        env: the env to command.
        scale: how far the policy can move the command from the baseline.
        baseline: the constant baseline of every command.
        start_active: at reset, set the muscles' activations to the baseline's excitations (a reference-state
            initialisation of the muscles: a pose from mid-gait otherwise starts with every muscle at rest).
    """

    def __init__(self, env: gym.Env, *, scale: float = 0.5, baseline: float = 0.05,
                 start_active: bool = False) -> None:
        super().__init__(env)
        n = int(np.prod(env.action_space.shape))
        self.action_space = gym.spaces.Box(-1.0, 1.0, (n,), dtype=np.float32)
        self.scale = scale
        self._low, self._high = env.action_space.low, env.action_space.high
        self._baseline = np.full(n, baseline)
        self._feed_forward = env if isinstance(env, FeedForward) else None
        self.start_active = start_active

    def baseline(self) -> np.ndarray:
        """The command a zero action gives now."""
        if self._feed_forward is None:
            return self._baseline
        return self._feed_forward.feed_forward(self._baseline)

    def reset(self, **kwargs: Any) -> tuple[np.ndarray, dict[str, Any]]:
        observation, info = self.env.reset(**kwargs)
        if self.start_active:
            observation = self.env.unwrapped.set_activations(muscle_excitations(self.env, self.baseline()))
        return observation, info

    def command(self, action: np.ndarray) -> np.ndarray:
        """The command ``action`` gives now."""
        return np.clip(self.baseline() + self.scale * np.clip(action, -1.0, 1.0), self._low, self._high)

    def action_for(self, command: np.ndarray) -> np.ndarray:
        """The action in [-1, 1] whose command is nearest ``command`` now."""
        return np.clip((command - self.baseline()) / self.scale, -1.0, 1.0)

    def step(self, action: np.ndarray) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        return self.env.step(self.command(action))


class PhaseMirroring(gym.Wrapper):
    """Swap the legs' roles at every heel strike (observations and actions mirrored consistently).

    ``info["mirrored"]`` tells whether the step was taken in the mirrored frame. An episode starts mirrored when
    its initial pose has the left leg leading (``info["leading_leg"]`` of reset).
    """

    def __init__(self, env: gym.Env) -> None:
        super().__init__(env)
        self._mirror_observation = env.get_wrapper_attr("mirror_observation")
        self._mirror_action = env.get_wrapper_attr("mirror_action")
        self.mirrored = False

    def reset(self, **kwargs: Any) -> tuple[np.ndarray, dict[str, Any]]:
        observation, info = self.env.reset(**kwargs)
        self.mirrored = info.get("leading_leg", "right") == "left"
        if self.mirrored:
            observation = self._mirror_observation(observation)
        return observation, {**info, "mirrored": self.mirrored}

    def step(self, action: np.ndarray) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        if self.mirrored:
            action = self._mirror_action(np.asarray(action))
        observation, reward, terminated, truncated, info = self.env.step(action)
        info["mirrored"] = self.mirrored
        strike = info.get("heel_strike")
        if strike is not None:
            self.mirrored = strike == "left"
        return (self._mirror_observation(observation) if self.mirrored else observation), reward, terminated, \
            truncated, info
