from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

from synergait.env import PhaseMirroring, WalkConfig, WalkEnv, make_walk_env
from synergait.model.catalog import LEG_MUSCLES
from synergait.model.pose import GaitPose
from synergait.model.terrain import slope_terrain
from synergait.synergy.basis import SynergyBasis

RIGHT_LEG = [f"{m}_r" for m in LEG_MUSCLES]


@pytest.fixture(scope="module")
def env() -> WalkEnv:
    return WalkEnv()


def rollout(env: gym.Env, actions: np.ndarray, seed: int = 0) -> tuple[np.ndarray, list[float]]:
    observations, rewards = [env.reset(seed=seed)[0]], []
    for action in actions:
        observation, reward, terminated, truncated, _ = env.step(action)
        observations.append(observation)
        rewards.append(reward)
        if terminated or truncated:
            break
    return np.array(observations), rewards


@pytest.mark.parametrize("controller,mirroring", [("independent", False), ("independent", True),
                                                  ("synergy", True), ("synergy", False)])
def test_check_env(controller: str, mirroring: bool) -> None:
    basis = SynergyBasis.random(RIGHT_LEG, 10, seed=0)
    check_env(make_walk_env(controller, basis=basis, mirroring=mirroring), skip_render_check=True)


def test_registered_ids() -> None:
    env = gym.make("synergait/Walk-v0")
    assert env.action_space.shape == (86,)
    assert env.observation_space.shape == (528,)


def test_same_seed_same_trajectory() -> None:
    actions = np.random.default_rng(3).uniform(0, 1, (30, 86)).astype(np.float32)
    a_obs, a_rew = rollout(WalkEnv(), actions, seed=11)
    b_obs, b_rew = rollout(WalkEnv(), actions, seed=11)
    np.testing.assert_array_equal(a_obs, b_obs)
    assert a_rew == b_rew
    c_obs, _ = rollout(WalkEnv(), actions, seed=12)
    assert not np.array_equal(a_obs[0], c_obs[0])  # the seed perturbs the initial pose


def test_identity_basis_reproduces_the_independent_controller() -> None:
    independent = WalkEnv()
    synergy = make_walk_env("synergy", basis=SynergyBasis.identity(RIGHT_LEG), mirroring=False)
    actions = np.random.default_rng(5).uniform(0, 1, (25, 86)).astype(np.float32)
    body = independent.body
    # synergy action layout: [right 40, left 40, trunk 6]; independent: model actuator order
    synergy_actions = np.concatenate([actions[:, body.right_leg], actions[:, body.left_leg], actions[:, body.trunk]],
                                     axis=1)
    a_obs, a_rew = rollout(independent, actions, seed=2)
    b_obs, b_rew = rollout(synergy, synergy_actions, seed=2)
    np.testing.assert_array_equal(a_obs, b_obs)
    assert a_rew == b_rew


def test_observation_mirror_matches_the_mirrored_state(env: WalkEnv) -> None:
    config = WalkConfig(init_angle_noise_rad=0.0, init_velocity_noise_rad_s=0.0, fixed_speed_m_s=1.2)
    walk = WalkEnv(config)
    pose = GaitPose.load()
    observation, _ = walk.reset(seed=0)
    walk.pose = pose.mirrored()
    mirrored_observation, _ = walk.reset(seed=0)
    expected = walk.mirror_observation(observation)
    labels = np.array(walk.observation_labels)
    # the myo-sim legs are mirror images up to sub-millimetre asymmetries of the geometry
    close = np.isclose(mirrored_observation, expected, atol=1e-3, rtol=1e-3)
    assert close.all(), labels[~close][:20]
    np.testing.assert_array_equal(walk.mirror_observation(expected), observation)


