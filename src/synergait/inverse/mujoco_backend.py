"""MuJoCo-native inverse analysis: inverse dynamics with measured GRF, then static optimisation per frame.

Per frame ``t``:

1. Kinematics: OpenSim coordinates mapped onto the model (:mod:`synergait.model.kinematics`).
2. Required generalised forces ``tau = qfrc_inverse - J^T GRF``: ``mj_inverse`` with every constraint disabled
   (contacts, joint limits, knee couplings), minus each foot's measured force and free moment applied at its
   centre of pressure (``mj_applyFT``).
3. Reduction to the model's independent coordinates by virtual work: ``tau_reduced = P^T tau`` with
   ``P = d q / d q_independent`` (identity, plus the knee polynomials' derivatives for the coupled joints).
4. MuJoCo's muscle force is affine in activation at a given length and velocity, ``f = G a + B`` (``B``: passive
   force). Static optimisation::

       minimise   sum(a^2) + sum((r / r_opt)^2)
       subject to P_j^T R^T (G a + B) + r = tau_reduced_j   for every prescribed joint j,   0 <= a <= 1

   with ``R`` the moment-arm matrix and reserves ``r`` (optimal force ``r_opt``), solved exactly as a bounded
   linear least-squares problem (``scipy.optimize.lsq_linear``, BVLS). The pelvis (free-joint) forces no muscle
   can produce are the residuals. Activation dynamics are ignored (static optimisation), as usual for this
   method; MocoInverse (the other backend) includes them.
"""

from __future__ import annotations

import time as clock
import warnings
from dataclasses import dataclass

import mujoco
import numpy as np
from rich.progress import Progress
from scipy.optimize import lsq_linear

from synergait.data.loads import ExternalLoad, external_loads_from_names
from synergait.data.trial import Trial
from synergait.errors import InputFileError, ParameterError
from synergait.inverse.table import ActivationTable
from synergait.model.body import Musculoskeleton
from synergait.model.catalog import DEFAULT_MODEL, OPENSIM_TO_MUJOCO
from synergait.model.kinematics import JointTrajectory, joint_trajectory


