from __future__ import annotations

import math

import gymnasium as gym
import pytest

from synergait.env.config import StepShaping
from synergait.env.shaping import StepLengthReward
from synergait.walker import load_walker


def test_human_steps_shorten_with_the_target_speed_and_the_shaping_fades() -> None:
    shaping = StepShaping(fade_steps=100, fade_after_steps=50)
    assert shaping.target_m(1.2) == pytest.approx(0.655)
    assert shaping.target_m(0.8) == pytest.approx(0.655 * (0.8 / 1.2) ** 0.6)  # 0.51 m, as humans at 95 steps/min
    assert 0.77 < shaping.target_m(1.6) < 0.79
    assert [shaping.fraction(step) for step in (0, 50, 100, 150, 400)] == [1.0, 1.0, 0.5, 0.0, 0.0]
    assert StepShaping().fraction(10**9) == 1.0


def _shaping(env: gym.Env) -> StepLengthReward | None:
    while isinstance(env, gym.Wrapper):
        if isinstance(env, StepLengthReward):
            return env
        env = env.env
    return None


def test_each_heel_strike_off_the_human_step_length_costs_in_training_only() -> None:
    walker = load_walker("synergy-default")
    shaping = StepShaping(weight=4.0, sigma_m=0.05)
    spec = walker.spec.model_copy(update={"env": walker.spec.env.model_copy(update={"step_shaping": shaping})})
    env = spec.make_env(speed_m_s=0.8, training=True)
    paid = []
    observation, _ = env.reset(seed=0)
    for _ in range(120):
        observation, _, terminated, truncated, info = env.step(walker.act(observation))
        if info.get("heel_strike") is not None:
            expected = -4.0 * (1 - math.exp(-0.5 * ((info["step_length_m"] - shaping.target_m(0.8)) / 0.05) ** 2))
            assert info["step_shaping"] == pytest.approx(expected)
            assert 0.3 < info["step_length_m"] < 0.8
            paid.append(info["step_shaping"])
        assert not (terminated or truncated)
    assert len(paid) >= 4 and -4.0 <= min(paid) and max(paid) > -2.0  # it walks 0.8 m/s on near-human steps
    env.set_wrapper_attr("step_shaping_fraction", 0.0)  # as the trainer's schedule sets it
    while True:
        observation, _, _, _, info = env.step(walker.act(observation))
        if info.get("heel_strike") is not None:
            break
    assert "step_shaping" not in info
    assert _shaping(env) is not None
    assert _shaping(spec.make_env(speed_m_s=0.8)) is None  # the task a walker is judged on: the paper's reward
