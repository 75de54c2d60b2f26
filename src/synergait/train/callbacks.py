"""Training-schedule callbacks (Stable-Baselines3 ``BaseCallback``), one concern each, composed by the trainer.

The fade and the warm-up read the run's step count only, so a resumed run continues them where its checkpoint
left them; the adaptive learning rate starts again from the configured rate and re-adapts within a few updates.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
from stable_baselines3 import PPO, SAC
from stable_baselines3.common.base_class import BaseAlgorithm
from stable_baselines3.common.callbacks import BaseCallback

from synergait.errors import ParameterError
from synergait.walker.policy import MlpWalker


class EnvSchedule(BaseCallback):
    """Sets the attribute ``name`` of every training environment (through its wrappers) to ``fraction(step)``
    before each rollout, e.g. the imitation fade (``imitation_fraction``, the terms and early termination fading
    out) or the conditions' widening (``condition_spread``)."""

    def __init__(self, name: str, fraction: Callable[[int], float]) -> None:
        super().__init__()
        self.name, self.fraction = name, fraction

    def _apply(self) -> None:
        value = self.fraction(self.num_timesteps)
        self.training_env.env_method("set_wrapper_attr", self.name, value)
        self.logger.record(f"train/{self.name}", value)

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


class AdaptiveRate:
    """A learning-rate schedule whose value a callback sets (picklable, so that SB3 can save it with the model)."""

    def __init__(self, value: float) -> None:
        self.value = value

    def __call__(self, progress_remaining: float) -> float:
        return self.value


class AdaptiveLearningRate(BaseCallback):
    """Keeps PPO's updates near a target size: after an update whose approximate KL divergence (SB3's
    ``train/approx_kl``) exceeded twice ``target_kl`` the learning rate is divided by 1.5, after one below half of
    it multiplied by 1.5, within [``rate`` / 1000, ``rate`` * 10] (the adaptive step size of Rudin et al. 2022,
    after Schulman et al. 2017's adaptive KL penalty).

    With many action dimensions and a shrinking policy noise a fixed rate lets each update's KL grow by orders of
    magnitude over a run (docs/walking-recipe.md, section 3).
    """

    def __init__(self, rate: float, target_kl: float) -> None:
        super().__init__()
        self.rate, self.target_kl = rate, target_kl
        self.schedule = AdaptiveRate(rate)

    def _on_training_start(self) -> None:
        self.model.lr_schedule = self.schedule

    def _on_rollout_start(self) -> None:  # after the previous update, whose KL the logger still holds
        kl = self.model.logger.name_to_value.get("train/approx_kl")
        if not kl:  # no update yet, or a frozen policy (critic warm-up): nothing to adapt to
            return
        if kl > 2.0 * self.target_kl:
            self.schedule.value = max(self.schedule.value / 1.5, self.rate / 1000.0)
        elif kl < 0.5 * self.target_kl:
            self.schedule.value = min(self.schedule.value * 1.5, self.rate * 10.0)
        self.logger.record("train/adapted_learning_rate", self.schedule.value)

    def _on_step(self) -> bool:
        return True


