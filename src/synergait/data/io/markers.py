"""Marker and analog files: ``.trc`` (reader and writer) and ``.c3d`` (reader, via ezc3d).

Marker coordinates become signals ``<marker>_x``, ``<marker>_y``, ``<marker>_z`` in metres, whatever the file's
length unit (``Units`` in the TRC header, ``POINT:UNITS`` in C3D), so downstream code never guesses.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd

from synergait.data.gaps import fill_gaps, find_gaps, summarise
from synergait.data.trial import Trial
from synergait.data.units import LENGTH_TO_M
from synergait.errors import InputFileError
from synergait.fileio import atomic_write_text

_AXES = ("x", "y", "z")


def _length_factor(unit: str, path: Path, where: str) -> float:
    factor = LENGTH_TO_M.get(unit.strip().lower())
    if factor is None:
        raise InputFileError(path, f"unknown length unit '{unit}' in {where} (known: {', '.join(LENGTH_TO_M)})")
    return factor


def read_trc(path: str | Path, *, fill_gaps_s: float | None = None) -> Trial:
    """Read a TRC marker file; coordinates are converted to metres (``Units`` honoured).

    Gaps (empty or NaN coordinates of an occluded marker) are an error that lists every gapped marker with its
    gaps, unless ``fill_gaps_s`` is given: interior gaps up to that long are then filled (see
    :mod:`synergait.data.gaps`) and longer ones are still an error."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError as exc:
        raise InputFileError(path, f"cannot read file ({exc.strerror})") from None
    if not any(line.strip() for line in lines):
        raise InputFileError(path, "empty file")
    if len(lines) < 5 or not lines[0].startswith("PathFileType"):
        raise InputFileError(path, "malformed header: a TRC file starts with 'PathFileType' and has 5 header lines")
    keys, vals = lines[1].split(), lines[2].split()  # values are padded with extra tabs in some exporters
    settings = dict(zip(keys, vals, strict=False))
    if "Units" not in settings:
        raise InputFileError(path, "malformed header: no 'Units' field on line 2")
    factor = _length_factor(settings["Units"], path, "the header's Units field")
    markers = [m.strip() for m in lines[3].split("\t")[2:] if m.strip()]
    if not markers:
        raise InputFileError(path, "malformed header: no marker names on line 4")
    if len(set(markers)) != len(markers):
        dup = sorted({m for m in markers if markers.count(m) > 1})
        raise InputFileError(path, f"duplicated column(s): {', '.join(dup)}")
    body = "\n".join(line for line in lines[5:] if line.strip())
    if not body:
        raise InputFileError(path, "no data rows")
    try:
        table = pd.read_csv(io.StringIO(body), sep="\t", header=None, dtype=float).to_numpy()
    except ValueError as exc:
        raise InputFileError(path, f"non-numeric data in table ({str(exc).splitlines()[0]})") from None
    n_cols = 2 + 3 * len(markers)
    if table.shape[1] < n_cols:
        raise InputFileError(path, f"{len(markers)} markers need {n_cols} columns, rows hold {table.shape[1]}")
    names = [f"{m}_{a}" for m in markers for a in _AXES]
    time, values = table[:, 1], table[:, 2:n_cols] * factor
    if not np.isfinite(values).all() and np.isfinite(time).all():
        gaps = find_gaps(time, values, names)
        if fill_gaps_s is not None:
            values, gaps = fill_gaps(time, values, names, fill_gaps_s)
        if gaps:
            limit = f"longer than {fill_gaps_s:g} s or at an end" if fill_gaps_s is not None else "unfilled"
            raise InputFileError(path, f"{len({g.signal for g in gaps})} signal(s) with gaps ({limit}): "
                                       f"{summarise(gaps)}" + ("" if fill_gaps_s is not None else
                                                               "; fill short ones with --fill-gaps SECONDS"))
    return Trial(time=time, values=values, names=names, units=["m"] * len(names), source=str(path),
                 metadata=settings)


