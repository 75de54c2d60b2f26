from __future__ import annotations

import warnings
from pathlib import Path

import mujoco
import numpy as np
import pytest

from synergait.data.io import read_storage
from synergait.model.body import Musculoskeleton
from synergait.model.catalog import LEG_MUSCLES
from synergait.model.pose import GaitPose, pose_from_coordinates


@pytest.fixture(scope="module")
def body() -> Musculoskeleton:
    return Musculoskeleton()


def test_muscle_groups_and_mass(body: Musculoskeleton) -> None:
    assert body.n_muscles == 86
    assert len(body.right_leg) == len(body.left_leg) == len(LEG_MUSCLES) == 40
    assert len(body.trunk) == 6
    assert set(body.right_leg) | set(body.left_leg) | set(body.trunk) == set(range(86))
    assert body.muscle_names[body.muscle_mirror[body.muscle_indices(["soleus_r"])[0]]] == "soleus_l"
    right, left = body.leg_muscle_indices(["soleus_r", "tibant_r"])
    assert [body.muscle_names[i] for i in (*right, *left)] == ["soleus_r", "tibant_r", "soleus_l", "tibant_l"]
    assert 70 < body.mass_kg < 80


def test_shipped_pose_matches_the_trial(rajagopal: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        coordinates = read_storage(rajagopal / "coordinates.sto")
    fresh = pose_from_coordinates(coordinates, 1.407)
    shipped = GaitPose.load()
    assert shipped.joint_angles == pytest.approx(fresh.joint_angles, abs=1e-9)
    assert shipped.pelvis_quat == pytest.approx(fresh.pelvis_quat, abs=1e-9)
    assert fresh.forward_speed_m_s == pytest.approx(1.25, abs=0.02)
    assert fresh.joint_angles["hip_flexion_r"] > 0.35 > fresh.joint_angles["hip_flexion_l"]  # right leg leads


def test_pose_on_the_ground_walking_forward(body: Musculoskeleton) -> None:
    body.set_pose(GaitPose.load())
    assert body.lowest_foot_point() == pytest.approx(0.002, abs=1e-9)
    feet = body.feet_position()
    assert feet[0, 1] < feet[1, 1]  # right heel ahead (forward is -y)
    assert feet[0, 0] < 0 < feet[1, 0]  # right foot on the right (-x)
    velocity = body.com_velocity()
    assert velocity[1] < -1.0  # moving forward at walking speed
    assert 0.85 < body.pelvis_position()[2] < 1.0
    # knee coupling joints satisfy the model's equality constraints
    mujoco.mj_forward(body.model, body.data)
    equality = body.data.efc_type[: body.data.nefc] == mujoco.mjtConstraint.mjCNSTR_EQUALITY
    assert equality.sum() == 14
    np.testing.assert_allclose(body.data.efc_pos[: body.data.nefc][equality], 0.0, atol=1e-9)


def test_ground_reaction_force_supports_the_body(body: Musculoskeleton) -> None:
    body.set_pose(GaitPose.load())
    impulse = np.zeros(3)
    for _ in range(20):  # 0.1 s, both feet on the ground part of the time
        mujoco.mj_step(body.model, body.data, nstep=20)
        impulse += body.foot_forces().sum(axis=0)
    assert impulse[2] / 20 > 0.3 * body.body_weight_n  # vertical, upward, of body-weight order
    assert np.abs(impulse[:2]).max() < impulse[2]


def test_mirrored_pose_is_the_mirror_image(body: Musculoskeleton) -> None:
    pose = GaitPose.load()
    assert pose.mirrored().mirrored() == GaitPose(**{**pose.__dict__, "provenance": {**pose.provenance,
                                                                                      "mirrored": "yes"}})
    body.set_pose(pose)
    feet = body.feet_position().copy()
    body.set_pose(pose.mirrored())
    mirrored_feet = body.feet_position()
    np.testing.assert_allclose(mirrored_feet[::-1] * [-1, 1, 1], feet, atol=2e-3)