def test_mirror_action_swaps_legs(env: WalkEnv) -> None:
    action = np.zeros(86, dtype=np.float32)
    action[env.body.muscle_indices(["soleus_r", "ercspn_l"])] = 1.0
    mirrored = env.mirror_action(action)
    assert set(np.flatnonzero(mirrored)) == set(env.body.muscle_indices(["soleus_l", "ercspn_r"]))


def test_curriculum_and_terrain_per_episode() -> None:
    walk = WalkEnv()
    speeds, terrains = [], []
    for i in range(12):
        _, info = walk.reset(seed=4 if i == 0 else None)
        speeds.append(info["target_speed"])
        terrains.append(info["terrain"])
    assert speeds == [0.7, 0.8, 0.9, 1.0, 1.1, 1.2, 1.3, 1.4, 1.5, 1.6, 1.6, 1.5]
    assert len(set(terrains)) == 12


def test_widening_scales_the_curriculum_and_terrain_around_the_centre() -> None:
    from synergait.env.config import ConditionWidening

    widening = ConditionWidening(steps=100, after_steps=20, centre_speed_m_s=1.2)
    assert [widening.fraction(s) for s in (0, 20, 70, 120, 10**6)] == [0.0, 0.0, 0.5, 1.0, 1.0]
    full, narrow = WalkEnv(), WalkEnv(WalkConfig(widening=widening))
    narrow.condition_spread = 0.5
    for i in range(4):
        _, info = full.reset(seed=4 if i == 0 else None)
        _, narrowed = narrow.reset(seed=4 if i == 0 else None)
        assert narrowed["target_speed"] == pytest.approx(1.2 + 0.5 * (info["target_speed"] - 1.2))
        np.testing.assert_allclose(narrow.terrain.pitches_rad, 0.5 * full.terrain.pitches_rad)
        assert np.abs(full.terrain.pitches_rad).max() > 0.05  # drawn terrains are pitched up to 6 degrees
    terrain_only = WalkEnv(WalkConfig(widening=widening.model_copy(update={"speeds": False})))
    terrain_only.condition_spread = 0.5
    for i in range(4):
        _, info = full.reset(seed=4 if i == 0 else None)
        _, widened = terrain_only.reset(seed=4 if i == 0 else None)
        assert widened["target_speed"] == info["target_speed"]
        np.testing.assert_allclose(terrain_only.terrain.pitches_rad, 0.5 * full.terrain.pitches_rad)


def test_a_fraction_of_episodes_on_constant_slopes_within_the_pitch_bound() -> None:
    walk = WalkEnv(WalkConfig(slope_fraction=0.5, max_pitch_deg=5.0))
    slopes = []
    for i in range(40):
        _, info = walk.reset(seed=3 if i == 0 else None)
        if info["terrain"].startswith("slope"):
            pitched = walk.terrain.pitches_rad[4:]
            assert np.ptp(pitched) == 0 and abs(np.degrees(pitched[0])) <= 5.0
            slopes.append(pitched[0])
    assert 10 <= len(slopes) <= 30 and min(slopes) < 0 < max(slopes)
    _, info = walk.reset(options={"terrain_index": 7})  # an explicit terrain stays that terrain
    assert not info["terrain"].startswith("slope")


def _training_grades_deg(**slopes: float) -> list[float]:
    """The constant slope (degrees) of ten training episodes, seeds 0-9, every episode on a slope."""
    walk = WalkEnv(WalkConfig(slope_fraction=1.0, **slopes))
    grades = []
    for seed in range(10):
        walk.reset(seed=seed)
        grades.append(walk.terrain.grade_deg)
    return grades


