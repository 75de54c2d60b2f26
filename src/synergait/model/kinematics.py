"""OpenSim coordinate trajectories mapped onto a MuJoCo model's generalised positions, velocities and
accelerations.

Coordinates are low-pass filtered, interpolated with cubic splines and evaluated on the requested times. The
pelvis (OpenSim ``ground_pelvis``: body-fixed rotations about Z, X, Y, then translations) becomes the model's
free joint, in the laboratory frame rotated into MuJoCo axes (:data:`~synergait.model.catalog.OPENSIM_TO_MUJOCO`).
Velocities and accelerations come from central differences of the positions with MuJoCo's own
``mj_differentiatePos``, so the free joint's angular velocity is in MuJoCo's convention (body frame). The knee's
coupled joints follow ``knee_angle_*`` through the model's polynomial constraints; joints absent from the
coordinates (e.g. ``mtp_angle_*``) stay at zero and are reported as locked.
"""

from __future__ import annotations

from dataclasses import dataclass

import mujoco
import numpy as np
from scipy.interpolate import CubicSpline
from scipy.spatial.transform import Rotation

from synergait.data.events import lowpass
from synergait.data.trial import Trial
from synergait.errors import InputFileError
from synergait.model.body import Musculoskeleton
from synergait.model.catalog import OPENSIM_TO_MUJOCO
from synergait.model.pose import COORDINATE_TO_JOINT, PELVIS_COORDINATES


def opensim_pelvis_to_mujoco(angles: np.ndarray, translations: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Free-joint positions ``(T, 3)`` and quaternions ``(T, 4)`` (w, x, y, z) from OpenSim pelvis angles
    ``(T, 3)`` (tilt, list, rotation; rad) and translations ``(T, 3)`` (m)."""
    to_mujoco = Rotation.from_matrix(OPENSIM_TO_MUJOCO)
    rotation = to_mujoco * Rotation.from_euler("ZXY", angles) * to_mujoco.inv()
    return translations @ OPENSIM_TO_MUJOCO.T, np.roll(rotation.as_quat(), 1, axis=1)


@dataclass(frozen=True)
class JointTrajectory:
    """Generalised coordinates over time: ``qpos (T, nq)``, ``qvel (T, nv)``, ``qacc (T, nv)`` at ``time (T,)``
    seconds, and the names of the joints that were prescribed (the rest are locked at zero)."""

    time: np.ndarray
    qpos: np.ndarray
    qvel: np.ndarray
    qacc: np.ndarray
    prescribed_joints: tuple[str, ...]
    locked_joints: tuple[str, ...]


def joint_trajectory(body: Musculoskeleton, coordinates: Trial, time: np.ndarray, *,
                     lowpass_hz: float | None = 12.0, step_s: float = 1e-3) -> JointTrajectory:
    """Map OpenSim ``coordinates`` (rad, m) onto ``body`` at ``time`` (s), with derivatives."""
    model = body.model
    missing_pelvis = [c for c in PELVIS_COORDINATES if c not in coordinates]
    if missing_pelvis:
        raise InputFileError(coordinates.source, f"missing pelvis coordinate(s): {', '.join(missing_pelvis)}")
    joints = {m: c for c, m in COORDINATE_TO_JOINT.items()}
    model_joints = {model.joint(j).name for j in range(model.njnt)}
    used = {joint: coordinate for joint, coordinate in joints.items() if joint in model_joints and coordinate in
            coordinates}
    coupled = {model.joint(int(model.eq_obj1id[i])).name for i in range(model.neq)}
    locked = tuple(sorted(j for j in model_joints - set(used) - coupled if j != body.info.free_joint))
    if time.min() - step_s < coordinates.time[0] or time.max() + step_s > coordinates.time[-1]:
        raise InputFileError(coordinates.source, f"times {time.min():g}-{time.max():g} s are not inside the "
                                                 f"coordinates ({coordinates.time[0]:g}-{coordinates.time[-1]:g} s)")
    signals = coordinates.select([*PELVIS_COORDINATES, *used.values()])
    if lowpass_hz:
        signals = lowpass(signals, lowpass_hz)
    spline = CubicSpline(signals.time, signals.values, axis=0)
    samples = np.concatenate([time - step_s, time, time + step_s])
    values = spline(samples)
    qpos = np.tile(model.qpos0, (samples.size, 1))
    free = model.joint(body.info.free_joint)
    adr = int(free.qposadr[0])
    qpos[:, adr : adr + 3], qpos[:, adr + 3 : adr + 7] = opensim_pelvis_to_mujoco(values[:, :3], values[:, 3:6])
    for k, joint in enumerate(used, start=6):
        qpos[:, model.jnt_qposadr[model.joint(joint).id]] = values[:, k]
    for row in qpos:  # coupled knee joints from the polynomial constraints
        body.data.qpos[:] = row
        body.apply_knee_couplings()
        row[:] = body.data.qpos
    before, now, after = np.split(qpos, 3)
    n = time.size
    qvel, forward, backward = (np.empty((n, model.nv)) for _ in range(3))
    for i in range(n):
        mujoco.mj_differentiatePos(model, qvel[i], 2 * step_s, before[i], after[i])
        mujoco.mj_differentiatePos(model, forward[i], step_s, now[i], after[i])
        mujoco.mj_differentiatePos(model, backward[i], step_s, before[i], now[i])
    qacc = (forward - backward) / step_s
    return JointTrajectory(time=time, qpos=now, qvel=qvel, qacc=qacc, prescribed_joints=tuple(used),
                           locked_joints=locked)
