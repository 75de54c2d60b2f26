"""OpenSim storage files (``.sto``, ``.mot``): reader and writer.

Both header styles are read:

* OpenSim >= 4 / classic ``.mot``: a name line, ``key=value`` lines (``version``, ``nRows``, ``nColumns``,
  ``inDegrees``, ...), ``endheader``, then a tab-separated table whose first row holds the column labels;
* SIMM / OpenSim 2 style: ``key value`` lines (``datacolumns 19``, ``datarows 1501``, ``range 0 2.5``).

Units. OpenSim files do not state a unit per column, so synergait infers it from the column label (documented
in :func:`infer_unit`) and converts rotational coordinates to radians when the header says ``inDegrees=yes``.
A mismatch between the declared ``nColumns``/``nRows`` and the table is reported as a warning, not an error:
the Rajagopal 2016 ``coordinates.sto`` declares 40 columns but holds 32.
"""

from __future__ import annotations

import io
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from synergait.data.trial import Trial
from synergait.data.units import DEG_TO_RAD, RAD_TO_DEG
from synergait.errors import InputFileError
from synergait.fileio import atomic_write_text

# Label patterns, tried in order; the first match names the unit. Labels may be full component paths such as
# ``/jointset/hip_r/hip_flexion_r/value``; only the coordinate name and the trailing ``value``/``speed`` count.
_FORCE = re.compile(r"(force|grf).*_v[xyz]$|_(fx|fy|fz)$|_force$", re.IGNORECASE)
_POINT = re.compile(r"_p[xyz]$|_(cop|px|py|pz)", re.IGNORECASE)
_TORQUE = re.compile(r"torque.*_[xyz]$|_moment$|_(mx|my|mz)$", re.IGNORECASE)
_TRANSLATION = re.compile(r"_t[xyz]$", re.IGNORECASE)
_ROTATION = re.compile(
    r"(flexion|extension|adduction|abduction|rotation|angle|tilt|list|bending|deviation|flex|add|rot|"
    r"pro_sup|beta|subtalar|mtp|elbow|wrist|arm|lumbar|thorax)",
    re.IGNORECASE,
)


def infer_unit(label: str) -> str:
    """Unit of an OpenSim column from its label (after any ``inDegrees`` conversion).

    Forces (``*_force_vx``, ``*_force``) are N, centres of pressure (``*_px``) m, torques and moments N*m,
    translational coordinates (``*_tx``) m, rotational coordinates (hip_flexion, knee_angle, ...) rad, their
    ``/speed`` columns m/s or rad/s; anything else (EMG envelopes, activations, ...) is dimensionless ``1``.
    """
    path_parts = label.strip("/").split("/")
    is_speed = path_parts[-1] == "speed"
    if path_parts[-1] in ("value", "speed") and len(path_parts) > 1:
        name = path_parts[-2]
    else:
        name = path_parts[-1]
    if _FORCE.search(name):
        return "N"
    if _POINT.search(name):
        return "m"
    if _TORQUE.search(name):
        return "N*m"
    if _TRANSLATION.search(name):
        return "m/s" if is_speed else "m"
    if _ROTATION.search(name):
        return "rad/s" if is_speed else "rad"
    return "1"


def _short_name(label: str) -> str:
    """``/jointset/hip_r/hip_flexion_r/value`` -> ``hip_flexion_r``; ``.../speed`` -> ``hip_flexion_r_speed``."""
    parts = label.strip("/").split("/")
    if len(parts) > 1 and parts[-1] in ("value", "speed"):
        return parts[-2] + ("_speed" if parts[-1] == "speed" else "")
    return label


def _parse_header(lines: list[str], path: Path) -> dict[str, str]:
    header: dict[str, str] = {"name": lines[0].strip()} if lines else {}
    for line in lines[1:]:
        line = line.strip()
        if not line:
            continue
        if "=" in line:
            key, value = line.split("=", 1)
        else:
            parts = line.split(None, 1)
            key, value = parts[0], parts[1] if len(parts) > 1 else ""
        header[key.strip()] = value.strip()
    return header