def test_constant_slopes_beside_level_ground() -> None:
    walk = WalkEnv(WalkConfig(slope_fraction=0.5, max_pitch_deg=0.0, max_slope_deg=5.0))
    kinds = set()
    for i in range(20):
        _, info = walk.reset(seed=5 if i == 0 else None)
        pitches = np.degrees(walk.terrain.pitches_rad)
        sloped = info["terrain"].startswith("slope")
        kinds.add(sloped)
        assert np.all(np.abs(pitches) <= 5.0) and (sloped or np.all(pitches == 0.0))
    assert kinds == {True, False}
    uphill = _training_grades_deg(max_slope_deg=6.0, min_slope_deg=2.0)
    assert all(2.0 <= s <= 6.0 for s in uphill) and np.ptp(uphill) > 1.0
    downhill = _training_grades_deg(max_slope_deg=-3.0, min_slope_deg=-6.0)
    assert all(-6.0 <= g <= -3.0 for g in downhill) and np.ptp(downhill) > 1.0
    with pytest.raises(ValueError, match="min_slope_deg"):
        WalkConfig(max_slope_deg=5.0, min_slope_deg=6.0)
    with pytest.raises(ValueError, match="max_slope_deg"):
        WalkConfig(max_slope_deg=-3.0)  # no lower end given: minus -3 would lie above it


def test_training_slopes_can_begin_at_the_start_while_evaluation_keeps_its_level_approach() -> None:
    assert slope_terrain(5.0).first_pitched_m == 2.0  # the evaluation's +5 degrees: 2 m of level ground first
    at_feet = WalkEnv(WalkConfig(slope_fraction=1.0, max_slope_deg=6.0, min_slope_deg=2.0, slope_start_m=0.0))
    at_feet.reset(seed=0)
    assert at_feet.terrain.first_pitched_m == 0.0 and at_feet.terrain.grade_deg >= 2.0
    default = WalkEnv(WalkConfig(slope_fraction=1.0, max_slope_deg=6.0, min_slope_deg=2.0))
    default.reset(seed=0)
    assert default.terrain.first_pitched_m == 2.0
    evaluation = WalkEnv(WalkConfig(fixed_speed_m_s=1.2, fixed_slope_deg=5.0, slope_start_m=0.0))
    evaluation.reset(seed=0)
    assert evaluation.terrain.first_pitched_m == 2.0
    with pytest.raises(ValueError, match="slope_start_m"):
        WalkConfig(slope_start_m=0.5)


def test_fixed_condition_mode() -> None:
    walk = WalkEnv(WalkConfig(fixed_speed_m_s=1.2, fixed_slope_deg=5.0))
    for _ in range(3):
        _, info = walk.reset()
        assert info["target_speed"] == 1.2 and info["terrain"] == "slope +5 deg"


def test_heel_strike_and_reward_terms_in_info(env: WalkEnv) -> None:
    env.reset(seed=0)
    strikes, keys = [], set()
    for _ in range(15):
        _, _, terminated, _, info = env.step(np.zeros(86, dtype=np.float32))
        strikes.append(info["heel_strike"])
        keys |= set(info)
        if terminated:
            break
    assert "right" in strikes  # the initial pose is a right heel strike a few millimetres above the ground
    assert {"ap", "ml", "head", "vel", "effort", "rom", "fall", "total", "target_speed"} <= keys


def test_a_zero_excitation_walker_falls_with_a_reason(env: WalkEnv) -> None:
    env.reset(seed=1)
    for _ in range(100):
        _, reward, terminated, truncated, info = env.step(np.zeros(86, dtype=np.float32))
        if terminated:
            break
    assert terminated and not truncated
    assert info["termination"].startswith("fall")
    assert info["fall"] == 1.0 and reward <= env.config.reward.w_fall + env.config.reward.w_vel


def test_blow_up_ends_the_episode_without_exception(env: WalkEnv) -> None:
    env.reset(seed=0)
    env.body.data.qvel[:] = 1e12  # an explosion
    observation, _, terminated, _truncated, info = env.step(np.full(86, 0.5, dtype=np.float32))
    assert terminated and info["termination"].startswith("physics_unstable")
    assert np.isfinite(observation).all()
    env.reset()  # and the env is usable again
    assert np.isfinite(env.step(np.zeros(86, dtype=np.float32))[0]).all()


