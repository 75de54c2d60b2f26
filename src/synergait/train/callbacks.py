"""Training-schedule callbacks (Stable-Baselines3 ``BaseCallback``), one concern each, composed by the trainer.

Both read the run's step count only, so a resumed run continues their schedules where the checkpoint left them.
"""

from __future__ import annotations

import torch
from stable_baselines3 import PPO, SAC
from stable_baselines3.common.base_class import BaseAlgorithm
from stable_baselines3.common.callbacks import BaseCallback

from synergait.env.config import ImitationConfig


class ImitationFade(BaseCallback):
    """Sets the imitation stage's fade ``f = imitation.fraction(step)`` in every training environment before each
    rollout: the imitation terms and early termination fade out as the run goes on."""

    def __init__(self, imitation: ImitationConfig) -> None:
        super().__init__()
        self.imitation = imitation

    def _apply(self) -> None:
        fraction = self.imitation.fraction(self.num_timesteps)
        self.training_env.env_method("set_wrapper_attr", "imitation_fraction", fraction)
        self.logger.record("train/imitation_fraction", fraction)

    def _on_training_start(self) -> None:
        self._apply()

    def _on_rollout_start(self) -> None:
        self._apply()

    def _on_step(self) -> bool:
        return True


def actor_parameters(model: BaseAlgorithm) -> list[torch.nn.Parameter]:
    """The parameters that shape the policy's actions (not the value function or Q networks)."""
    policy = model.policy
    if isinstance(model, PPO):
        modules = [policy.mlp_extractor.policy_net, policy.action_net]
        return [p for m in modules for p in m.parameters()] + [policy.log_std]
    if isinstance(model, SAC):
        return list(policy.actor.parameters())
    raise TypeError(f"no actor parameters known for {type(model).__name__}")


class CriticWarmup(BaseCallback):
    """Freezes the policy for the first ``steps`` training steps so that only the value function learns."""

    def __init__(self, steps: int) -> None:
        super().__init__()
        self.steps = steps

    def _freeze(self) -> None:
        learning = self.num_timesteps >= self.steps
        for parameter in actor_parameters(self.model):
            parameter.requires_grad_(learning)
            if not learning:
                parameter.grad = None
        self.logger.record("train/policy_frozen", float(not learning))

    def _on_training_start(self) -> None:
        self._freeze()

    def _on_rollout_end(self) -> None:  # before the update that follows the rollout
        self._freeze()

    def _on_step(self) -> bool:
        return True
