"""Assemble a walker: the base environment plus the wrappers of a controller."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import gymnasium as gym
import numpy as np

from synergait.env.config import ActionConfig, StrideScaling, WalkConfig
from synergait.env.imitation import GaitClock, GaitReference, ImitationReward
from synergait.env.walk import WalkEnv
from synergait.env.wrappers import FeedForward, PhaseMirroring, ResidualAction, SynergyAction
from synergait.errors import ParameterError
from synergait.model.pose import load_pose_library
from synergait.synergy.basis import SynergyBasis, default_basis
from synergait.synergy.pattern import GaitPattern

Controller = Literal["independent", "synergy"]


def make_walk_env(controller: Controller = "synergy", *, basis: SynergyBasis | str | Path | None = None,
                  left_basis: SynergyBasis | str | Path | None = None, mirroring: bool | None = None,
                  config: WalkConfig | None = None, training: bool = True) -> gym.Env:
    """A walking environment for ``controller``.

    Args:
        controller: ``"independent"`` (one action per muscle) or ``"synergy"`` (k per leg + trunk muscles).
        basis: right-leg SynergyBasis (or a file); the left leg uses its mirror. Default: the shipped basis.
        left_basis: a different basis for the left leg (e.g. an impaired leg); its muscle names may be either
            side's (right names are mirrored). Phase mirroring then needs equal k on both legs.
        mirroring: phase-based mirroring; default on for the synergy controller, off for the independent one.
        config: environment configuration (default: the paper's).
        training: with ``config.imitation``, the imitation reward and early termination (training); without,
            only the gait clock the policy observes (the task a walker is judged on).
    """
    if controller not in ("independent", "synergy"):
        raise ParameterError("controller", f"must be 'independent' or 'synergy', got '{controller}'")
    config = config or WalkConfig()
    walk = WalkEnv(config)
    env: gym.Env = walk
    if controller == "synergy":
        if basis is None:
            basis = default_basis()
        elif not isinstance(basis, SynergyBasis):
            basis = SynergyBasis.load(basis)
        left = None
        if left_basis is not None:
            left = left_basis if isinstance(left_basis, SynergyBasis) else SynergyBasis.load(left_basis)
            if left.muscles[0].endswith("_r"):
                left = left.mirrored()
        env = SynergyAction(env, basis, left, ceiling=config.action.synergy_ceiling)
    if config.action.residual:
        env = _residual(env, walk, config.action, config.stride_scaling)
    if config.imitation is not None or config.gait_clock:
        source = config.imitation.reference if config.imitation is not None else None
        reference = (GaitReference.default(walk.body) if source is None else
                     GaitReference.from_poses(walk.body, load_pose_library(source), source))
        env = GaitClock(env, reference.stride_s, config.stride_scaling)
        if training and config.imitation is not None:
            pattern = GaitPattern.load(config.action.pattern) if config.imitation.w_activation else None
            env = ImitationReward(env, reference, config.imitation, config.stride_scaling, pattern)
    if mirroring if mirroring is not None else controller == "synergy":
        env = PhaseMirroring(env)
    return env


def _residual(env: gym.Env, walk: WalkEnv, action: ActionConfig, scaling: StrideScaling | None) -> ResidualAction:
    """The residual action, over the human gait pattern read through the controller's action layout when
    ``action.feed_forward``."""
    if action.feed_forward:
        pattern = GaitPattern.load(action.pattern)
        if not pattern.muscles[0].endswith("_r"):
            raise ParameterError("action.pattern", f"{action.pattern}: a gait pattern of the right leg is expected")
        if isinstance(env, SynergyAction):
            patterns = (pattern.synergy_activations(env.right_basis),
                        pattern.synergy_activations(env.left_basis.mirrored()))
            slots = (np.arange(env.k_right), env.k_right + np.arange(env.k_left))
        else:
            patterns = (pattern.activations, pattern.activations)
            slots = walk.body.leg_muscle_indices(pattern.muscles)
        env = FeedForward(env, patterns, slots, pattern.stride_s, scaling)
    return ResidualAction(env, scale=action.residual_scale, baseline=action.baseline_excitation,
                          start_active=action.start_active)