class _PolicyGradientTerm(BaseCallback):
    """Adds a term's gradient to a PPO policy's at every gradient step of the update: ``coef(step) * term`` on
    ``batch_size`` observations drawn from the rollout the update learns from, by an optimiser pre-step hook after
    PPO's gradient clipping, so that SB3's update itself is unchanged."""

    #: Logged as ``train/<name>``; the configuration's parameter that turns the term on.
    name = parameter = "term"

    def __init__(self, coef: float, batch_size: int, fade_steps: int | None = None) -> None:
        super().__init__()
        self.coef, self.batch_size, self.fade_steps = coef, batch_size, fade_steps
        self._random = np.random.default_rng(0)

    def coefficient(self, step: int) -> float:
        """``coef``, fading linearly to 0 over ``fade_steps`` (None: constant)."""
        if self.fade_steps is None:
            return self.coef
        return self.coef * max(0.0, 1.0 - step / self.fade_steps)

    def term(self, observations: np.ndarray, mean: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
        """The penalty (a scalar tensor) for the policy's action means and noise on ``observations``."""
        raise NotImplementedError

    def _on_training_start(self) -> None:
        if not isinstance(self.model, PPO):
            raise ParameterError(self.parameter, "this term is added to PPO updates only")
        self._hook = self.model.policy.optimizer.register_step_pre_hook(self._add_gradient)

    def _on_training_end(self) -> None:
        self._hook.remove()

    def _add_gradient(self, optimizer: torch.optim.Optimizer, args: object, kwargs: object) -> None:
        coef = self.coefficient(self.num_timesteps)
        parameters = [p for p in actor_parameters(self.model) if p.requires_grad]
        if coef == 0.0 or not parameters:  # also while a critic warm-up freezes the policy
            return
        buffer = self.model.rollout_buffer
        observations = buffer.observations.reshape(-1, buffer.observations.shape[-1])
        observations = observations[self._random.integers(len(observations), size=self.batch_size)]
        distribution = self.model.policy.get_distribution(torch.as_tensor(observations, device=self.model.device))
        term = self.term(observations, distribution.distribution.mean, distribution.distribution.stddev)
        gradients = torch.autograd.grad(coef * term, parameters, allow_unused=True)
        for parameter, gradient in zip(parameters, gradients, strict=True):
            if gradient is not None:
                parameter.grad = gradient if parameter.grad is None else parameter.grad + gradient
        self.logger.record_mean(f"train/{self.name}", term.item())
        self.logger.record(f"train/{self.name}_coef", coef)

    def _on_step(self) -> bool:
        return True


class PolicyAnchor(_PolicyGradientTerm):
    """Keeps a PPO policy near the walker it started from: ``mean_s sum_i (mu_i(s) - mu0_i(s))^2 / (2 sigma_i^2)``,
    the KL divergence of the policy's action distribution from the starting walker's (its actions ``mu0`` with the
    policy's own noise ``sigma``, held fixed so the penalty cannot be paid by widening the noise). ``coef`` fades
    linearly to 0 over ``fade_steps`` (None: constant)."""

    name, parameter = "anchor_kl", "policy_anchor"

    def __init__(self, walker: MlpWalker, coef: float, fade_steps: int | None, batch_size: int) -> None:
        super().__init__(coef, batch_size, fade_steps)
        self.walker = walker

    def walker_actions(self, observations: np.ndarray) -> torch.Tensor:
        """The starting walker's actions, shape ``(n, n_actions)``, for observations as the policy sees them
        (normalised by the run's statistics)."""
        envs = self.model.get_vec_normalize_env()
        raw = envs.unnormalize_obs(observations) if envs is not None and envs.norm_obs else observations
        return torch.as_tensor(np.stack([self.walker.act(o) for o in raw]))

    def term(self, observations: np.ndarray, mean: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
        target = self.walker_actions(observations).to(mean)
        return ((mean - target) ** 2 / (2.0 * sigma.detach() ** 2)).sum(dim=-1).mean()


class ActionBoundPenalty(_PolicyGradientTerm):
    """Keeps a PPO policy's action means inside the action space: ``mean_s sum_i relu(mu_i - high_i)^2 +
    relu(low_i - mu_i)^2``. The environment clips actions to their bounds, so a mean beyond one acts as the bound
    itself and no reward moves it back: imitation walkers end with 30-49 % of their means there and every reward
    term, the effort's above all, loses its gradient on them. Set it from the start of a run: the means never leave
    the bounds and the walker learns as fast; added to a walker that already relies on clipped actions it breaks
    its gait (docs/walking-recipe.md, section 3). The soft bound of Makoviychuk et al. 2021 (Isaac Gym's PPO).
    """

    name = parameter = "action_bound_penalty"

    def _on_training_start(self) -> None:
        super()._on_training_start()
        space = self.model.action_space
        self._low = torch.as_tensor(space.low, dtype=torch.float32, device=self.model.device)
        self._high = torch.as_tensor(space.high, dtype=torch.float32, device=self.model.device)

    def term(self, observations: np.ndarray, mean: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
        above, below = torch.relu(mean - self._high), torch.relu(self._low - mean)
        return (above**2 + below**2).sum(dim=-1).mean()
