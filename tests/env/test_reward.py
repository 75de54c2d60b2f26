from __future__ import annotations

import math

import numpy as np
import pytest

from synergait.env.config import PAPER_SPEED_CURRICULUM, RewardConfig
from synergait.env.reward import walk_reward


def test_hand_computed_reward() -> None:
    config = RewardConfig(w_vel=2.0, w_effort=-0.5, w_rom=-3.0, w_fall=-7.0)
    terms = walk_reward(forward_velocity=1.35, target_speed=1.2, lateral_velocity=0.05,
                        head_angular_velocity=np.array([0.3, -0.2, 0.7]), activations=np.array([0.5, 0.1, 0.0]),
                        knee_angles=np.array([-0.1, 0.4]), lumbar_extension=math.radians(15.0), fell=True,
                        config=config)
    # R_AP: |1.35 - 1.2| = 0.15 > delta 0.05 -> exp(-0.06 * 0.10^2 / 0.07^2)
    assert terms.ap == pytest.approx(math.exp(-0.06 * 0.01 / 0.0049))
    assert terms.ml == pytest.approx(math.exp(-0.06 * 0.0025 / 0.01))
    assert terms.head == pytest.approx(math.exp(-0.06 * (0.09 / 0.36 + 0.04 / 0.4225 + 0.49 / 1.96)))
    assert terms.vel == pytest.approx(terms.ap * terms.ml * terms.head)
    assert terms.effort == pytest.approx(0.26)
    assert terms.rom == pytest.approx(0.1 + math.radians(5.0))  # knee hyperextension 0.1 rad + lumbar 5 deg over
    assert terms.fall == 1.0
    assert terms.total == pytest.approx(2.0 * terms.vel - 0.5 * 0.26 - 3.0 * terms.rom - 7.0)
    assert terms.quality == 0.0  # quality conditioning is off unless asked for


def test_plateau_and_lumbar_lower_bound() -> None:
    config = RewardConfig()
    terms = walk_reward(forward_velocity=1.24, target_speed=1.2, lateral_velocity=0.0,
                        head_angular_velocity=np.zeros(3), activations=np.zeros(4), knee_angles=np.array([0.2, 0.3]),
                        lumbar_extension=math.radians(-25.0), fell=False, config=config)
    assert terms.ap == 1.0 and terms.ml == 1.0 and terms.head == 1.0
    assert terms.rom == pytest.approx(math.radians(5.0))
    assert terms.total == pytest.approx(config.w_vel + config.w_rom * math.radians(5.0))


def test_paper_curriculum() -> None:
    assert PAPER_SPEED_CURRICULUM[:3] == (0.7, 0.8, 0.9)
    assert PAPER_SPEED_CURRICULUM[9:11] == (1.6, 1.6)
    assert PAPER_SPEED_CURRICULUM[-1] == 0.7 and len(PAPER_SPEED_CURRICULUM) == 20


def test_retired_options_load_when_off_and_are_refused_when_on() -> None:
    from pydantic import ValidationError

    from synergait.env.config import WalkConfig

    old = {"speed_ramp_episodes": 0, "speed_ramp_start_m_s": 0.0, "heel_strike_foot_ahead": True,
           "slope_speed_m_s": None, "step_shaping": None, "assist": {"initial_level": 0.0, "window": 10},
           "reward": {"w_step": 0.0, "step_length_cap_m": 0.8},
           "action": {"observe_phase": False, "contralateral_phase_percent": None}}
    assert WalkConfig.model_validate(old) == WalkConfig()
    for on in ({"assist": {"initial_level": 1.0}}, {"reward": {"w_step": 10.0}}, {"speed_ramp_episodes": 100},
               {"slope_speed_m_s": 1.2}, {"step_shaping": {"weight": 5.0}}):
        with pytest.raises(ValidationError, match="was removed"):
            WalkConfig.model_validate(on)
