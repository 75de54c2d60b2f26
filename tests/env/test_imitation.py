from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from synergait.env import make_walk_env
from synergait.env.config import ActionConfig, ImitationConfig, StrideScaling, WalkConfig
from synergait.env.imitation import GaitReference, feet_on_terrain
from synergait.env.wrappers import FeedForward
from synergait.errors import ParameterError
from synergait.model.body import Musculoskeleton
from synergait.model.catalog import FORWARD, UP
from synergait.model.terrain import flat_terrain, slope_terrain
from synergait.train.config import TrainConfig

EXACT_START = {"init_angle_noise_rad": 0.0, "init_velocity_noise_rad_s": 0.0}


def imitation_config(**imitation: object) -> WalkConfig:
    return WalkConfig(fixed_speed_m_s=1.2, fixed_slope_deg=0.0, init_pose="gait_cycle", **EXACT_START,
                      action=ActionConfig(residual=True, residual_scale=1.0, feed_forward=True, start_active=True),
                      imitation=ImitationConfig(**imitation))


@pytest.fixture(scope="module")
def reference() -> GaitReference:
    return GaitReference.default(Musculoskeleton())


def test_reference_is_one_human_stride(reference: GaitReference) -> None:
    assert reference.angles.shape == (101, len(reference.joints)) == reference.velocities.shape
    assert 1.0 < reference.stride_s < 1.3 and 1.1 < reference.speed_m_s < 1.4  # Rajagopal 2016: 1.14 s, 1.25 m/s
    knee = np.degrees(reference.angles[:, reference.joints.index("knee_angle_r")])
    assert 0 < knee[:40].mean() < 30 and knee[60:90].max() > 50  # flexed in stance, swinging through
    np.testing.assert_allclose(np.linalg.norm(reference.pelvis_quat, axis=1), 1.0, atol=1e-9)
    assert 0.85 < reference.pelvis_height_m.min() < reference.pelvis_height_m.max() < 1.0  # the model's legs
    # feet relative to the pelvis: the right foot leads the left one at its heel strike (forward is -y)
    assert reference.feet_m[0, 1] < reference.feet_m[0, 4]


def test_reset_state_matches_the_reference() -> None:
    env = make_walk_env("independent", config=imitation_config(), mirroring=False)
    _, info = env.reset(seed=1)
    assert info["gait_phase_percent"] == pytest.approx(info["cycle_percent"][0])
    terms, leaving = env.get_wrapper_attr("tracking")(info["gait_phase_percent"])
    assert leaving is None
    for name in ("pose", "velocity", "root", "feet"):
        assert terms[name] > 0.99, name
    # muscles start at the human pattern, not at rest
    assert env.unwrapped.body.data.act.max() > 0.2


def test_clock_advances_with_time_and_mirrors_by_half_a_cycle() -> None:
    env = make_walk_env("synergy", config=imitation_config())
    env.reset(seed=0)
    stride = env.get_wrapper_attr("reference").stride_s
    before = env.get_wrapper_attr("gait_phase_percent")
    observation, *_ = env.step(np.zeros(env.action_space.shape, dtype=np.float32))
    after = env.get_wrapper_attr("gait_phase_percent")
    assert after - before == pytest.approx(0.025 / stride * 100)
    angle = 2 * math.pi * after / 100
    sign = -1.0 if env.get_wrapper_attr("mirrored") else 1.0  # the left leg's view is half a cycle on
    np.testing.assert_allclose(observation[-2:], sign * np.array([math.sin(angle), math.cos(angle)]), atol=1e-6)
    assert env.observation_space.shape == observation.shape


def test_reward_is_tracking_and_leaving_the_reference_ends_the_episode() -> None:
    env = make_walk_env("independent", config=imitation_config(max_height_error_m=0.05), mirroring=False)
    env.reset(seed=2)
    _, reward, terminated, _, info = env.step(np.zeros(env.action_space.shape, dtype=np.float32))
    assert not terminated
    assert 0 < info["imitation"] <= 1
    assert reward == pytest.approx(info["imitation"] - 0.3 * info["knee_lock"])  # task weight 0
    body = env.unwrapped.body
    body.data.qpos[2] += 0.1  # pelvis 10 cm above the reference
    _, _, terminated, _, info = env.step(np.zeros(env.action_space.shape, dtype=np.float32))
    assert terminated and info["termination"].startswith("left the reference: pelvis height")


def test_faded_imitation_leaves_the_task_reward_and_no_early_termination() -> None:
    env = make_walk_env("independent", config=imitation_config(task_weight=1.0), mirroring=False)
    env.reset(seed=3)
    env.set_wrapper_attr("imitation_fraction", 0.5)
    _, reward, _, _, info = env.step(np.zeros(env.action_space.shape, dtype=np.float32))
    assert reward == pytest.approx(info["task_reward"] + 0.5 * (info["imitation"] - 0.3 * info["knee_lock"]))
    env.set_wrapper_attr("imitation_fraction", 0.0)
    env.unwrapped.body.data.qpos[2] += 0.1  # 10 cm above the reference: would end the episode while f > 0
    _, reward, _, _, info = env.step(np.zeros(env.action_space.shape, dtype=np.float32))
    assert reward == pytest.approx(info["task_reward"])
    assert not info.get("termination", "").startswith("left the reference")
    assert "imitation" not in info  # the tracking is skipped once faded out


