"""``synergait quality ...``: movement-quality profiles and the redundancy explorer."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import numpy as np
import typer

from synergait.cli.common import JsonFlag, LoadsOption, MusclesOption, command_group, emit, read_activations
from synergait.errors import InputFileError

quality_app = command_group("quality", "Movement quality: co-contraction, effort distribution, timing, redundancy.")


@quality_app.command("profile")
def quality_profile_command(
    activations: Annotated[Path, typer.Argument(help="Activation table (.csv/.npz) or an evaluation directory.")],
    muscles: MusclesOption = None, as_json: JsonFlag = False,
) -> None:
    """Co-contraction, magnitude, effort distribution, timing and Laban scores of an activation time series."""
    from synergait.quality.measures import quality_profile

    if activations.is_dir():
        from synergait.evaluate.evaluation import Evaluation
        from synergait.model.catalog import EMG_CODE_MUSCLES, pairs_within

        cycles = Evaluation.load(activations).cycles
        if cycles is None:
            raise InputFileError(activations, "the evaluation holds no complete gait cycle to profile")
        names = list(EMG_CODE_MUSCLES.values())
        curves = np.column_stack([cycles.curves(f"emg_{code}").mean(axis=0) for code in EMG_CODE_MUSCLES])
        # 101 samples per cycle: "%" as time base; the pairs the eight recorded muscles form
        profile = quality_profile(curves, names, rate_hz=100.0, pairs=pairs_within(names))
    else:
        table = read_activations(activations)
        names = muscles.split(",") if muscles else [m for m in table.muscles if not m.endswith("_l")]
        profile = quality_profile(table.select(names), names, (table.time.size - 1) / np.ptp(table.time))
    result = profile.as_dict()
    emit(result, as_json, "quality profile", rows=lambda r: {
        "cocontraction_pct": r["cocontraction_pct"], "distribution": r["distribution"], "laban": r["laban"]})


@quality_app.command("redundancy")
def quality_redundancy(
    coordinates: Annotated[Path, typer.Option(help="OpenSim coordinates.")],
    grf: Annotated[Path, typer.Option(help="GRF file.")],
    out: Annotated[Path, typer.Option(help="Output directory (tables, figure, summary).")],
    loads: LoadsOption = None,
    osim_model: Annotated[Path | None, typer.Option(help="OpenSim model (its mass scales the GRF).")] = None,
    start: Annotated[float | None, typer.Option()] = None, stop: Annotated[float | None, typer.Option()] = None,
    as_json: JsonFlag = False,
) -> None:
    """One motion, several muscle solutions (sum a^2, sum a^3, co-contraction, proximal/distal effort)."""
    from synergait.data.io import read_trial
    from synergait.data.loads import external_loads_from_names, external_loads_from_xml
    from synergait.data.reference import osim_body_mass
    from synergait.quality.redundancy import explore, plot_solutions, summarise

    grf_trial = read_trial(grf)
    solutions = explore(read_trial(coordinates), grf_trial,
                        loads=external_loads_from_xml(loads) if loads else external_loads_from_names(grf_trial),
                        start_s=start, stop_s=stop, subject_mass_kg=osim_body_mass(osim_model) if osim_model else None)
    out.mkdir(parents=True, exist_ok=True)
    for name, table in solutions.items():
        table.save(out / f"{name}.npz")
    figure = plot_solutions(solutions, out / "redundancy.png")
    result = {"out": str(out), "figure": str(figure), "solutions": summarise(solutions)}
    emit(result, as_json, "redundancy explorer")
