"""Starting a run from a walker: its policy network and observation normaliser become the run's first policy.

Fine-tuning (e.g. an imitation walker on the paper's reward) needs the new run to act exactly as the walker does
at step 0. The walker's directory holds only plain arrays (:mod:`synergait.walker.policy`), so a shipped walker
can start a run on a fresh install; what it lacks is a value function, which the run learns anew
(``critic_warmup_steps`` lets it do so before the policy moves).
"""

from __future__ import annotations

import numpy as np
import torch
from stable_baselines3.common.base_class import BaseAlgorithm
from stable_baselines3.common.vec_env import VecEnv, VecNormalize

from synergait.errors import ParameterError
from synergait.synergy.basis import SynergyBasis, default_basis
from synergait.train.config import TrainConfig
from synergait.train.export import action_network
from synergait.walker.policy import MlpWalker, load_walker

#: Observation components whose variance in the walker's training stayed below this were constant there (the
#: target speed of a walker trained at one speed; the zeroed global translation): their normalised value was 0,
#: and with the walker's variance any change (a new target speed) would reach the clip (+/-10).
CONSTANT_VARIANCE = 1e-9

#: Observation count the running normaliser credits the walker's statistics with, so that the first rollouts of
#: the new run nudge them instead of replacing them (SB3's running mean starts from a count of 1e-4).
NORMALISER_PRIOR_COUNT = 1e6


def starting_walker(config: TrainConfig) -> MlpWalker:
    """The walker named by ``config.init_policy``, checked to act in the run's environment and, if it walks on the
    task alone, not to be given the imitation back."""
    source = config.init_policy
    walker = load_walker(source)  # type: ignore[arg-type]
    if not isinstance(walker, MlpWalker):
        raise ParameterError("init_policy", f"'{source}' is a baseline walker, not a trained policy")
    spec, own = walker.spec, config.spec
    for what, theirs, ours in (("controller", spec.controller, own.controller),
                               ("mirroring", spec.mirrored, own.mirrored),
                               ("env.action", spec.env.action, own.env.action)):
        if theirs != ours:
            raise ParameterError("init_policy", f"'{source}' acts with {what} {_short(theirs)}, this run with "
                                                f"{_short(ours)}: its actions would mean something else here")
    if own.controller == "synergy" and not _same_basis(spec.basis, own.basis):
        raise ParameterError("init_policy", f"'{source}' acts through the basis {spec.basis or 'shipped'}, this run "
                                            f"through {own.basis or 'the shipped one'}: pass the walker's --basis")
    expected = "clip" if config.algo == "ppo" else "tanh"
    if walker.network.output != expected or walker.network.activation != "relu":
        raise ParameterError("init_policy", f"'{source}' is a {walker.network.activation} network with "
                                            f"{walker.network.output} output; a {config.algo.upper()} run needs "
                                            f"relu with {expected} output")
    imitation, faded_by = config.env.imitation, _imitation_faded_by(walker)
    if faded_by is not None and imitation is not None and imitation.fraction(1) > 0:
        span = ("the whole run" if imitation.fade_steps is None
                else f"{imitation.fade_after_steps + imitation.fade_steps} steps")
        raise ParameterError("env.imitation.fade_steps", f"'{source}' walks on the task alone (its imitation faded "
                                                         f"out by step {faded_by} of its run); this run would bring "
                                                         f"the imitation's reward and early termination back for "
                                                         f"{span}: set it to 1")
    return walker


def _imitation_faded_by(walker: MlpWalker) -> int | None:
    """The step of its run by which ``walker``'s imitation had faded out, where its spec and provenance tell."""
    imitation, step = walker.spec.env.imitation, walker.meta.get("policy_step")
    if imitation is None or step is None or imitation.fraction(step) > 0:
        return None
    return int(step)


def _same_basis(first: str | None, second: str | None) -> bool:
    """Whether two basis files (None: the shipped basis) hold the same basis: compared by content, since the same
    basis may be named by different paths (a walker carries its own copy)."""
    a, b = (SynergyBasis.load(path) if path is not None else default_basis() for path in (first, second))
    return a.muscles == b.muscles and np.array_equal(a.weights, b.weights)


def _short(value: object) -> str:
    return str(value.model_dump() if hasattr(value, "model_dump") else value)


def start_from(model: BaseAlgorithm, envs: VecEnv, walker: MlpWalker) -> None:
    """Copy ``walker``'s action network into ``model``'s policy and its observation statistics into ``envs``.

    An observation component that was constant in the walker's training (variance below
    :data:`CONSTANT_VARIANCE`) gets variance 1 (its raw units) and zero weights into the first layer: the run
    starts acting exactly as the walker at any value of it, and learns to use it where the new task varies it.

    Raises ParameterError when the layer sizes, observation or action counts or normalisation differ."""
    layers, _, _ = action_network(model)
    theirs = [tuple(w.shape) for w, _ in walker.layers]
    ours = [tuple(layer.weight.shape) for layer in layers]
    if theirs != ours:
        raise ParameterError("init_policy", f"'{walker.name}' has layers {theirs} (out, in); this run's network "
                                            f"{ours}: set net_arch to the walker's hidden sizes")
    normalises = isinstance(envs, VecNormalize) and envs.norm_obs
    if walker.network.normalize_observations != normalises:
        raise ParameterError("init_policy", f"'{walker.name}' normalises its observations: "
                                            f"{walker.network.normalize_observations}, this run: {normalises}; "
                                            "set normalize_observations to match")
    constant = np.asarray(walker.obs_var) < CONSTANT_VARIANCE if normalises else np.zeros(ours[0][1], dtype=bool)
    with torch.no_grad():
        for layer, (weight, bias) in zip(layers, walker.layers, strict=True):
            layer.weight.copy_(torch.as_tensor(weight, dtype=layer.weight.dtype))
            layer.bias.copy_(torch.as_tensor(bias, dtype=layer.bias.dtype))
        layers[0].weight[:, torch.as_tensor(constant)] = 0.0
    if normalises:
        assert isinstance(envs, VecNormalize)
        envs.obs_rms.mean = np.asarray(walker.obs_mean, dtype=np.float64).copy()
        envs.obs_rms.var = np.where(constant, 1.0, np.asarray(walker.obs_var, dtype=np.float64))
        envs.obs_rms.count = NORMALISER_PRIOR_COUNT
        envs.clip_obs, envs.epsilon = walker.network.clip_observation, walker.network.epsilon
