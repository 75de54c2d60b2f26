"""``synergait data ...``: read recordings, gait events, cycles, reference datasets."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from synergait.cli.common import FromOption, JsonFlag, LoadsOption, command_group, console, emit, key_value_table

data_app = command_group("data", "Human data: read recordings, gait events, cycles, reference datasets.")


@data_app.command("info")
def data_info(path: Annotated[Path, typer.Argument(help="A .sto, .mot, .trc, .c3d or .csv file.")],
              fill_gaps: Annotated[float | None, typer.Option("--fill-gaps", min=0, help="Fill marker gaps up to "
                                                              "this long, s (PCHIP; .trc).")] = None,
              as_json: JsonFlag = False) -> None:
    """Signals, units, sampling rate and duration of a recording (every gapped marker listed when it has gaps)."""
    from synergait.data.io import read_trial

    trial = read_trial(path, fill_gaps_s=fill_gaps)
    result = trial.describe()

    def render(r: dict[str, Any]) -> None:
        console.print(key_value_table(str(path), {k: v for k, v in r.items() if k != "signals"}))
        table = Table("signal", "unit")
        for signal in r["signals"]:
            table.add_row(signal["name"], signal["unit"])
        console.print(table)

    emit(result, as_json, render)


ThresholdOption = Annotated[float, typer.Option("--threshold", help="Vertical GRF contact threshold, N.")]
LowpassOption = Annotated[float, typer.Option("--lowpass", help="Zero-lag 4th-order Butterworth cut-off applied to "
                                                                 "the forces first, Hz (default 0: off; the paper "
                                                                 "filters at 12).")]


RightColumnsOption = Annotated[str | None, typer.Option(
    "--right-columns", help="Comma-separated vertical-force columns of the right foot (summed; e.g. the plates it "
                            "steps on), instead of --loads or the column names.")]
LeftColumnsOption = Annotated[str | None, typer.Option("--left-columns", help="The same for the left foot.")]


def _events(grf_file: Path, loads: Path | None, threshold: float, lowpass: float, right: str | None = None,
            left: str | None = None):
    from synergait.data.events import detect_gait_events
    from synergait.data.io import read_trial
    from synergait.errors import ParameterError

    columns = None
    if right is not None or left is not None:
        if right is None or left is None:
            raise ParameterError("--right-columns/--left-columns", "name the columns of both feet")
        columns = {"right": [c.strip() for c in right.split(",") if c.strip()],
                   "left": [c.strip() for c in left.split(",") if c.strip()]}
    return detect_gait_events(read_trial(grf_file), threshold_n=threshold, loads_xml=loads,
                              lowpass_hz=lowpass or None, columns=columns)


@data_app.command("events")
def data_events(grf_file: Annotated[Path, typer.Argument(help="File with vertical ground reaction forces.")],
                loads: LoadsOption = None, threshold: ThresholdOption = 15.0, lowpass: LowpassOption = 0.0,
                right_columns: RightColumnsOption = None, left_columns: LeftColumnsOption = None,
                as_json: JsonFlag = False) -> None:
    """Heel strikes and toe-offs per side (seconds) from vertical GRF."""
    events = _events(grf_file, loads, threshold, lowpass, right_columns, left_columns)

    def render(r: dict[str, Any]) -> None:
        table = Table("side", "heel strikes (s)", "toe-offs (s)", title=f"gait events, threshold {threshold:g} N")
        for side in ("right", "left"):
            table.add_row(side, ", ".join(f"{t:.4f}" for t in r[side]["heel_strikes"]),
                          ", ".join(f"{t:.4f}" for t in r[side]["toe_offs"]))
        console.print(table)

    emit(events.to_dict(), as_json, render)


@data_app.command("cycles")
def data_cycles(path: Annotated[Path, typer.Argument(help="Recording to cut into cycles.")],
                out: Annotated[Path, typer.Option("--out", help="CSV file for the normalised cycles (long format).")],
                events_file: Annotated[Path | None, typer.Option("--events", help="GRF file for the events "
                                                                                  "(default: PATH itself).")] = None,
                side: Annotated[str, typer.Option(help="right or left.")] = "right",
                signals: Annotated[str | None, typer.Option(help="Comma-separated signal names "
                                                                     "(default: all).")] = None,
                loads: LoadsOption = None, threshold: ThresholdOption = 15.0, lowpass: LowpassOption = 0.0,
                right_columns: RightColumnsOption = None, left_columns: LeftColumnsOption = None,
                as_json: JsonFlag = False) -> None:
    """Cut a recording at heel strikes into cycles normalised to 0..100 % (101 samples) and export them."""
    from synergait.data.cycles import PHASES, cut_cycles
    from synergait.data.io import read_trial
    from synergait.fileio import atomic_path

    trial = read_trial(path)
    events = _events(events_file or path, loads, threshold, lowpass, right_columns, left_columns)
    cycles = cut_cycles(trial, events, side, signals.split(",") if signals else None)
    with atomic_path(out) as tmp:
        cycles.to_frame().to_csv(tmp, index=False, float_format="%.10g")
    result = {"out": str(out), "side": side, "n_cycles": cycles.n_cycles, "signals": list(cycles.names),
              "start_s": cycles.start_s, "duration_s": cycles.duration_s, "phases": list(PHASES),
              "phase_bounds_pct": cycles.phase_bounds, "phase_source": list(cycles.phase_source)}
    emit(result, as_json, f"{side} cycles -> {out}")




@data_app.command("fetch")
def data_fetch(name: Annotated[str, typer.Argument(help="Dataset: rajagopal2016, falisse2019 or "
                                                         "gait2354_subject01.")],
               source: FromOption = None, as_json: JsonFlag = False) -> None:
    """Download a known public dataset (pinned URL, SHA-256 checked) into the cache, or verify a local copy."""
    from synergait.data.fetch import dataset, fetch

    spec = dataset(name)
    folder = fetch(name, source=source, progress=not as_json)
    result = {"name": name, "path": str(folder), "files": sorted(spec.files), "verified_sha256": True,
              "license": spec.license, "citation": spec.citation}
    emit(result, as_json, f"dataset {name}")


@data_app.command("reference")
def data_reference(name: Annotated[str, typer.Argument(help="A known dataset name or a reference CSV file.")],
                   source: FromOption = None,
                   out: Annotated[Path | None, typer.Option("--out", help="Write the ReferenceSet as CSV.")] = None,
                   as_json: JsonFlag = False) -> None:
    """Describe a human ReferenceSet (subjects, conditions, variables) and optionally export it as CSV."""
    from synergait.data.fetch import load_reference

    reference = load_reference(name, source=source)
    if out:
        reference.to_csv(out)
    result = reference.describe() | {"out": str(out) if out else None}
    emit(result, as_json, f"reference {reference.name}")