def test_imitation_preset_validates() -> None:
    config = TrainConfig.preset("imitation", controller="independent")
    assert config.env.imitation is not None and config.env.action.start_active
    assert TrainConfig.preset("paper").env.imitation is None
    stage1 = TrainConfig.preset("finetune")
    stage2 = TrainConfig.preset("predictive", init_policy="independent-imitation")
    assert stage2.policy_anchor > 0 and stage2.env.slope_fraction > 0  # held near a walker, on slopes
    with pytest.raises(ParameterError, match="init_policy"):  # the anchor needs a walker to stay near
        TrainConfig.preset("predictive")
    assert stage1.env.imitation.fade_steps and stage1.env.imitation.task_weight == 1.0
    assert stage2.env.imitation is None and stage2.env.gait_clock and stage2.env.fixed_speed_m_s is None
    assert stage1.env.action == stage2.env.action == config.env.action  # one walker moves through all three


def test_the_gait_clock_alone_observes_as_the_imitation_stage_and_rewards_the_task() -> None:
    imitating = make_walk_env("independent", config=imitation_config(), mirroring=False)
    config = imitation_config().model_copy(update={"imitation": None, "gait_clock": True})
    clocked = make_walk_env("independent", config=config, mirroring=False)
    assert clocked.observation_space.shape == imitating.observation_space.shape
    observation, _ = clocked.reset(seed=3)
    phase = clocked.get_wrapper_attr("gait_phase_percent")
    angle = 2 * np.pi * phase / 100
    np.testing.assert_allclose(observation[-2:], [np.sin(angle), np.cos(angle)], atol=1e-6)
    _, reward, _, _, info = clocked.step(np.zeros(clocked.action_space.shape, dtype=np.float32))
    assert "imitation" not in info and reward == pytest.approx(info["total"])


def test_a_falisse_reference_is_a_plausible_stride_and_its_poses_start_the_episodes(falisse_mat: Path,
                                                                                    tmp_path: Path) -> None:
    from synergait.env.imitation import reference_poses
    from synergait.model.pose import save_pose_library

    poses = reference_poses("falisse2019", falisse_mat.parent)
    reference = GaitReference.from_poses(Musculoskeleton(), poses, "falisse2019")
    assert 0.95 < reference.stride_s < 1.15 and 1.2 < reference.speed_m_s < 1.45  # 1.37 m strides
    knee = np.degrees(reference.at(15.0)["angles"][reference.joints.index("knee_angle_r")])
    assert 15 < knee < 35  # loading response: the stance knee flexed, not locked
    swing = np.degrees(reference.at(73.0)["angles"][reference.joints.index("knee_angle_r")])
    assert 50 < swing < 75
    left = reference.joints.index("knee_angle_l")
    np.testing.assert_allclose(reference.at(65.0)["angles"][left], reference.at(15.0)["angles"][
        reference.joints.index("knee_angle_r")], atol=0.02)  # the left leg half a cycle behind
    library = tmp_path / "falisse.json"
    save_pose_library(poses, library)
    env = make_walk_env("independent", config=imitation_config(reference=str(library)), mirroring=False)
    env.reset(seed=0)
    assert env.unwrapped.pose_library[0].provenance["source"].startswith("ExperimentalData.mat")
    assert env.get_wrapper_attr("stride_s") == pytest.approx(reference.stride_s)


def test_leaving_the_reference_costs_the_tasks_fall() -> None:
    env = make_walk_env("independent", config=imitation_config(task_weight=1.0), mirroring=False)
    env.reset(seed=2)
    env.unwrapped.body.data.qpos[2] += 0.3  # beyond the 0.15 m bound
    _, reward, terminated, _, info = env.step(np.zeros(env.action_space.shape, dtype=np.float32))
    assert terminated and info["termination"].startswith("left the reference")
    assert reward == pytest.approx(info["task_reward"] + info["imitation"] - 0.3 * info["knee_lock"] - 10.0)


def test_the_lateral_term_pays_less_off_the_start_line() -> None:
    roots = []
    for k_lateral in (0.0, 10.0):
        env = make_walk_env("independent", config=imitation_config(k_lateral=k_lateral), mirroring=False)
        env.reset(seed=4)
        env.unwrapped.body.data.qpos[0] += 0.3  # 30 cm sideways (the model's x is lateral)
        _, _, _, _, info = env.step(np.zeros(env.action_space.shape, dtype=np.float32))
        roots.append(info["imitate_root"])
    assert roots[1] < 0.6 * roots[0]  # exp(-10 * 0.3^2) = 0.41