def test_a_non_finite_action_ends_the_episode_with_a_reason(env: WalkEnv) -> None:
    env.reset(seed=0)
    action = np.full(86, 0.2, dtype=np.float32)
    action[[3, 40]] = [np.nan, np.inf]
    observation, _, terminated, _, info = env.step(action)
    assert terminated and info["termination"] == "invalid action: 2 non-finite value(s)"
    assert np.isfinite(observation).all() and np.isfinite(env.body.data.ctrl).all()


def test_phase_mirroring_follows_heel_strikes() -> None:
    from synergait.walker import load_walker

    walker = load_walker("synergy-default")  # walks: heel strikes of both feet
    env = walker.make_env(speed_m_s=1.2, slope_deg=0.0, episode_steps=200)
    assert isinstance(env, PhaseMirroring)
    walk: WalkEnv = env.unwrapped
    seen = set()
    for seed in range(3):
        observation, _ = env.reset(seed=seed)
        terminated = truncated = False
        while not (terminated or truncated):
            observation, _, terminated, truncated, info = env.step(walker.act(observation))
            if info["heel_strike"]:
                seen.add(info["heel_strike"])
                assert env.mirrored == (info["heel_strike"] == "left")
                expected = walk.mirror_observation(walk._last_obs) if env.mirrored else walk._last_obs
                np.testing.assert_array_equal(observation[: expected.size], expected)  # then the gait clock
    assert seen == {"left", "right"}

def test_reset_states_across_the_gait_cycle() -> None:
    from synergait.model.pose import load_pose_library

    library = load_pose_library()
    assert len(library) == 67
    times = np.array([float(p.provenance["time_s"]) for p in library])
    leading = np.array([p.leading_leg for p in library])
    assert (leading[(times > 0.84) & (times < 1.40)] == "left").all()  # left heel struck at 0.8315 s
    assert (leading[(times < 0.83) | (times > 1.41)] == "right").all()
    # Gait-cycle percent of each leg: 0 at its heel strike, stride 1.144 s (right heel strikes 0.263, 1.407 s).
    percent = np.array([p.cycle_percent for p in library])
    np.testing.assert_allclose(percent[:, 0], (times - 0.263) / 1.144 % 1 * 100, atol=1e-6)
    np.testing.assert_allclose(percent[:, 1], (times - 0.8315) / 1.144 % 1 * 100, atol=1e-6)
    env = make_walk_env("independent", mirroring=True, config=WalkConfig(init_pose="gait_cycle"))
    seen = set()
    for i in range(12):
        observation, info = env.reset(seed=i)
        seen.add(info["leading_leg"])
        assert env.mirrored == (info["leading_leg"] == "left")
        raw = env.unwrapped._last_obs
        expected = env.unwrapped.mirror_observation(raw) if env.mirrored else raw
        np.testing.assert_array_equal(observation, expected)
    assert seen == {"left", "right"}


def test_the_retired_alive_bonus_loads_when_off_and_is_refused_when_on() -> None:
    from pydantic import ValidationError

    from synergait.env.config import RewardConfig

    assert RewardConfig.model_validate({"w_alive": 0.0}) == RewardConfig()  # runs and walkers written before
    with pytest.raises(ValidationError, match="option 'w_alive' was removed"):
        RewardConfig.model_validate({"w_alive": 1.0})


