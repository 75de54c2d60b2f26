"""Training throughput: environment steps per second while learning, per preset and algorithm.

Measured in one run on the real walker: the ``paper`` preset (SAC, 512-512-256 networks, one gradient step per
env step), Stable-Baselines3's stock SAC defaults as the reference (256-256 networks), and the ``imitation`` preset
(PPO). SAC is timed after ``learning_starts`` so that every step includes its gradient update.
"""

from __future__ import annotations

import time
import warnings
from typing import Any

import torch

from synergait.train.config import SACConfig, TrainConfig
from synergait.train.trainer import make_algorithm, make_vec_env


def _rate(config: TrainConfig, warmup: int, steps: int) -> float:
    torch.set_num_threads(config.torch_threads)
    envs = make_vec_env(config)
    model = make_algorithm(config, envs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.learn(total_timesteps=warmup)
        start = time.perf_counter()
        model.learn(total_timesteps=steps, reset_num_timesteps=False)
    rate = (model.num_timesteps - warmup) / (time.perf_counter() - start)
    envs.close()
    return rate


def _warmup(config: TrainConfig) -> int:
    """Steps before the measured ones: SAC's random-action start, one PPO rollout."""
    algorithm = config.algorithm
    return algorithm.learning_starts + 1 if isinstance(algorithm, SACConfig) else algorithm.n_steps * config.n_envs


def measure_train_throughput(sac_steps: int = 300, ppo_steps: int = 4096, seed: int = 0) -> dict[str, Any]:
    configs = {
        "paper_sac": TrainConfig.preset("paper", seed=seed, learning_starts=200, buffer_size=50_000),
        "sb3_default_sac": TrainConfig.preset("paper", seed=seed, learning_starts=200, buffer_size=50_000,
                                              net_arch=[256, 256], learning_rate=3e-4, lr_schedule="constant"),
        "imitation_ppo": TrainConfig.preset("imitation", seed=seed),
    }
    rates = {name: _rate(config, _warmup(config), sac_steps if config.algo == "sac" else ppo_steps)
             for name, config in configs.items()}
    result: dict[str, Any] = {"torch_threads": 1, "device": "cpu"}
    for name, rate in rates.items():
        result[f"{name}_steps_per_s"] = rate
        result[f"{name}_hours_per_1M"] = 1e6 / rate / 3600
        result[f"{name}_hours_per_75M"] = 75e6 / rate / 3600
    result["ratio_paper_to_sb3_default"] = rates["paper_sac"] / rates["sb3_default_sac"]
    result["ratio_imitation_ppo_to_paper_sac"] = rates["imitation_ppo"] / rates["paper_sac"]
    return result
