"""Inverse stage: from measured kinematics and GRF to muscle activations (``ActivationTable``).

Two backends behind one function, :func:`estimate_activations`: ``mujoco`` (static optimisation on the MuJoCo
model, default, no OpenSim needed) and ``moco`` (OpenSim Moco ``MocoInverse``, extra ``synergait[opensim]``).
"""

from __future__ import annotations

from pathlib import Path

from synergait.data.io import read_trial
from synergait.data.loads import external_loads_from_names, external_loads_from_xml
from synergait.data.trial import Trial
from synergait.errors import ParameterError
from synergait.inverse.mujoco_backend import MuJoCoInverse
from synergait.inverse.table import ActivationTable
from synergait.model.catalog import DEFAULT_MODEL

__all__ = ["ActivationTable", "MuJoCoInverse", "estimate_activations", "rajagopal_activations"]


def estimate_activations(coordinates: str | Path, grf: str | Path, *, backend: str = "mujoco",
                         loads_xml: str | Path | None = None, model: str = DEFAULT_MODEL,
                         start_s: float | None = None, stop_s: float | None = None,
                         subject_mass_kg: float | None = None, osim_model: str | Path | None = None,
                         function_based_paths: str | Path | None = None, mesh_interval: float = 0.02,
                         rate_hz: float = 100.0, progress: bool = False) -> ActivationTable:
    """Muscle activations from an OpenSim coordinates file and a GRF file, with either backend.

    ``subject_mass_kg`` defaults to the mass of ``osim_model`` when one is given (MuJoCo backend: GRF scaled to
    the model's mass). Without ``start_s`` and ``stop_s`` the MuJoCo backend analyses the first complete right
    gait cycle the GRF's events find inside the kinematics (the whole span, with a warning, when there is none).
    The ``moco`` backend needs ``osim_model`` and ``loads_xml``.
    """
    if backend == "mujoco":
        grf_trial = read_trial(grf)
        loads = external_loads_from_xml(loads_xml) if loads_xml else external_loads_from_names(grf_trial)
        coordinates_trial = read_trial(coordinates)
        if start_s is None and stop_s is None:
            start_s, stop_s = _first_cycle(grf_trial, loads_xml, coordinates_trial)
        if subject_mass_kg is None and osim_model is not None:
            from synergait.data.reference import osim_body_mass

            subject_mass_kg = osim_body_mass(osim_model)
        solver = MuJoCoInverse(model=model, rate_hz=rate_hz, subject_mass_kg=subject_mass_kg, progress=progress)
        return solver.solve(coordinates_trial, grf_trial, loads=loads, start_s=start_s, stop_s=stop_s)
    if backend == "moco":
        from synergait.inverse.moco_backend import MocoInverseBackend

        if osim_model is None or loads_xml is None:
            raise ParameterError("backend", "moco needs --osim-model and --loads (OpenSim model and ExternalLoads)")
        coordinates_trial = read_trial(coordinates)
        start = start_s if start_s is not None else float(coordinates_trial.time[0])
        stop = stop_s if stop_s is not None else float(coordinates_trial.time[-1])
        return MocoInverseBackend(osim_model, loads_xml, function_based_paths, mesh_interval).solve(
            coordinates, start_s=start, stop_s=stop)
    raise ParameterError("backend", f"must be 'mujoco' or 'moco', got '{backend}'")


def _first_cycle(grf: Trial, loads_xml: str | Path | None, coordinates: Trial) -> tuple[float | None, float | None]:
    """The first complete right gait cycle (heel strike to heel strike) inside the coordinates' span."""
    import warnings

    from synergait.data.events import detect_gait_events
    from synergait.errors import InputFileError

    try:
        strikes = detect_gait_events(grf, loads_xml=loads_xml).right.heel_strikes
    except (InputFileError, ParameterError):
        strikes = ()
    inside = [t for t in strikes if coordinates.time[0] + 0.01 <= t <= coordinates.time[-1] - 0.01]
    if len(inside) < 2:
        warnings.warn(f"{grf.source}: no complete right gait cycle inside the kinematics "
                      f"({coordinates.time[0]:g}-{coordinates.time[-1]:g} s): analysing the whole span", stacklevel=3)
        return None, None
    return inside[0], inside[1]


def rajagopal_activations(source: str | Path | None = None, **options: object) -> ActivationTable:
    """Activations of the Rajagopal 2016 stride (:data:`synergait.data.rajagopal.RAJAGOPAL_WINDOW_S`) from a
    local copy or the cache; ``options`` go to :func:`estimate_activations` (e.g. ``backend="moco"``,
    ``progress=True``)."""
    from synergait.data.rajagopal import RAJAGOPAL_WINDOW_S, RajagopalTrial

    trial = RajagopalTrial.fetch(source)
    return estimate_activations(trial.coordinates, trial.grf, loads_xml=trial.loads, osim_model=trial.osim_model,
                                start_s=RAJAGOPAL_WINDOW_S[0], stop_s=RAJAGOPAL_WINDOW_S[1], **options)  # type: ignore[arg-type]