def test_residual_action_zero_is_the_baseline_and_follows_each_legs_phase() -> None:
    from synergait.env.config import ActionConfig
    from synergait.synergy.pattern import GaitPattern

    pattern = GaitPattern.load()
    config = WalkConfig(init_pose="gait_cycle", action=ActionConfig(residual=True, feed_forward=True))
    env = make_walk_env("independent", config=config)
    walk = env.unwrapped
    right = walk.body.muscle_indices(list(pattern.muscles))
    left = walk.body.muscle_indices([m[:-1] + "l" for m in pattern.muscles])
    trunk = np.setdiff1d(np.arange(walk.n_muscles), np.concatenate([right, left]))
    _, info = env.reset(seed=4)
    phase = np.array(info["cycle_percent"])
    step_percent = walk.control_period_s / pattern.stride_s * 100
    for _ in range(5):
        expected = pattern.at(phase)  # (2, 40): right and left leg at their own phases
        _, _, terminated, _, info = env.step(np.zeros(walk.n_muscles))
        np.testing.assert_allclose(walk.body.data.ctrl[right], expected[0], atol=1e-9)
        np.testing.assert_allclose(walk.body.data.ctrl[left], expected[1], atol=1e-9)
        np.testing.assert_allclose(walk.body.data.ctrl[trunk], 0.05)
        assert not terminated
        phase = np.minimum(phase + step_percent, 100.0)
        if info["heel_strike"]:
            phase[0 if info["heel_strike"] == "right" else 1] = 0.0
    env.step(np.ones(walk.n_muscles))  # +scale on top of the baseline, clipped to [0, 1]
    assert walk.body.data.ctrl[trunk] == pytest.approx(0.55)
    synergy = make_walk_env("synergy", config=config)
    assert synergy.action_space.shape == (26,) and synergy.action_space.low.min() == -1.0
    with pytest.raises(ValueError, match="set residual: true"):
        ActionConfig(feed_forward=True)


def test_a_trailing_foot_touching_down_is_not_a_heel_strike() -> None:
    """The shipped synergy walker scuffs its trailing foot at toe-off; that contact must not count as a heel
    strike (it would restart the leg's feed-forward and flip the mirroring frame)."""
    from synergait.model.catalog import FORWARD
    from synergait.walker import load_walker, run_episode

    walker = load_walker("synergy-default")
    env = walker.make_env(speed_m_s=1.2, slope_deg=0.0, episode_steps=200)
    body = env.unwrapped.body
    ahead = []

    def check(info: dict) -> None:
        if info["heel_strike"]:
            forward = body.feet_position() @ FORWARD
            side = 0 if info["heel_strike"] == "right" else 1
            ahead.append(forward[side] > forward[1 - side])

    for seed in range(2):
        run_episode(walker, env, seed=seed, on_step=check)
    assert len(ahead) >= 2 and all(ahead)


def test_lumbar_stiffness_holds_an_unloaded_trunk_up() -> None:
    lumbar = {}
    for stiffness in (0.0, 150.0):
        env = WalkEnv(WalkConfig(fixed_speed_m_s=1.2, fixed_slope_deg=0.0, lumbar_stiffness_nm_per_rad=stiffness))
        env.reset(seed=0)
        for _ in range(15):
            env.step(np.full(86, 0.05, dtype=np.float32))
        lumbar[stiffness] = np.degrees(env.body.lumbar_extension())
    assert lumbar[0.0] < -30 and abs(lumbar[150.0]) < 10  # the model's damping-only joint folds; a stiff one not


def test_a_raised_synergy_ceiling_lets_shared_muscles_reach_full_excitation() -> None:
    from synergait.env.config import ActionConfig
    from synergait.env.wrappers import SynergyAction

    excitations = {}
    for ceiling in (1.0, 3.0):
        env = make_walk_env("synergy", mirroring=False, config=WalkConfig(action=ActionConfig(synergy_ceiling=ceiling)))
        synergy = env
        while not isinstance(synergy, SynergyAction):
            synergy = synergy.env
        assert synergy.action_space.high[0] == ceiling and synergy.action_space.high[-1] == 1.0  # trunk: [0, 1]
        excitations[ceiling] = synergy.action(synergy.action_space.high)
        assert excitations[ceiling].max() <= 1.0
    vasmed = env.unwrapped.body.muscle_indices(["vasmed_r"])[0]
    assert excitations[1.0][vasmed] < 0.5 and excitations[3.0][vasmed] == pytest.approx(1.0)
