"""Balance assistance (a training lever): it holds a walker up, fades out with its curriculum, and never reaches
the final task."""

from __future__ import annotations

import numpy as np

from synergait.env import WalkConfig, WalkEnv, make_walk_env
from synergait.env.config import ActionConfig, AssistConfig


def recipe(level: float, **curriculum: float) -> WalkConfig:
    """The cpu recipe's task (feed-forward of the human pattern under a residual action) with assistance."""
    return WalkConfig(fixed_speed_m_s=1.2, fixed_slope_deg=0.0, init_pose="gait_cycle",
                      action=ActionConfig(residual=True, feed_forward=True),
                      assist=AssistConfig(initial_level=level, **curriculum))


def steps_survived(config: WalkConfig, limit: int = 400) -> tuple[int, float, WalkEnv]:
    """Control steps the zero-residual synergy walker lasts, and how far its pelvis went (m)."""
    env = make_walk_env("synergy", config=config)
    walk: WalkEnv = env.unwrapped  # type: ignore[assignment]
    env.reset(seed=0)
    start = walk.body.pelvis_position().copy()
    steps = 0
    while steps < limit:
        steps += 1
        if env.step(np.zeros(env.action_space.shape, dtype=np.float32))[2]:
            break
    return steps, float(np.linalg.norm((walk.body.pelvis_position() - start)[:2])), walk


def test_assistance_holds_the_feed_forward_walker_up() -> None:
    unassisted, _, walk = steps_survived(recipe(0.0))
    assert unassisted < 100  # the human pattern alone, open loop, falls within a stride or two
    assert not walk.body.data.xfrc_applied.any()
    assisted, distance_m, walk = steps_survived(recipe(1.0))
    assert assisted == 400 and distance_m > 5.0  # 10 s upright, carried forward at roughly walking speed
    assert walk.body.data.xfrc_applied[walk.assist._pelvis, 2] > 100.0  # N, holding part of the body weight


def test_curriculum_lowers_the_level_after_long_enough_episodes() -> None:
    env = WalkEnv(recipe(1.0, window=2, advance_mean_steps=30, decrement=0.25))
    env.reset(seed=0)
    levels = []
    # The mean over the last two episodes: -, 25, 10, 30 (drop; the window restarts), -, 27.5, 52.5 (drop), -
    for length in (40, 10, 10, 50, 50, 5, 100, 100):
        env._steps = length
        env.reset()
        levels.append(env.assist_level)
    assert levels == [1.0, 1.0, 1.0, 0.75, 0.75, 0.75, 0.5, 0.5]


def test_final_task_switches_off_every_training_help() -> None:
    config = recipe(0.8).model_copy(update={"speed_ramp_episodes": 50})
    final = config.final_task()
    assert final.assist.initial_level == 0.0 and final.speed_ramp_episodes == 0
    assert final.assist.tilt_stiffness_nm_per_rad == config.assist.tilt_stiffness_nm_per_rad
    assert WalkConfig().assist.initial_level == 0.0  # off in the paper's environment