def test_a_stride_scaled_to_another_speed_keeps_its_shape_and_changes_cadence_and_length(
        reference: GaitReference) -> None:
    scaling = StrideScaling(centre_speed_m_s=1.2, cadence_exponent=0.4)
    same = reference.for_speed(1.2, scaling)
    np.testing.assert_allclose(same.angles, reference.angles)
    assert same.stride_s == pytest.approx(reference.stride_s)
    slow = reference.for_speed(0.8, scaling)
    cadence, length = (0.8 / 1.2) ** 0.4, (0.8 / 1.2) ** 0.6
    assert slow.stride_s == pytest.approx(reference.stride_s / cadence)
    assert slow.speed_m_s == pytest.approx(reference.speed_m_s * 0.8 / 1.2)
    hip, knee = reference.joints.index("hip_flexion_r"), reference.joints.index("knee_angle_r")
    assert np.ptp(slow.angles[:, hip]) == pytest.approx(length * np.ptp(reference.angles[:, hip]))
    assert slow.angles[:, hip].mean() == pytest.approx(reference.angles[:, hip].mean())
    np.testing.assert_allclose(slow.angles[:, knee], reference.angles[:, knee])
    np.testing.assert_allclose(slow.velocities[:, knee], cadence * reference.velocities[:, knee])
    np.testing.assert_allclose(slow.velocities[:, hip], cadence * length * reference.velocities[:, hip])
    forward = slow.feet_m[:, 1]  # right calcaneus, forward is -y
    assert np.ptp(forward) == pytest.approx(length * np.ptp(reference.feet_m[:, 1]))
    np.testing.assert_allclose(slow.feet_m[:, [0, 2, 3, 5]], reference.feet_m[:, [0, 2, 3, 5]])


def test_with_stride_scaling_clock_feed_forward_and_reset_state_follow_the_target_speed() -> None:
    scaling = StrideScaling()
    config = imitation_config().model_copy(update={"fixed_speed_m_s": 0.8, "stride_scaling": scaling})
    env = make_walk_env("independent", config=config, mirroring=False)
    env.reset(seed=1)
    stride = env.get_wrapper_attr("recorded").stride_s
    cadence = scaling.cadence_ratio(0.8)
    assert env.get_wrapper_attr("reference").stride_s == pytest.approx(stride / cadence)
    before = env.get_wrapper_attr("gait_phase_percent")
    feed_forward = env.get_wrapper_attr("phase_percent").copy()
    env.step(np.zeros(env.action_space.shape, dtype=np.float32))
    assert env.get_wrapper_attr("gait_phase_percent") - before == pytest.approx(0.025 * cadence / stride * 100)
    pattern = env
    while not isinstance(pattern, FeedForward):
        pattern = pattern.env
    advanced = pattern.phase_percent - feed_forward
    assert advanced[0] == pytest.approx(0.025 * cadence / pattern.stride_s * 100) or advanced[0] < 0  # heel strike
    # the reset state is the scaled stride's: the walker starts on the reference, at the slower speed
    env.reset(seed=1)
    terms, leaving = env.get_wrapper_attr("tracking")(env.get_wrapper_attr("gait_phase_percent"))
    assert leaving is None and terms["pose"] > 0.99 and terms["velocity"] > 0.9
    assert env.unwrapped.body.com_velocity() @ np.array([0.0, -1.0, 0.0]) < 1.0


def test_the_reference_feet_follow_the_ground_on_a_slope(reference: GaitReference) -> None:
    feet = reference.feet_m[10]
    np.testing.assert_array_equal(feet_on_terrain(feet, 5.0, flat_terrain()), feet)
    on_slope = feet_on_terrain(feet, 5.0, slope_terrain(5.0)).reshape(2, 3)
    level = feet.reshape(2, 3)
    expected_rise = (level @ FORWARD) * math.tan(math.radians(5.0))  # the slope starts at 2 m: both feet on it
    np.testing.assert_allclose((on_slope - level) @ UP, expected_rise, atol=1e-9)
    np.testing.assert_allclose(on_slope - (on_slope @ UP)[:, None] * UP, level - (level @ UP)[:, None] * UP)
    assert np.ptp(level @ FORWARD) > 0.2  # a real stride: the feet are apart, so the two rises differ


def test_the_activation_term_pays_the_human_pattern_and_not_co_contraction() -> None:
    terms = {}
    for name, action in (("pattern", 0.0), ("all on", 1.0)):
        env = make_walk_env("independent", config=imitation_config(w_activation=0.3, k_activation=0.5),
                            mirroring=False)
        env.reset(seed=3)
        for _ in range(4):  # the feed-forward alone is the human pattern; +1 drives every muscle to full
            _, _, _, _, info = env.step(np.full(env.action_space.shape, action, dtype=np.float32))
        terms[name] = info["imitate_activation"]
    assert terms["pattern"] > 0.7 and terms["all on"] < 0.01
    env = make_walk_env("independent", config=imitation_config(), mirroring=False)
    env.reset(seed=3)
    assert "imitate_activation" not in env.step(np.zeros(env.action_space.shape, dtype=np.float32))[4]
