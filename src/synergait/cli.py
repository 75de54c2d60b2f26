"""The ``synergait`` command: a thin layer over the stage APIs.

Every command that reports figures takes ``--json`` and then prints exactly one JSON object on stdout.
User errors (bad files, bad parameters) print one line on stderr and exit with code 2.
"""

from __future__ import annotations

import json
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer
from rich.console import Console
from rich.table import Table

from synergait import __version__
from synergait.errors import SynergaitError

app = typer.Typer(help="synergait: predictive musculoskeletal locomotion simulation with muscle-synergy priors.",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
data_app = typer.Typer(help="Human data: read recordings, gait events, cycles, reference datasets.",
                       no_args_is_help=True)
app.add_typer(data_app, name="data")

console = Console()

JsonFlag = Annotated[bool, typer.Option("--json", help="Print exactly one JSON object on stdout.")]


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return _jsonable(value.tolist())
    if isinstance(value, (np.floating, float)):
        return None if not np.isfinite(value) else float(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, Path):
        return str(value)
    return value


def emit(result: dict[str, Any], as_json: bool, render: Callable[[dict[str, Any]], None]) -> None:
    """Print ``result`` as one JSON object or through ``render`` for people."""
    if as_json:
        sys.stdout.write(json.dumps(_jsonable(result)) + "\n")
    else:
        render(result)


def _key_value_table(title: str, rows: dict[str, Any]) -> Table:
    table = Table(title=title, show_header=False, title_justify="left")
    for key, value in rows.items():
        table.add_row(key, str(value))
    return table


@app.command()
def version(as_json: JsonFlag = False) -> None:
    """Show the synergait version."""
    emit({"version": __version__}, as_json, lambda r: console.print(f"synergait {r['version']}"))


# --- data ----------------------------------------------------------------------------------------------------
@data_app.command("info")
def data_info(path: Annotated[Path, typer.Argument(help="A .sto, .mot, .trc, .c3d or .csv file.")],
              as_json: JsonFlag = False) -> None:
    """Signals, units, sampling rate and duration of a recording."""
    from synergait.data.io import read_trial

    trial = read_trial(path)
    result = trial.describe()

    def render(r: dict[str, Any]) -> None:
        console.print(_key_value_table(str(path), {k: v for k, v in r.items() if k != "signals"}))
        table = Table("signal", "unit")
        for signal in r["signals"]:
            table.add_row(signal["name"], signal["unit"])
        console.print(table)

    emit(result, as_json, render)


LoadsOption = Annotated[Path | None, typer.Option("--loads", help="OpenSim ExternalLoads XML naming the force "
                                                                     "columns of each side.")]
ThresholdOption = Annotated[float, typer.Option("--threshold", help="Vertical GRF contact threshold, N.")]
LowpassOption = Annotated[float, typer.Option("--lowpass", help="Zero-lag 4th-order Butterworth cut-off applied to "
                                                                 "the forces first, Hz (0 = off).")]


def _events(grf_file: Path, loads: Path | None, threshold: float, lowpass: float):
    from synergait.data.events import detect_gait_events
    from synergait.data.io import read_trial

    return detect_gait_events(read_trial(grf_file), threshold_n=threshold, loads_xml=loads,
                              lowpass_hz=lowpass or None)


@data_app.command("events")
def data_events(grf_file: Annotated[Path, typer.Argument(help="File with vertical ground reaction forces.")],
                loads: LoadsOption = None, threshold: ThresholdOption = 15.0, lowpass: LowpassOption = 0.0,
                as_json: JsonFlag = False) -> None:
    """Heel strikes and toe-offs per side (seconds) from vertical GRF."""
    events = _events(grf_file, loads, threshold, lowpass)

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
                as_json: JsonFlag = False) -> None:
    """Cut a recording at heel strikes into cycles normalised to 0..100 % (101 samples) and export them."""
    from synergait.data.cycles import PHASES, cut_cycles
    from synergait.data.io import read_trial
    from synergait.fileio import atomic_path

    trial = read_trial(path)
    events = _events(events_file or path, loads, threshold, lowpass)
    cycles = cut_cycles(trial, events, side, signals.split(",") if signals else None)
    with atomic_path(out) as tmp:
        cycles.to_frame().to_csv(tmp, index=False, float_format="%.10g")
    result = {"out": str(out), "side": side, "n_cycles": cycles.n_cycles, "signals": list(cycles.names),
              "start_s": cycles.start_s, "duration_s": cycles.duration_s, "phases": list(PHASES),
              "phase_bounds_pct": cycles.phase_bounds, "phase_source": list(cycles.phase_source)}
    emit(result, as_json, lambda r: console.print(_key_value_table(f"{side} cycles -> {out}", r)))


FromOption = Annotated[Path | None, typer.Option("--from", help="Use a local copy in this folder instead of "
                                                                  "downloading (also: SYNERGAIT_DATA_DIR).")]


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
    emit(result, as_json, lambda r: console.print(_key_value_table(f"dataset {name}", r)))


@data_app.command("reference")
def data_reference(name: Annotated[str, typer.Argument(help="A known dataset name or a reference CSV file.")],
                   source: FromOption = None,
                   out: Annotated[Path | None, typer.Option("--out", help="Write the ReferenceSet as CSV.")] = None,
                   as_json: JsonFlag = False) -> None:
    """Describe a human ReferenceSet (subjects, conditions, variables) and optionally export it as CSV."""
    from synergait.data.fetch import DATASETS, load_reference
    from synergait.data.reference import ReferenceSet

    reference = load_reference(name, source=source) if name in DATASETS else ReferenceSet.from_csv(name)
    if out:
        reference.to_csv(out)
    result = reference.describe() | {"out": str(out) if out else None}
    emit(result, as_json, lambda r: console.print(_key_value_table(f"reference {reference.name}", r)))


# --- main job ----------------------------------------------------------------------------------------------------
@app.command()
def demo(out: Annotated[Path, typer.Option(help="Output folder.")] = Path("synergait-demo"),
         source: FromOption = None, as_json: JsonFlag = False) -> None:
    """Run the pipeline on built-in defaults (today: the human-data stage on the Rajagopal 2016 trial)."""
    from synergait.demo import run_demo

    result = run_demo(out, source=source, progress=not as_json)
    emit(result, as_json, lambda r: console.print(_key_value_table("synergait demo", r)))


def main() -> None:
    """Entry point: run the CLI; user errors become one line on stderr and exit code 2."""
    warnings.simplefilter("default")
    warnings.formatwarning = lambda message, category, *args, **kwargs: f"warning: {message}\n"
    try:
        app()  # usage errors: typer prints them and exits 2
    except SynergaitError as exc:
        sys.stderr.write(f"error: {exc}\n")
        sys.exit(2)


if __name__ == "__main__":
    main()