@dataclass
class MuJoCoInverse:
    """Static-optimisation inverse analysis on a MuJoCo model (scikit-learn style: parameters in ``__init__``).

    Args:
        model: body model name.
        rate_hz: frames per second at which activations are solved.
        lowpass_hz: cut-off of the zero-lag Butterworth applied to coordinates and GRF (paper: 12 Hz).
        reserve_optimal_force: r_opt of the reserve actuators (N*m); smaller = reserves costlier.
        muscle_cost: per-muscle weights of the effort term (default 1): the redundancy explorer makes proximal or
            distal muscles costlier with it.
        min_activation: per-muscle lower bounds (default 0), e.g. an agonist/antagonist pair held at 0.15 to
            demand co-contraction (joint stiffness) while the joint moments stay the same.
        effort_exponent: 2 (sum a^2) or 3 (sum a^3, by iteratively reweighted least squares).
        subject_mass_kg: the recorded subject's body mass. The model is not scaled to the subject, so the measured
            GRF and free moments are scaled by ``model mass / subject mass`` to keep the dynamics consistent
            (without it the pelvis residuals absorb the weight difference). None: no scaling.
        progress: show a progress bar.
    """

    model: str = DEFAULT_MODEL
    rate_hz: float = 100.0
    lowpass_hz: float | None = 12.0
    reserve_optimal_force: float = 1.0
    muscle_cost: dict[str, float] | None = None
    min_activation: dict[str, float] | None = None
    effort_exponent: int = 2
    subject_mass_kg: float | None = None
    progress: bool = False

    def solve(self, coordinates: Trial, grf: Trial, *, loads: list[ExternalLoad] | None = None,
              start_s: float | None = None, stop_s: float | None = None) -> ActivationTable:
        """Activations of every muscle of the model over ``[start_s, stop_s]`` (default: the coordinates' span,
        trimmed by 10 ms at each end for the derivatives)."""
        if self.rate_hz <= 0:
            raise ParameterError("rate_hz", f"must be positive, got {self.rate_hz}")
        if self.effort_exponent not in (2, 3):
            raise ParameterError("effort_exponent", f"must be 2 or 3, got {self.effort_exponent}")
        if self.subject_mass_kg is not None and not 0 < self.subject_mass_kg < 500:
            raise ParameterError("subject_mass_kg", f"a body mass in kg is positive (and under 500), got "
                                                    f"{self.subject_mass_kg:g}")
        started = clock.perf_counter()
        loads = loads or external_loads_from_names(grf)
        start = max(coordinates.time[0] + 0.01, start_s if start_s is not None else -np.inf)
        stop = min(coordinates.time[-1] - 0.01, stop_s if stop_s is not None else np.inf)
        if grf.time[0] > start or grf.time[-1] < stop:
            raise InputFileError(grf.source, f"GRF ({grf.time[0]:g}-{grf.time[-1]:g} s) does not cover the "
                                             f"kinematics window {start:g}-{stop:g} s")
        if stop <= start:
            raise ParameterError("start_s/stop_s", f"empty window {start:g}-{stop:g} s")
        times = np.arange(start, stop + 1e-9, 1.0 / self.rate_hz)
        body = Musculoskeleton(self.model)
        trajectory = joint_trajectory(body, coordinates, times, lowpass_hz=self.lowpass_hz)
        external = self._external_forces(body, grf, loads, times)
        self._check_support(body, external, grf.source, start, stop)
        table = self._static_optimisation(body, trajectory, external, started)
        worst = float(np.abs(table.residuals[:, :3]).max()) if table.residuals.size else 0.0
        if worst > 0.5 * body.body_weight_n:
            warnings.warn(f"{grf.source}: residual forces reach {worst:.0f} N ({worst / body.body_weight_n:.1f} body "
                          f"weights) over {start:g}-{stop:g} s: the kinematics and the GRF disagree (a window "
                          "beyond the force plates, a wrong subject mass or plate assignment?)", stacklevel=2)
        return table

    @staticmethod
    def _check_support(body: Musculoskeleton, external: list[tuple[int, np.ndarray, np.ndarray, np.ndarray]],
                       source: str, start: float, stop: float) -> None:
        """Refuse ground reaction forces that cannot hold a walker up: over a window of walking, the vertical GRF
        averages about one body weight (0.9-1.1 over whole strides); far less or far more means wrong columns,
        units, sign, mass or a window without ground contact."""
        vertical = np.sum([force[:, 2] for _, force, _, _ in external], axis=0) if external else np.zeros(1)
        mean_bw = float(np.mean(vertical)) / body.body_weight_n
        if not 0.4 <= mean_bw <= 2.0:
            raise InputFileError(source, f"the vertical GRF averages {mean_bw:.2f} body weights over "
                                         f"{start:g}-{stop:g} s (walking: about 1); check the force columns, their "
                                         "sign and units, the subject mass and that the window holds ground contact")

    def _external_forces(self, body: Musculoskeleton, grf: Trial, loads: list[ExternalLoad],
                         times: np.ndarray) -> list[tuple[int, np.ndarray, np.ndarray, np.ndarray]]:
        """Per load: MuJoCo body id, force, point and torque at ``times`` in MuJoCo axes, ``(T, 3)`` each."""
        from synergait.data.events import lowpass

        columns = [c for load in loads for c in load.columns()]
        signals = grf.select(columns)
        if self.lowpass_hz:
            signals = lowpass(signals, self.lowpass_hz)
        signals = signals.resample(times)
        scale = body.mass_kg / self.subject_mass_kg if self.subject_mass_kg else 1.0
        out = []
        for load in loads:
            try:
                body_id = body.model.body(load.body).id
            except KeyError:
                raise InputFileError(grf.source, f"load applied to '{load.body}', which model "
                                                 f"{body.info.name} does not have") from None
            force, point, torque = (a @ OPENSIM_TO_MUJOCO.T for a in load.arrays(signals))
            out.append((body_id, scale * force, point, scale * torque))
        return out

    def _static_optimisation(self, body: Musculoskeleton, trajectory: JointTrajectory,
                             external: list[tuple[int, np.ndarray, np.ndarray, np.ndarray]],
                             started: float) -> ActivationTable:
        model, data = body.model, body.data
        model.opt.disableflags |= mujoco.mjtDisableBit.mjDSBL_CONSTRAINT
        nv, nu = model.nv, model.nu
        free = model.joint(body.info.free_joint)
        root_dofs = np.arange(int(free.dofadr[0]), int(free.dofadr[0]) + 6)
        joint_dofs = np.array([model.jnt_dofadr[model.joint(j).id] for j in trajectory.prescribed_joints])
        reduced = np.concatenate([root_dofs, joint_dofs])
        moment = np.zeros((nu, nv))
        grf_generalised = np.zeros(nv)
        n_frames = trajectory.time.size
        activations = np.zeros((n_frames, nu))
        reserves = np.zeros((n_frames, joint_dofs.size))
        residuals = np.zeros((n_frames, 6))
        weight = 1.0 / self.reserve_optimal_force
        cost = self._per_muscle(body, self.muscle_cost, 1.0)
        bounds_low, bounds_high = self._per_muscle(body, self.min_activation, 0.0), np.ones(nu)
        required_moments = np.zeros((n_frames, joint_dofs.size))
        with Progress(disable=not self.progress, transient=True) as bar:
            task = bar.add_task("inverse (MuJoCo)", total=n_frames)
            for i in range(n_frames):
                data.qpos[:], data.qvel[:], data.qacc[:] = (trajectory.qpos[i], trajectory.qvel[i],
                                                            trajectory.qacc[i])
                mujoco.mj_inverse(model, data)
                grf_generalised[:] = 0.0
                for body_id, force, point, torque in external:
                    mujoco.mj_applyFT(model, data, force[i], torque[i], point[i], body_id, grf_generalised)
                required = data.qfrc_inverse - grf_generalised
                passive, gain = body.force_per_activation()
                body.moment_arms(moment)
                projection = body.coupling_jacobian(reduced)  # (nv, n_reduced)
                muscle_map = projection.T @ moment.T  # (n_reduced, nu): generalised force per unit muscle force
                target = projection.T @ required - muscle_map @ passive
                a_matrix = muscle_map * gain  # per unit activation
                rows = slice(6, None)
                rhs = np.concatenate([weight * target[rows], np.zeros(nu)])
                effort = np.sqrt(cost)
                for _ in range(1 if self.effort_exponent == 2 else 6):  # IRLS: sum a^3 = sum (a_prev) a^2
                    system = np.vstack([weight * a_matrix[rows], np.diag(effort)])
                    solution = lsq_linear(system, rhs, bounds=(bounds_low, bounds_high), method="bvls")
                    effort = np.sqrt(cost * np.maximum(solution.x, 1e-3))
                activations[i] = solution.x
                required_moments[i] = target[rows]
                reserves[i] = target[rows] - a_matrix[rows] @ solution.x
                residuals[i] = target[:6] - a_matrix[:6] @ solution.x
                bar.advance(task)
        elapsed = clock.perf_counter() - started
        return ActivationTable(
            time=trajectory.time, activations=np.clip(activations, 0.0, 1.0), muscles=body.muscle_names,
            reserves=reserves, reserve_dofs=trajectory.prescribed_joints, residuals=residuals, backend="mujoco",
            required=required_moments,
            info={"model": body.info.name, "rate_hz": f"{self.rate_hz:g}", "lowpass_hz": str(self.lowpass_hz),
                  "reserve_optimal_force": f"{self.reserve_optimal_force:g}",
                  "grf_scale": f"{body.mass_kg / self.subject_mass_kg if self.subject_mass_kg else 1.0:.6g}",
                  "locked_joints": ",".join(trajectory.locked_joints), "wall_time_s": f"{elapsed:.3f}"},
        )

    @staticmethod
    def _per_muscle(body: Musculoskeleton, values: dict[str, float] | None, default: float) -> np.ndarray:
        out = np.full(body.n_muscles, default)
        for muscle, value in (values or {}).items():
            if muscle not in body.muscle_names:
                raise ParameterError("muscles", f"unknown muscle '{muscle}' in model {body.info.name}")
            out[body.muscle_names.index(muscle)] = value
        return out
