"""``synergait inverse``: muscle activations from kinematics and ground reaction forces."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import numpy as np
import typer

from synergait.cli.common import JsonFlag, LoadsOption, app, emit
from synergait.fileio import require_suffix


@app.command()
def inverse(coordinates: Annotated[Path, typer.Option(help="OpenSim coordinates (.sto/.mot, IK output).")],
            grf: Annotated[Path, typer.Option(help="Ground reaction forces (.mot) with COP and free moment.")],
            out: Annotated[Path, typer.Option(help="Activation table: .csv (time + one column per muscle) or .npz "
                                                   "(with reserves and residuals).")],
            backend: Annotated[str, typer.Option(help="mujoco or moco (needs synergait[opensim]).")] = "mujoco",
            loads: LoadsOption = None,
            model: Annotated[str, typer.Option(help="MuJoCo body model.")] = "myolegs_abdomen",
            osim_model: Annotated[Path | None, typer.Option(help="OpenSim model: needed by moco; its mass scales "
                                                                  "the GRF for the mujoco backend.")] = None,
            function_based_paths: Annotated[Path | None, typer.Option(help="moco: FunctionBasedPathSet XML.")] = None,
            start: Annotated[float | None, typer.Option(help="Window start, s.")] = None,
            stop: Annotated[float | None, typer.Option(help="Window end, s.")] = None,
            subject_mass: Annotated[float | None, typer.Option(help="Subject body mass, kg.")] = None,
            mesh_interval: Annotated[float, typer.Option(help="moco: mesh interval, s.")] = 0.02,
            as_json: JsonFlag = False) -> None:
    """Estimate muscle activations from kinematics and GRF (inverse dynamics + optimisation)."""
    from synergait.inverse import estimate_activations

    require_suffix(out, ".csv", ".npz")
    table = estimate_activations(coordinates, grf, backend=backend, loads_xml=loads, model=model, start_s=start,
                                 stop_s=stop, subject_mass_kg=subject_mass, osim_model=osim_model,
                                 function_based_paths=function_based_paths, mesh_interval=mesh_interval,
                                 progress=not as_json)
    if out.suffix.lower() == ".csv":
        table.to_csv(out)
    else:
        table.save(out)
    reserves = np.abs(table.reserves).max(axis=0) if table.reserves.size else np.zeros(0)
    result = {"out": str(out), "backend": table.backend, "n_frames": int(table.time.size),
              "start_s": float(table.time[0]), "stop_s": float(table.time[-1]), "n_muscles": len(table.muscles),
              "max_reserve": dict(zip(table.reserve_dofs, reserves.tolist(), strict=True)),
              "max_abs_residual": np.abs(table.residuals).max(axis=0).tolist() if table.residuals.size else [],
              "wall_time_s": float(table.info.get("wall_time_s", "nan"))}
    emit(result, as_json, "inverse")
