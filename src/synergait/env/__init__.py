"""Env stage: the muscle-driven walking environment (Gymnasium) and its action representations.

Registered ids: ``synergait/Walk-v0`` (independent muscles; kwargs of :func:`make_walk_env`) and
``synergait/WalkSynergy-v0`` (synergy controller with phase mirroring).
"""

from __future__ import annotations

import gymnasium as gym

from synergait.env.config import ActionConfig, ImitationConfig, RewardConfig, WalkConfig
from synergait.env.factory import make_walk_env
from synergait.env.imitation import GaitClock, GaitReference, ImitationReward
from synergait.env.walk import WalkEnv
from synergait.env.wrappers import FeedForward, PhaseMirroring, ResidualAction, SynergyAction

__all__ = ["ActionConfig", "FeedForward", "GaitClock", "GaitReference", "ImitationConfig", "ImitationReward",
           "PhaseMirroring", "ResidualAction", "RewardConfig", "SynergyAction", "WalkConfig", "WalkEnv",
           "make_walk_env"]

if "synergait/Walk-v0" not in gym.registry:
    gym.register("synergait/Walk-v0", entry_point="synergait.env.factory:make_walk_env",
                 kwargs={"controller": "independent"})
    gym.register("synergait/WalkSynergy-v0", entry_point="synergait.env.factory:make_walk_env",
                 kwargs={"controller": "synergy"})