def marker_names(trial: Trial) -> list[str]:
    """Marker names of a trial whose signals come in ``_x``/``_y``/``_z`` triples (order kept)."""
    names = [n[:-2] for n in trial.names if n.endswith("_x")]
    missing = [f"{m}_{a}" for m in names for a in _AXES if f"{m}_{a}" not in trial]
    if missing or 3 * len(names) != len(trial.names):
        raise InputFileError(trial.source, f"not a marker trial: missing {', '.join(missing) or 'x/y/z triples'}")
    return names


def write_trc(trial: Trial, path: str | Path, *, units: str = "mm") -> None:
    """Write a marker trial (signals ``<marker>_x/_y/_z`` in metres) as a TRC file in ``units``."""
    path = Path(path)
    factor = _length_factor(units, path, "the 'units' argument")
    markers = marker_names(trial)
    rate = trial.rate_hz
    n = trial.n_samples
    head = [
        f"PathFileType\t4\t(X/Y/Z)\t{path.name}",
        "DataRate\tCameraRate\tNumFrames\tNumMarkers\tUnits\tOrigDataRate\tOrigDataStartFrame\tOrigNumFrames",
        f"{rate:g}\t{rate:g}\t{n}\t{len(markers)}\t{units}\t{rate:g}\t1\t{n}",
        "\t".join(["Frame#", "Time", *[f"{m}\t\t" for m in markers]]).rstrip("\t"),
        "\t".join(["", "", *[f"{a.upper()}{i + 1}" for i in range(len(markers)) for a in _AXES]]),
        "",
    ]
    table = np.column_stack([np.arange(1, n + 1), trial.time, trial.select(
        [f"{m}_{a}" for m in markers for a in _AXES]).values / factor])
    buffer = io.StringIO()
    np.savetxt(buffer, table, delimiter="\t", fmt=["%d", "%.17g", *["%.17g"] * (3 * len(markers))])
    atomic_write_text(path, "\n".join(head) + "\n" + buffer.getvalue())


def read_c3d(path: str | Path, *, analogs: bool = False) -> Trial:
    """Read a C3D file with ezc3d: marker points (default, metres) or the analog channels (``analogs=True``).

    Points and analogs have different rates in C3D, so each call returns one time base. Occluded markers
    (NaN in C3D) are an error naming the marker; fill gaps before importing.
    """
    import ezc3d  # local: C extension, only needed for .c3d files

    path = Path(path)
    if not path.is_file():
        raise InputFileError(path, "file not found")
    try:
        c3d = ezc3d.c3d(str(path))
    except (RuntimeError, ValueError, OSError) as exc:
        raise InputFileError(path, f"not a readable C3D file ({exc})") from None
    params = c3d["parameters"]
    if analogs:
        data = c3d["data"]["analogs"][0]  # (channels, frames)
        labels = [str(s).strip() for s in params["ANALOG"]["LABELS"]["value"]]
        units_param = params["ANALOG"].get("UNITS", {}).get("value", [])
        units = [str(u).strip() or "1" for u in units_param] or ["1"] * len(labels)
        units = [{"V": "V", "N": "N", "Nmm": "N*mm", "Nm": "N*m"}.get(u, u) for u in units]
        rate = float(params["ANALOG"]["RATE"]["value"][0])
        values = data.T
    else:
        points = c3d["data"]["points"][:3]  # (3, markers, frames)
        labels = [str(s).strip() for s in params["POINT"]["LABELS"]["value"]]
        unit = str(params["POINT"].get("UNITS", {}).get("value", ["mm"])[0])
        factor = _length_factor(unit, path, "POINT:UNITS")
        values = np.transpose(points, (2, 1, 0)).reshape(points.shape[2], -1) * factor
        labels = [f"{m}_{a}" for m in labels for a in _AXES]
        units = ["m"] * len(labels)
        rate = float(params["POINT"]["RATE"]["value"][0])
    if values.shape[0] == 0:
        raise InputFileError(path, "no frames")
    first = int(params["TRIAL"]["ACTUAL_START_FIELD"]["value"][0]) - 1 if "TRIAL" in params else 0
    time = (first + np.arange(values.shape[0])) / rate
    return Trial(time=time, values=values, names=labels, units=units[: len(labels)], source=str(path))
