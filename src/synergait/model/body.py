"""`Musculoskeleton`: one compiled body model plus the index arrays and accessors synergait reads it through.

Every accessor is vectorised over precomputed indices (no name look-ups per step). Units are SI; angles in
radians with the OpenSim coordinate signs (see :mod:`synergait.model.catalog`).

Muscle state follows MuJoCo's muscle model (rigid tendon): the normalised fibre length is
``range0 + (L - L_min) / L0`` with ``L0 = (L_max - L_min) / (range1 - range0)`` (optimal fibre lengths), the
normalised fibre velocity is ``dL/dt / (L0 * vmax)``, and the normalised force is the tensile force over the
peak isometric force.
"""

from __future__ import annotations

import mujoco
import numpy as np

from synergait.model.build import DEFAULT_TIMESTEP_S, build_model, place_terrain, tile_geom_ids
from synergait.model.catalog import DEFAULT_MODEL, OPENSIM_TO_MUJOCO, BodyModelInfo, mirror_name, model_info
from synergait.model.pose import GaitPose
from synergait.model.terrain import Terrain, flat_terrain


class Musculoskeleton:
    """A body model with terrain, its MjData, and fast accessors."""

    def __init__(self, name: str = DEFAULT_MODEL, *, timestep_s: float = DEFAULT_TIMESTEP_S) -> None:
        self.info: BodyModelInfo = model_info(name)
        self.model = build_model(name, timestep_s=timestep_s)
        self.data = mujoco.MjData(self.model)
        m = self.model
        self.muscle_names: tuple[str, ...] = tuple(m.actuator(i).name for i in range(m.nu))
        self.joint_names: tuple[str, ...] = tuple(m.joint(i).name for i in range(m.njnt))
        self.n_muscles = m.nu
        self.right_leg = self.muscle_indices(self.info.right_leg_muscles)
        self.left_leg = self.muscle_indices(self.info.left_leg_muscles)
        self.trunk = self.muscle_indices(self.info.trunk_muscles)
        self.muscle_mirror = self.muscle_indices([mirror_name(n) for n in self.muscle_names])
        free = m.joint(self.info.free_joint)
        self._root_body = int(free.bodyid[0])
        self._root_qpos = int(free.qposadr[0])
        self.mass_kg = float(m.body_subtreemass[self._root_body])
        self.body_weight_n = self.mass_kg * float(np.linalg.norm(m.opt.gravity))
        self._pelvis = m.body(self.info.pelvis_body).id
        self._head = m.body(self.info.head_body).id
        self._feet = np.array([m.body(self.info.right_foot_bodies[0]).id, m.body(self.info.left_foot_bodies[0]).id])
        foot_bodies = {side: {m.body(b).id for b in bodies}
                       for side, bodies in (("right", self.info.right_foot_bodies),
                                            ("left", self.info.left_foot_bodies))}
        # geom id -> 0 (right foot), 1 (left foot), -1 (other body part), for contact sorting
        self._geom_side = np.full(m.ngeom, -1, dtype=np.int64)
        for side_index, side in enumerate(("right", "left")):
            for g in range(m.ngeom):
                if m.geom_bodyid[g] in foot_bodies[side]:
                    self._geom_side[g] = side_index
        tiles = set(tile_geom_ids(m).tolist())
        self._tile_list = [g in tiles for g in range(m.ngeom)]
        self._side_list = self._geom_side.tolist()
        self._wrench, self._world_force = np.empty(6), np.empty(3)
        self._sagittal_qpos = np.array([m.jnt_qposadr[m.joint(j).id] for j in self.info.sagittal_joints.values()])
        self._lumbar_qpos = (m.jnt_qposadr[m.joint(self.info.lumbar_extension_joint).id]
                             if self.info.lumbar_extension_joint else None)
        self._knee_qpos = [int(m.jnt_qposadr[m.joint(f"knee_angle_{s}").id]) for s in ("r", "l")]
        # Muscle normalisation constants (MuJoCo muscle gain parameters). The compiler's automatic length ranges
        # differ slightly between a muscle and its mirror; averaging each pair keeps mirror states mirror-equal.
        gain = (m.actuator_gainprm[:, :9] + m.actuator_gainprm[self.muscle_mirror, :9]) / 2
        lengthrange = (m.actuator_lengthrange + m.actuator_lengthrange[self.muscle_mirror]) / 2
        optimal_length = (lengthrange[:, 1] - lengthrange[:, 0]) / (gain[:, 1] - gain[:, 0])
        # normalised = raw * scale + offset for fibre length, velocity and force (rows), per muscle (columns)
        self._muscle_scale = np.stack([1 / optimal_length, 1 / (optimal_length * gain[:, 6]), -1 / gain[:, 2]])
        self._muscle_offset = np.stack([gain[:, 0] - lengthrange[:, 0] / optimal_length, np.zeros(m.nu),
                                        np.zeros(m.nu)])
        self._coupled = self._knee_couplings()
        self.terrain: Terrain = flat_terrain(m.nmocap)
        neutral = mujoco.MjData(m)
        mujoco.mj_kinematics(m, neutral)
        self._head_neutral_inverse = np.empty(4)
        mujoco.mju_negQuat(self._head_neutral_inverse, neutral.xquat[self._head])

    # --- indices ---------------------------------------------------------------------------------------------
    def muscle_indices(self, names: list[str] | tuple[str, ...]) -> np.ndarray:
        index = {n: i for i, n in enumerate(self.muscle_names)}
        missing = [n for n in names if n not in index]
        if missing:
            raise KeyError(f"muscles not in model {self.info.name}: {', '.join(missing)}")
        return np.array([index[n] for n in names], dtype=np.int64)

    def leg_muscle_indices(self, right_leg: list[str] | tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
        """Indices of ``right_leg``'s muscles and of their left-leg mirrors, in that order."""
        return self.muscle_indices(right_leg), self.muscle_indices([mirror_name(n) for n in right_leg])

    def _knee_couplings(self) -> list[tuple[int, int, int, int, np.ndarray]]:
        """(qpos of dependent joint, its dof, qpos of driving joint, its dof, polynomial coefficients)."""
        m = self.model
        couplings = []
        for i in range(m.neq):
            if m.eq_type[i] != mujoco.mjtEq.mjEQ_JOINT or m.eq_obj2id[i] < 0:
                continue
            dependent, driver = m.eq_obj1id[i], m.eq_obj2id[i]
            couplings.append((m.jnt_qposadr[dependent], m.jnt_dofadr[dependent], m.jnt_qposadr[driver],
                              m.jnt_dofadr[driver], m.eq_data[i, :5].copy()))
        return couplings

    # --- state setting -------------------------------------------------------------------------------------
    def set_terrain(self, terrain: Terrain) -> None:
        self.terrain = terrain
        place_terrain(self.model, self.data, terrain)

    def set_pose(self, pose: GaitPose, *, forward_m: float = 0.0, ground_height_m: float = 0.0,
                 clearance_m: float = 0.002) -> None:
        """Put the model in ``pose`` at ``forward_m`` along the walking axis, lowest foot ``clearance_m`` above
        ``ground_height_m``; activations are reset to zero."""
        m, d = self.model, self.data
        mujoco.mj_resetData(m, d)
        place_terrain(m, d, self.terrain)  # mj_resetData puts the mocap tiles back at their defaults
        for joint, angle in pose.joint_angles.items():
            d.qpos[m.jnt_qposadr[m.joint(joint).id]] = angle
        for joint, velocity in pose.joint_velocities.items():
            d.qvel[m.jnt_dofadr[m.joint(joint).id]] = velocity
        self.apply_knee_couplings()
        root = m.joint(self.info.free_joint)
        qadr, vadr = int(root.qposadr[0]), int(root.dofadr[0])
        d.qpos[qadr : qadr + 3] = [0.0, -forward_m, 1.5]
        d.qpos[qadr + 3 : qadr + 7] = pose.pelvis_quat
        d.qvel[vadr : vadr + 3] = pose.pelvis_linear_velocity
        rotation = np.empty(9)
        mujoco.mju_quat2Mat(rotation, np.asarray(pose.pelvis_quat, dtype=float))
        d.qvel[vadr + 3 : vadr + 6] = rotation.reshape(3, 3).T @ np.asarray(pose.pelvis_angular_velocity)
        mujoco.mj_kinematics(m, d)
        lowest = self.lowest_foot_point()
        d.qpos[qadr + 2] += ground_height_m + clearance_m - lowest
        mujoco.mj_forward(m, d)

    def apply_knee_couplings(self) -> None:
        """Set the knee's polynomial-coupled joints (positions and velocities) from ``knee_angle_*``."""
        qpos, qvel, qpos0 = self.data.qpos, self.data.qvel, self.model.qpos0
        for dep_q, dep_v, drv_q, drv_v, c in self._coupled:
            x = qpos[drv_q] - qpos0[drv_q]
            qpos[dep_q] = qpos0[dep_q] + c[0] + x * (c[1] + x * (c[2] + x * (c[3] + x * c[4])))
            qvel[dep_v] = qvel[drv_v] * _polynomial_slope(c, x)

    def coupling_jacobian(self, dofs: np.ndarray) -> np.ndarray:
        """``P = d qvel / d qvel[dofs]`` at the current pose, shape ``(nv, len(dofs))``: identity columns, plus the
        slopes of the knee's coupled joints on their driving ``knee_angle`` column (when it is in ``dofs``).
        ``P.T @ f`` reduces generalised forces ``f`` onto ``dofs`` by virtual work."""
        model, qpos = self.model, self.data.qpos
        jacobian = np.zeros((model.nv, len(dofs)))
        jacobian[dofs, np.arange(len(dofs))] = 1.0
        column = {int(dof): k for k, dof in enumerate(dofs)}
        for _, dep_v, drv_q, drv_v, c in self._coupled:
            if drv_v in column:
                jacobian[dep_v, column[drv_v]] = _polynomial_slope(c, qpos[drv_q] - model.qpos0[drv_q])
        return jacobian

    def lowest_foot_point(self) -> float:
        """Height (m) of the lowest point of the feet's collision geoms (capsules, spheres, boxes, ellipsoids)."""
        m, d = self.model, self.data
        lowest = np.inf
        for g in np.flatnonzero(self._geom_side >= 0):
            if not m.geom_contype[g]:
                continue
            size, axes, z = m.geom_size[g], d.geom_xmat[g].reshape(3, 3), d.geom_xpos[g, 2]
            kind = m.geom_type[g]
            if kind == mujoco.mjtGeom.mjGEOM_CAPSULE:
                depth = size[0] + abs(axes[2, 2]) * size[1]
            elif kind == mujoco.mjtGeom.mjGEOM_SPHERE:
                depth = size[0]
            elif kind in (mujoco.mjtGeom.mjGEOM_BOX, mujoco.mjtGeom.mjGEOM_ELLIPSOID):
                depth = float(np.abs(axes[2, :]) @ size[:3])
            else:
                depth = float(m.geom_rbound[g])
            lowest = min(lowest, z - depth)
        return float(lowest)

    # --- reading ------------------------------------------------------------------------------------------
    @property
    def time_s(self) -> float:
        return float(self.data.time)

    def sagittal_angles(self) -> np.ndarray:
        """Hip flexion, knee flexion, ankle dorsiflexion, right then left, rad, shape ``(6,)``."""
        return self.data.qpos[self._sagittal_qpos]

    def knee_angles(self) -> tuple[float, float]:
        """Right and left knee flexion, rad (negative = hyperextension)."""
        qpos = self.data.qpos
        return float(qpos[self._knee_qpos[0]]), float(qpos[self._knee_qpos[1]])

    def lumbar_extension(self) -> float:
        return float(self.data.qpos[self._lumbar_qpos]) if self._lumbar_qpos is not None else 0.0

    def pelvis_position(self) -> np.ndarray:
        return self.data.xpos[self._pelvis]

    def root_quat(self) -> np.ndarray:
        """Orientation of the root (free) joint, quaternion (w, x, y, z): :attr:`GaitPose.pelvis_quat`'s frame."""
        return self.data.qpos[self._root_qpos + 3 : self._root_qpos + 7]

    def feet_position(self) -> np.ndarray:
        """Right and left calcaneus origins, world frame, m, shape ``(2, 3)``."""
        return self.data.xpos[self._feet]

    def feet_relative_to_pelvis(self) -> np.ndarray:
        return self.data.xpos[self._feet] - self.data.xpos[self._pelvis]

    def com_velocity(self) -> np.ndarray:
        """Whole-body centre-of-mass velocity, world frame, m/s."""
        mujoco.mj_subtreeVel(self.model, self.data)
        return self.data.subtree_linvel[self._root_body].copy()

    def com_position(self) -> np.ndarray:
        return self.data.subtree_com[self._root_body].copy()

    def head_orientation(self) -> np.ndarray:
        """Head rotation relative to upright and facing forward (its orientation in the default pose), world
        frame, quaternion (w, x, y, z); identity when upright."""
        relative = np.empty(4)
        mujoco.mju_mulQuat(relative, self.data.xquat[self._head], self._head_neutral_inverse)
        return relative

    def head_angular_velocity(self) -> np.ndarray:
        """Head angular velocity (rad/s) in the OpenSim-aligned world axes: x forward (roll), y up (yaw),
        z right (pitch) — the axes of the paper's (0.60, 0.65, 1.40) rad/s scales."""
        return OPENSIM_TO_MUJOCO.T @ self.data.cvel[self._head, :3]

    def ground_contacts(self) -> tuple[np.ndarray, bool]:
        """Ground reaction force on each foot (right, left; world frame, N, shape ``(2, 3)``) from terrain
        contacts, and whether any other body part touches the terrain.

        A plain loop over the few active contacts: numpy's per-call overhead dominates on arrays this small.
        """
        m, d = self.model, self.data
        forces = np.zeros((2, 3))
        other_part = False
        n = d.ncon
        if n == 0:
            return forces, other_part
        contacts = d.contact
        geom1, geom2, frames = contacts.geom1.tolist(), contacts.geom2.tolist(), contacts.frame
        tiles, sides = self._tile_list, self._side_list
        wrench, world = self._wrench, self._world_force
        for i in range(n):
            a, b = geom1[i], geom2[i]
            if tiles[a]:
                side, sign = sides[b], 1.0  # MuJoCo's contact force acts on geom2 (normal: geom1 -> geom2)
            elif tiles[b]:
                side, sign = sides[a], -1.0
            else:
                continue
            if side < 0:
                other_part = True
                continue
            mujoco.mj_contactForce(m, d, i, wrench)
            mujoco.mju_mulMatTVec(world, frames[i].reshape(3, 3), wrench[:3])  # frame rows are its axes
            forces[side] += sign * world
        return forces, other_part

    def foot_forces(self) -> np.ndarray:
        """Ground reaction force on each foot (right, left), world frame, N, shape ``(2, 3)``."""
        return self.ground_contacts()[0]

    def force_per_activation(self) -> tuple[np.ndarray, np.ndarray]:
        """Each muscle's passive force and its active force per unit activation at the current state, N (MuJoCo's
        sign: tension negative), shape ``(n_muscles,)`` each; the activations are left as they were."""
        m, d = self.model, self.data
        act = d.act.copy()
        d.act[:] = 0.0
        mujoco.mj_fwdActuation(m, d)
        passive = d.actuator_force.copy()
        d.act[:] = 1.0
        mujoco.mj_fwdActuation(m, d)
        gain = d.actuator_force - passive
        d.act[:] = act
        return passive, gain

    def moment_arms(self, out: np.ndarray) -> np.ndarray:
        """The dense actuator moment matrix ``(n_muscles, nv)`` at the current state, written into ``out``."""
        d = self.data
        mujoco.mju_sparse2dense(out, d.actuator_moment, d.moment_rownnz, d.moment_rowadr, d.moment_colind)
        return out

    def muscle_state(self, out: np.ndarray | None = None) -> np.ndarray:
        """Normalised fibre length, fibre velocity, force, excitation and activation, shape ``(5, n_muscles)``
        (written into ``out`` when given)."""
        d = self.data
        out = np.empty((5, self.n_muscles)) if out is None else out
        np.multiply((d.actuator_length, d.actuator_velocity, d.actuator_force), self._muscle_scale, out=out[:3])
        out[:3] += self._muscle_offset
        out[3] = d.ctrl
        out[4] = d.act
        return out


def _polynomial_slope(c: np.ndarray, x: float) -> float:
    """Derivative of MuJoCo's joint-coupling polynomial ``c0 + c1 x + ... + c4 x^4`` at ``x``."""
    return float(c[1] + x * (2 * c[2] + x * (3 * c[3] + x * 4 * c[4])))
