"""Whole-body poses from OpenSim coordinates, mapped onto the MuJoCo models.

A :class:`GaitPose` holds joint angles and velocities (rad, rad/s) under the OpenSim Rajagopal coordinate names
that the myo-sim models share, plus the pelvis orientation, linear velocity (world, m/s) and angular velocity
(world, rad/s), already expressed in the MuJoCo frame (see :mod:`synergait.model.catalog`) and with the
recording's walking heading removed, so that the pose walks along the model's forward axis (-y).

The pose the walker starts from ships with the package (``assets/initial_pose.json``): the Rajagopal 2016 trial
at its right heel strike. It is a derived artifact (a few numbers, not the data file); regenerate it with
``synergait env make-pose --from DIR``.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from importlib import resources
from pathlib import Path

import numpy as np
from scipy.interpolate import make_smoothing_spline
from scipy.spatial.transform import Rotation

from synergait.data.trial import Trial
from synergait.errors import InputFileError, ParameterError
from synergait.fileio import atomic_write_text
from synergait.model.catalog import OPENSIM_TO_MUJOCO

#: OpenSim coordinate -> MuJoCo joint name (identical names are listed too, so the map is complete).
COORDINATE_TO_JOINT: dict[str, str] = {
    **{f"{c}_{s}": f"{c}_{s}" for s in ("r", "l")
       for c in ("hip_flexion", "hip_adduction", "hip_rotation", "knee_angle", "ankle_angle", "subtalar_angle",
                 "mtp_angle")},
    "lumbar_extension": "flex_extension", "lumbar_bending": "lat_bending", "lumbar_rotation": "axial_rotation",
}
PELVIS_COORDINATES = ("pelvis_tilt", "pelvis_list", "pelvis_rotation", "pelvis_tx", "pelvis_ty", "pelvis_tz")
POSE_ASSET = "initial_pose.json"
POSE_LIBRARY_ASSET = "gait_cycle_poses.json"


@dataclass(frozen=True)
class GaitPose:
    """One instant of walking, in the MuJoCo frame, heading removed (walks along -y)."""

    joint_angles: dict[str, float]  # MuJoCo joint name -> rad
    joint_velocities: dict[str, float]  # rad/s
    pelvis_quat: tuple[float, float, float, float]  # (w, x, y, z), orientation of the model's root
    pelvis_linear_velocity: tuple[float, float, float]  # m/s, world frame
    pelvis_angular_velocity: tuple[float, float, float]  # rad/s, world frame
    pelvis_height_m: float  # in the recording (the model's differs; the walker is placed on the ground)
    forward_speed_m_s: float
    provenance: dict[str, str] = field(default_factory=dict)
    leading_leg: str = "right"  # the leg whose heel struck last (mirroring starts mirrored when "left")
    #: Where each leg (right, left) is in its own gait cycle, % (0 = its heel strike); None when unknown.
    cycle_percent: tuple[float, float] | None = None

    def save(self, path: str | Path) -> None:
        atomic_write_text(path, json.dumps(asdict(self), indent=1))

    @classmethod
    def from_dict(cls, raw: dict[str, object]) -> GaitPose:
        """From the JSON form written by :meth:`save` (lists back to tuples)."""
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in raw.items()})  # type: ignore[arg-type]

    @classmethod
    def load(cls, path: str | Path | None = None) -> GaitPose:
        """Load a pose; without ``path`` the one shipped with synergait."""
        return cls.from_dict(json.loads(_read_asset(path, POSE_ASSET)))

    def mirrored(self) -> GaitPose:
        """The left/right mirror image (reflection through the sagittal plane, x -> -x)."""
        from synergait.model.catalog import mirror_name

        lateral = {"lat_bending", "axial_rotation"}
        angles = {mirror_name(j): (-v if j in lateral else v) for j, v in self.joint_angles.items()}
        velocities = {mirror_name(j): (-v if j in lateral else v) for j, v in self.joint_velocities.items()}
        w, x, y, z = self.pelvis_quat
        vx, vy, vz = self.pelvis_linear_velocity
        wx, wy, wz = self.pelvis_angular_velocity
        return GaitPose(angles, velocities, (w, x, -y, -z), (-vx, vy, vz), (wx, -wy, -wz), self.pelvis_height_m,
                        self.forward_speed_m_s, {**self.provenance, "mirrored": "yes"},
                        "left" if self.leading_leg == "right" else "right",
                        self.cycle_percent[::-1] if self.cycle_percent else None)


def pose_from_coordinates(coordinates: Trial, time_s: float) -> GaitPose:
    """The pose at ``time_s`` of an OpenSim coordinates trial (radians, metres; e.g. Rajagopal ``coordinates.sto``).

    Velocities come from smoothing splines of each coordinate. The heading (direction of travel in the horizontal
    plane, from a line fit of the pelvis path) is rotated onto the model's forward axis.
    """
    missing = [c for c in PELVIS_COORDINATES if c not in coordinates]
    if missing:
        raise InputFileError(coordinates.source, f"missing pelvis coordinate(s): {', '.join(missing)}")
    if not coordinates.time[0] <= time_s <= coordinates.time[-1]:
        raise ParameterError("time_s", f"{time_s:g} s is outside {coordinates.source} "
                                       f"({coordinates.time[0]:g}-{coordinates.time[-1]:g} s)")
    t = coordinates.time
    names = [c for c in (*COORDINATE_TO_JOINT, *PELVIS_COORDINATES) if c in coordinates]
    splines = {name: make_smoothing_spline(t, coordinates[name], lam=1e-7) for name in names}
    angles = {joint: float(splines[c](time_s)) for c, joint in COORDINATE_TO_JOINT.items() if c in splines}
    velocities = {joint: float(splines[c].derivative()(time_s)) for c, joint in COORDINATE_TO_JOINT.items()
                  if c in splines}

    def pelvis_rotation(at: float) -> Rotation:  # OpenSim ground_pelvis: body-fixed Z (tilt), X (list), Y (rot)
        return Rotation.from_euler("ZXY", [float(splines[c](at)) for c in PELVIS_COORDINATES[:3]])

    h = 1e-3  # s, central difference of the orientation for the world-frame angular velocity
    omega_opensim = (pelvis_rotation(time_s + h) * pelvis_rotation(time_s - h).inv()).as_rotvec() / (2 * h)
    # Heading: rotate about the vertical so that the mean travel direction becomes OpenSim +X.
    travel = np.array([np.polyfit(t, coordinates["pelvis_tx"], 1)[0], np.polyfit(t, coordinates["pelvis_tz"], 1)[0]])
    heading = Rotation.from_rotvec([0.0, np.arctan2(travel[1], travel[0]), 0.0])
    to_mujoco = Rotation.from_matrix(OPENSIM_TO_MUJOCO)
    root = to_mujoco * heading * pelvis_rotation(time_s) * to_mujoco.inv()
    linear = np.array([float(splines[c].derivative()(time_s)) for c in PELVIS_COORDINATES[3:]])
    w, x, y, z = np.roll(root.as_quat(), 1)  # scipy (x, y, z, w) -> MuJoCo (w, x, y, z)
    return GaitPose(
        joint_angles=angles, joint_velocities=velocities, pelvis_quat=(float(w), float(x), float(y), float(z)),
        pelvis_linear_velocity=tuple(float(v) for v in OPENSIM_TO_MUJOCO @ heading.apply(linear)),
        pelvis_angular_velocity=tuple(float(v) for v in OPENSIM_TO_MUJOCO @ heading.apply(omega_opensim)),
        pelvis_height_m=float(splines["pelvis_ty"](time_s)),
        forward_speed_m_s=float(np.hypot(*travel)),
        provenance={"source": Path(coordinates.source).name, "time_s": f"{time_s:.4f}"},
    )


def stride_duration(right_heel_strikes: Sequence[float], left_heel_strikes: Sequence[float]) -> float:
    """Mean stride duration, s, from consecutive heel strikes of either leg."""
    strides = [b - a for strikes in (right_heel_strikes, left_heel_strikes) for a, b in itertools.pairwise(strikes)]
    if not strides:
        raise ParameterError("heel_strikes", "needs two heel strikes of one leg to know the stride duration")
    return float(np.mean(strides))


def cycle_percent(time_s: float, heel_strikes: Sequence[float], stride_s: float) -> float:
    """Where a leg is in its gait cycle at ``time_s``, % (0 = heel strike), from its nearest heel strike."""
    nearest = min(heel_strikes, key=lambda t: abs(t - time_s))
    return float((time_s - nearest) / stride_s % 1.0 * 100.0)


def pose_library(coordinates: Trial, right_heel_strikes: Sequence[float], left_heel_strikes: Sequence[float],
                 *, step_s: float = 0.02) -> list[GaitPose]:
    """Poses every ``step_s`` across the coordinates' span (10 ms kept clear of each end for the splines), each
    tagged with the leg whose heel struck last and both legs' gait-cycle percent: reset states sampled across
    the whole gait cycle."""
    stride_s = stride_duration(right_heel_strikes, left_heel_strikes)
    poses = []
    for time_s in np.arange(coordinates.time[0] + 0.01, coordinates.time[-1] - 0.01, step_s):
        poses.append(annotated_pose(coordinates, float(time_s), right_heel_strikes, left_heel_strikes, stride_s))
    return poses


def annotated_pose(coordinates: Trial, time_s: float, right_heel_strikes: Sequence[float],
                   left_heel_strikes: Sequence[float], stride_s: float) -> GaitPose:
    """:func:`pose_from_coordinates` plus the leading leg and each leg's gait-cycle percent."""
    last_right = max((t for t in right_heel_strikes if t <= time_s), default=-np.inf)
    last_left = max((t for t in left_heel_strikes if t <= time_s), default=-np.inf)
    pose = pose_from_coordinates(coordinates, time_s)
    percent = (cycle_percent(time_s, right_heel_strikes, stride_s), cycle_percent(time_s, left_heel_strikes, stride_s))
    return replace(pose, leading_leg="left" if last_left > last_right else "right", cycle_percent=percent)


def save_pose_library(poses: list[GaitPose], path: str | Path) -> None:
    atomic_write_text(path, json.dumps([asdict(p) for p in poses]))


def load_pose_library(path: str | Path | None = None) -> list[GaitPose]:
    """Poses across the gait cycle; without ``path`` the library shipped with synergait."""
    return [GaitPose.from_dict(raw) for raw in json.loads(_read_asset(path, POSE_LIBRARY_ASSET))]


def _read_asset(path: str | Path | None, asset: str) -> str:
    """Text of ``path``, or of the packaged asset when ``path`` is None."""
    if path is not None:
        return Path(path).read_text()
    return resources.files("synergait.assets").joinpath(asset).read_text()
