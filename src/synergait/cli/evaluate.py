"""``synergait metrics``, ``evaluate``, ``report``, ``render``: walkers against human data."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from synergait.cli.common import (
    BasisOption,
    FromOption,
    JsonFlag,
    OptionalControllerOption,
    PolicyArgument,
    app,
    console,
    emit,
)
from synergait.errors import InputFileError
from synergait.fileio import require_suffix


@app.command("metrics")
def metrics_command(
    sim_cycles: Annotated[Path, typer.Argument(help="Simulated (or any) cycles as a ReferenceSet CSV.")],
    reference: Annotated[str, typer.Option(help="Known dataset name or a ReferenceSet CSV.")] = "falisse2019",
    source: FromOption = None, as_json: JsonFlag = False,
) -> None:
    """RMSE ratio, Pearson r, counts over 2/3/5, trend agreement and EMG similarity against human data."""
    from synergait.data.fetch import load_reference
    from synergait.data.reference import ReferenceSet
    from synergait.evaluate.metrics import score

    simulated = ReferenceSet.from_csv(sim_cycles)  # the user's file first: no download for a bad input
    human = load_reference(reference, source=source)
    result = score(simulated, human).headline()

    def render(r: dict[str, Any]) -> None:
        by_condition = r["rmse_ratio_by_condition"]
        table = Table("variable", "RMSE ratio", "Pearson r", *by_condition, title=f"against {human.name} "
                      "(RMSE ratio per condition on the right)")
        for variable, ratio in r["rmse_ratio"].items():
            table.add_row(variable, f"{ratio:.2f}", f"{r['pearson_r'].get(variable, float('nan')):.3f}",
                          *(f"{ratios.get(variable, float('nan')):.2f}" for ratios in by_condition.values()))
        console.print(table)
        console.print(f"variable-phase combinations with RMSE ratio > 2 / 3 / 5: "
                      f"{r['counts_over']['2']} / {r['counts_over']['3']} / {r['counts_over']['5']}")
        trend = r["trend_agreement"]
        console.print(f"trend directions: {trend['agreed']} of {trend['checked']} agree"
                      + "".join(f"; not checked: {reason}" for reason in trend.get("not_checked", [])))
        emg = Table("muscle", "condition", "median r", "human IQR", "within human range", title="EMG similarity")
        for muscle, similarity in r["emg"].items():
            iqr = similarity["human_iqr"]
            emg.add_row(muscle, similarity["condition"], f"{similarity['median_r']:.2f}",
                        "–" if iqr is None else f"{iqr[0]:.2f}–{iqr[1]:.2f}",
                        {True: "yes", False: "no", None: "no verdict"}[similarity["within_human_range"]])
        console.print(emg)
        for note in r["approximation"] + r["gaps"]:
            console.print(f"note: {note}")

    emit(result, as_json, render)


def _optional_reference(reference: str, source: Path | None, consequence: str):
    """The reference, or None with a warning on stderr saying what is skipped without it."""
    from synergait.data.fetch import load_reference

    try:
        return load_reference(reference, source=source)
    except InputFileError as exc:
        Console(stderr=True).print(f"warning: reference unavailable ({exc}); {consequence}")
        return None


@app.command("evaluate")
def evaluate_command(
    policy: PolicyArgument,
    out: Annotated[Path, typer.Option(help="Evaluation directory.")],
    controller: OptionalControllerOption = None, basis: BasisOption = None,
    conditions: Annotated[str, typer.Option(help="paper, quick, or a CSV with speed_m_s,slope_deg.")] = "quick",
    rollouts: Annotated[int, typer.Option(min=1, help="Rollouts per condition.")] = 10,
    strides: Annotated[int, typer.Option(min=1, help="Final strides kept per rollout.")] = 10,
    reference: Annotated[str, typer.Option(help="Known dataset or ReferenceSet CSV.")] = "falisse2019",
    source: FromOption = None,
    label: Annotated[str | None, typer.Option(help="Name of this controller in reports.")] = None,
    workers: Annotated[int, typer.Option(min=1, help="Conditions in parallel (processes).")] = 1,
    address: Annotated[str | None, typer.Option(help="Ray cluster address (conditions as Ray tasks).")] = None,
    seed: Annotated[int, typer.Option()] = 0, as_json: JsonFlag = False,
) -> None:
    """Deterministic rollouts per condition, cut into gait cycles and scored against human data."""
    from synergait.evaluate.rollout import conditions_from
    from synergait.evaluate.run import evaluate_policy

    chosen = conditions_from(conditions)
    human = _optional_reference(reference, source, "cycles are written, metrics skipped")
    result = evaluate_policy(policy, chosen, out, controller=controller, reference=human,
                             basis=str(basis) if basis else None, rollouts=rollouts, strides=strides, seed=seed,
                             label=label, workers=workers, address=address).summary()
    emit(result, as_json, f"evaluation -> {out}", rows=lambda r: {
        k: v for k, v in r.items() if k not in ("emg", "trend_agreement")})


@app.command("report")
def report_command(
    evaluations: Annotated[list[Path], typer.Argument(help="Evaluation directories (one per controller).")],
    out: Annotated[Path, typer.Option(help="HTML file.")] = Path("report.html"),
    reference: Annotated[str, typer.Option(help="Known dataset or ReferenceSet CSV for the human band.")] =
    "falisse2019",
    source: FromOption = None,
    training: Annotated[list[Path] | None, typer.Option(help="Training run directories (learning curves).")] = None,
    as_json: JsonFlag = False,
) -> None:
    """One self-contained HTML report comparing evaluated controllers (figures embedded)."""
    from synergait.evaluate.evaluation import Evaluation
    from synergait.report.html import write_report
    from synergait.train.run import TrainingRun

    runs = [Evaluation.load(e) for e in evaluations]
    runs_trained = [TrainingRun.load(t) for t in training or []]
    human = _optional_reference(reference, source, "the report has no human band or metrics")
    path = write_report(runs, out, human=human, training=runs_trained)
    emit({"out": str(path), "bytes": path.stat().st_size, "controllers": len(evaluations)}, as_json,
         "report")


@app.command("render")
def render_command(
    policy: PolicyArgument,
    out: Annotated[Path, typer.Option(help="Video file (.mp4 or .gif).")] = Path("walk.mp4"),
    controller: OptionalControllerOption = None, basis: BasisOption = None,
    compare: Annotated[str | None, typer.Option(help="Second policy, rendered side by side.")] = None,
    compare_controller: Annotated[str | None, typer.Option(help="Controller of the second policy (random/zero, "
                                                                "bare model files).")] = None,
    seconds: Annotated[float, typer.Option(help="Clip length, s.")] = 8.0,
    fps: Annotated[int, typer.Option(help="Frames per second.")] = 20,
    width: Annotated[int, typer.Option()] = 480, height: Annotated[int, typer.Option()] = 360,
    strip: Annotated[Path | None, typer.Option(help="Also write a PNG strip of frames.")] = None,
    seed: Annotated[int, typer.Option()] = 0, as_json: JsonFlag = False,
) -> None:
    """Render a walker headless (camera tracking the pelvis, muscles coloured by activation, GRF arrows)."""
    from synergait.report.render import frame_strip, rollout_frames, side_by_side, write_video

    require_suffix(out, ".mp4", ".gif")
    if strip:
        require_suffix(strip, ".png", parameter="--strip")
    common = {"seconds": seconds, "fps": fps, "width": width, "height": height, "seed": seed}
    frames, info = rollout_frames(policy, controller, basis=str(basis) if basis else None, **common)
    if compare:
        other, _ = rollout_frames(compare, compare_controller, **common)
        frames = side_by_side(frames, other)
    write_video(frames, out, fps)
    if strip:
        frame_strip(frames, strip)
    emit({"out": str(out), "frames": len(frames), "fps": fps, "falls": info["falls"],
          "strip": str(strip) if strip else None}, as_json, "render")