def read_storage(path: str | Path) -> Trial:
    """Read an OpenSim ``.sto`` or ``.mot`` file into a :class:`Trial` in SI units (angles in radians)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise InputFileError(path, f"cannot read file ({exc.strerror})") from None
    if not text.strip():
        raise InputFileError(path, "empty file")
    lines = text.splitlines()
    end = next((i for i, line in enumerate(lines) if line.strip().lower() == "endheader"), None)
    if end is None:
        raise InputFileError(path, "malformed header: no 'endheader' line (is this an OpenSim .sto/.mot file?)")
    header = _parse_header(lines[:end], path)
    rows = [(number, line) for number, line in enumerate(lines[end + 1 :], start=end + 2) if line.strip()]
    if not rows:
        raise InputFileError(path, "no column labels after 'endheader'")
    separator = "\t" if "\t" in rows[0][1] else None
    width = len(rows[0][1].strip().split(separator))
    for number, line in rows[1:]:
        fields = len(line.strip().split(separator))
        if fields != width:
            raise InputFileError(path, f"line {number} holds {fields} values, the header has {width} columns "
                                       "(a ragged or truncated row)")
    body = "\n".join(line for _, line in rows)
    try:
        frame = pd.read_csv(io.StringIO(body), sep=r"\s+" if "\t" not in body else "\t", dtype=float,
                            header=0, na_values=["nan", "NaN", "-nan", "NA"])
    except ValueError as exc:
        raise InputFileError(path, f"non-numeric data in table ({str(exc).splitlines()[0]})") from None
    labels = [str(c).strip() for c in frame.columns]
    mangled = [c for c in labels if re.search(r"\.\d+$", c) and c.rsplit(".", 1)[0] in labels]
    if mangled:  # pandas renames duplicates to 'x.1'
        raise InputFileError(path, f"duplicated column(s): {', '.join(sorted({c.rsplit('.', 1)[0] for c in mangled}))}")
    if not labels or labels[0].lower() != "time":
        raise InputFileError(path, f"first column must be 'time', found '{labels[0] if labels else ''}'")
    if frame.empty:
        raise InputFileError(path, "no data rows")
    _check_declared_size(header, frame, path)
    in_degrees = header.get("inDegrees", "no").strip().lower() in ("yes", "true", "1")
    units = [infer_unit(n) for n in labels[1:]]
    names = [_short_name(n) for n in labels[1:]]
    values = frame.to_numpy()[:, 1:].copy()
    if in_degrees:
        for j, unit in enumerate(units):
            if unit.startswith("rad"):
                values[:, j] *= DEG_TO_RAD
    _check_angle_units(values, units, in_degrees, path)
    return Trial(time=frame.to_numpy()[:, 0], values=values, names=names, units=units,
                 source=str(path), metadata=header)


def _check_angle_units(values: np.ndarray, units: list[str], in_degrees: bool, path: Path) -> None:
    """Warn when the angles' size contradicts ``inDegrees``: walking joints move tens of degrees."""
    angles = values[:, [j for j, unit in enumerate(units) if unit == "rad"]]
    if angles.size == 0 or not np.isfinite(angles).all():
        return
    ranges_deg = np.degrees(np.ptp(angles, axis=0))
    if in_degrees and 0 < ranges_deg.max() < 2.0:
        warnings.warn(f"{path}: inDegrees=yes, but no angle varies by more than {ranges_deg.max():.2f} deg: are "
                      "the values radians?", stacklevel=3)
    elif not in_degrees and np.median(ranges_deg) > 360.0:
        warnings.warn(f"{path}: inDegrees=no, but the angles vary by {np.median(ranges_deg):.0f} deg (median): "
                      "are the values degrees?", stacklevel=3)


def _check_declared_size(header: dict[str, str], frame: pd.DataFrame, path: Path) -> None:
    for key, actual in (("nColumns", frame.shape[1]), ("datacolumns", frame.shape[1]),
                        ("nRows", frame.shape[0]), ("datarows", frame.shape[0])):
        declared = header.get(key)
        if declared is not None and declared.isdigit() and int(declared) != actual:
            warnings.warn(f"{path}: header declares {key}={declared} but the table holds {actual}; "
                          "using the table", stacklevel=3)


def write_storage(trial: Trial, path: str | Path, *, in_degrees: bool = False, name: str | None = None) -> None:
    """Write ``trial`` as an OpenSim 4 ``.sto``/``.mot`` (tab-separated, ``endheader``).

    Rotational coordinates (unit ``rad``/``rad/s``) are written in degrees when ``in_degrees`` is true, which is
    what :func:`read_storage` undoes, so the pair round-trips.
    """
    path = Path(path)
    values = trial.values.copy()
    if in_degrees:
        for j, unit in enumerate(trial.units):
            if unit.startswith("rad"):
                values[:, j] *= RAD_TO_DEG
    header = [
        name or path.stem,
        "version=1",
        f"nRows={trial.n_samples}",
        f"nColumns={len(trial.names) + 1}",
        f"inDegrees={'yes' if in_degrees else 'no'}",
        "endheader",
        "\t".join(["time", *trial.names]),
    ]
    table = np.column_stack([trial.time, values])
    buffer = io.StringIO()
    np.savetxt(buffer, table, delimiter="\t", fmt="%.17g")
    atomic_write_text(path, "\n".join(header) + "\n" + buffer.getvalue())
