"""OpenSim Moco ``MocoInverse`` backend (optional extra ``synergait[opensim]``).

The paper's settings: minimise the sum of squared controls, with reserve actuators on every coordinate and the
pelvis residuals, kinematics and GRF prescribed. Following OpenSim's own ``example3DWalking``: DeGroote-Fregly
2016 muscles with rigid tendons, passive fibre forces ignored, active force-length curve widened 1.5x, optional
function-based (polynomial) muscle paths, reserves of optimal force 1.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time as clock
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from synergait.data.io import read_storage, write_storage
from synergait.data.io.opensim import infer_unit
from synergait.data.trial import Trial
from synergait.errors import InputFileError, ParameterError
from synergait.inverse.table import ActivationTable

if TYPE_CHECKING:
    import opensim as osim


@dataclass
class MocoInverseBackend:
    """MocoInverse on an OpenSim model.

    Args:
        model_file: the OpenSim model (.osim).
        loads_xml: OpenSim ExternalLoads file (its data file path is resolved relative to the XML's folder).
        function_based_paths: optional FunctionBasedPathSet XML replacing the muscle paths (faster).
        mesh_interval: direct-collocation mesh interval, s.
        reserve_optimal_force: optimal force of the reserve actuators (N*m).
    """

    model_file: str | Path
    loads_xml: str | Path
    function_based_paths: str | Path | None = None
    mesh_interval: float = 0.02
    reserve_optimal_force: float = 1.0

    def solve(self, coordinates_file: str | Path, *, start_s: float, stop_s: float) -> ActivationTable:
        try:
            import opensim as osim
        except ImportError:
            raise ParameterError("backend", "the 'moco' backend needs OpenSim: pip install 'synergait[opensim]'") \
                from None
        for path in (self.model_file, self.loads_xml, coordinates_file, self.function_based_paths):
            if path is not None and not Path(path).is_file():
                raise InputFileError(path, "file not found")
        started = clock.perf_counter()
        processor = osim.ModelProcessor(str(Path(self.model_file).resolve()))
        processor.append(osim.ModOpAddExternalLoads(str(Path(self.loads_xml).resolve())))
        processor.append(osim.ModOpIgnoreTendonCompliance())
        processor.append(osim.ModOpReplaceMusclesWithDeGrooteFregly2016())
        processor.append(osim.ModOpIgnorePassiveFiberForcesDGF())
        processor.append(osim.ModOpScaleActiveFiberForceCurveWidthDGF(1.5))
        if self.function_based_paths is not None:
            processor.append(osim.ModOpReplacePathsWithFunctionBasedPaths(
                str(Path(self.function_based_paths).resolve())))
        processor.append(osim.ModOpAddReserves(self.reserve_optimal_force))
        inverse = osim.MocoInverse()
        inverse.setModel(processor)
        # Re-write the coordinates with synergait's own writer: a header whose nColumns disagrees with the table
        # (the Rajagopal file) makes OpenSim read NaNs; labels become absolute state names for Moco.
        clean = Path(tempfile.mkdtemp(prefix="synergait-moco-")) / "coordinates.sto"
        model = osim.Model(str(self.model_file))
        write_storage(_prescribable(read_storage(coordinates_file), model), clean)
        kinematics = osim.TableProcessor(str(clean))
        kinematics.append(osim.TabOpUseAbsoluteStateNames())
        inverse.setKinematics(kinematics)
        inverse.set_initial_time(start_s)
        inverse.set_final_time(stop_s)
        inverse.set_mesh_interval(self.mesh_interval)
        inverse.set_kinematics_allow_extra_columns(True)
        with _working_directory(Path(self.loads_xml).resolve().parent):  # ExternalLoads' datafile is relative
            # Keep the MocoInverseSolution alive: getMocoSolution() returns a reference into it.
            inverse_solution = inverse.solve()
            solution = inverse_solution.getMocoSolution()
        if solution.isSealed():
            raise ParameterError("moco", "MocoInverse did not converge (solution sealed)")
        states = solution.exportToStatesTable()
        labels = list(states.getColumnLabels())
        matrix = states.getMatrix().to_numpy()
        columns = [(i, label.split("/")[-2]) for i, label in enumerate(labels) if label.endswith("/activation")]
        time = np.array(states.getIndependentColumn())
        controls = solution.exportToControlsTable()
        control_labels = list(controls.getColumnLabels())
        control_matrix = controls.getMatrix().to_numpy()
        reserve_index = [i for i, label in enumerate(control_labels) if "reserve" in label]
        elapsed = clock.perf_counter() - started
        return ActivationTable(
            time=time, activations=matrix[:, [i for i, _ in columns]], muscles=tuple(name for _, name in columns),
            reserves=control_matrix[:, reserve_index] * self.reserve_optimal_force,
            reserve_dofs=tuple(control_labels[i].split("/")[-1] for i in reserve_index), backend="moco",
            info={"model": Path(self.model_file).name, "mesh_interval": f"{self.mesh_interval:g}",
                  "objective": f"{solution.getObjective():.6g}", "wall_time_s": f"{elapsed:.3f}"},
        )


def _prescribable(coordinates: Trial, model: osim.Model) -> Trial:
    """Coordinates MocoInverse can prescribe: every model coordinate, none that a constraint computes.

    MocoInverse prescribes *all* coordinates from the table: one missing from it becomes NaN and the problem
    fails at its first Jacobian ("NaN detected for output jac_g_x"), so a missing coordinate is held at the
    model's default value (with a warning naming it). Dependent coordinates of coupler constraints (the
    Rajagopal model's ``knee_angle_*_beta``) are dropped: the constraint computes them from the independent ones.
    """
    import opensim as osim

    constraints = model.getConstraintSet()
    couplers = [osim.CoordinateCouplerConstraint.safeDownCast(constraints.get(i))
                for i in range(constraints.getSize())]
    dependent = {c.getDependentCoordinateName() for c in couplers if c is not None}
    model_coordinates = model.getCoordinateSet()
    defaults = {c.getName(): c.getDefaultValue() for c in (model_coordinates.get(i)
                                                           for i in range(model_coordinates.getSize()))}
    kept = [n for n in coordinates.names if n not in dependent]
    missing = [n for n in defaults if n not in coordinates.names and n not in dependent]
    if missing:
        warnings.warn(f"{coordinates.source}: no column for model coordinate(s) {', '.join(missing)}; holding "
                      "them at the model's default value", stacklevel=3)
    values = np.column_stack([coordinates.select(kept).values,
                              *[np.full(coordinates.n_samples, defaults[n]) for n in missing]])
    return coordinates.with_values(values, [*kept, *missing], [*map(coordinates.unit, kept), *map(infer_unit, missing)])


@contextlib.contextmanager
def _working_directory(path: Path):
    previous = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(previous)
