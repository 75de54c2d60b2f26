"""CSV time series in wide or long layout.

Wide: a ``time`` column (seconds) and one column per signal. A unit may be given in the header as
``name [unit]`` (e.g. ``hip_flexion_r [deg]``); degrees are converted to radians and lengths to metres, and a
column without a unit is dimensionless (``1``).

Long (tidy): columns ``time``, ``signal``, ``value`` and optionally ``unit``; one row per sample and signal.
The layout is detected from the header.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from synergait.data.trial import Trial
from synergait.data.units import DEG_TO_RAD, LENGTH_TO_M
from synergait.errors import InputFileError
from synergait.fileio import atomic_path

_LABEL_WITH_UNIT = re.compile(r"^\s*(?P<name>.*?)\s*\[(?P<unit>[^\]]*)\]\s*$")
#: Units accepted in CSV headers, mapped to (SI unit, factor to SI).
KNOWN_UNITS: dict[str, tuple[str, float]] = {
    "1": ("1", 1.0), "": ("1", 1.0), "s": ("s", 1.0),
    "rad": ("rad", 1.0), "deg": ("rad", DEG_TO_RAD), "rad/s": ("rad/s", 1.0), "deg/s": ("rad/s", DEG_TO_RAD),
    "n": ("N", 1.0), "n*m": ("N*m", 1.0), "nm": ("N*m", 1.0), "n*m/kg": ("N*m/kg", 1.0),
    "m/s": ("m/s", 1.0), "bw": ("BW", 1.0), "%bw": ("BW", 0.01), "v": ("V", 1.0),
    **{u: ("m", f) for u, f in LENGTH_TO_M.items()},
}


def _to_si(unit: str, path: Path, column: str) -> tuple[str, float]:
    try:
        return KNOWN_UNITS[unit.strip().lower()]
    except KeyError:
        raise InputFileError(path, f"unknown unit '{unit}' for column '{column}' "
                                   f"(known: {', '.join(sorted(k for k in KNOWN_UNITS if k))})") from None


def read_csv_frame(path: str | Path) -> pd.DataFrame:
    """``pandas.read_csv`` with one-line errors that name the file."""
    try:
        return pd.read_csv(path)
    except pd.errors.EmptyDataError:
        raise InputFileError(path, "empty file") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise InputFileError(path, f"malformed CSV ({str(exc).splitlines()[0]})") from None
    except OSError as exc:
        raise InputFileError(path, f"cannot read file ({exc.strerror})") from None


def read_csv_trial(path: str | Path) -> Trial:
    """Read a wide or long CSV time series (layout detected from the header) in SI units."""
    path = Path(path)
    frame = read_csv_frame(path)
    columns = [str(c).strip() for c in frame.columns]
    frame.columns = columns
    if {"signal", "value"} <= set(columns) and "time" in columns:
        return _read_long(frame, path)
    return _read_wide(frame, path)


def _numeric(frame: pd.DataFrame, column: str, path: Path) -> np.ndarray:
    values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)
    bad = np.isnan(values) & frame[column].notna().to_numpy()
    if bad.any():
        raise InputFileError(path, f"column '{column}' has non-numeric value '{frame[column][bad].iloc[0]}'")
    return values


def _read_wide(frame: pd.DataFrame, path: Path) -> Trial:
    labels = list(frame.columns)
    mangled = [c for c in labels if re.search(r"\.\d+$", c) and c.rsplit(".", 1)[0] in labels]
    if mangled:
        raise InputFileError(path, f"duplicated column(s): {', '.join(sorted({c.rsplit('.', 1)[0] for c in mangled}))}")
    parsed = [(m["name"], m["unit"]) if (m := _LABEL_WITH_UNIT.match(c)) else (c, "") for c in labels]
    time_cols = [i for i, (name, _) in enumerate(parsed) if name.lower() == "time"]
    if not time_cols:
        raise InputFileError(path, "no 'time' column (wide CSV needs 'time' plus one column per signal)")
    if frame.empty:
        raise InputFileError(path, "no data rows")
    t_index = time_cols[0]
    t_unit = parsed[t_index][1] or "s"
    if t_unit not in ("s", "ms"):
        raise InputFileError(path, f"unknown unit '{t_unit}' for column 'time' (use s or ms)")
    time = _numeric(frame, labels[t_index], path) * (1e-3 if t_unit == "ms" else 1.0)
    names, units, columns = [], [], []
    for i, (name, unit) in enumerate(parsed):
        if i == t_index:
            continue
        si_unit, factor = _to_si(unit, path, labels[i])
        names.append(name)
        units.append(si_unit)
        columns.append(_numeric(frame, labels[i], path) * factor)
    values = np.column_stack(columns) if columns else np.empty((time.size, 0))
    return Trial(time=time, values=values, names=names, units=units, source=str(path))


def _read_long(frame: pd.DataFrame, path: Path) -> Trial:
    if frame.empty:
        raise InputFileError(path, "no data rows")
    frame = frame.assign(time=_numeric(frame, "time", path), value=_numeric(frame, "value", path))
    duplicated = frame.duplicated(["time", "signal"])
    if duplicated.any():
        row = frame[duplicated].iloc[0]
        raise InputFileError(path, f"repeated time {row['time']:g} s for signal '{row['signal']}'")
    wide = frame.pivot(index="time", columns="signal", values="value")
    order = list(dict.fromkeys(frame["signal"]))
    wide = wide[order]
    units, factors = [], []
    for signal in order:
        unit = ""
        if "unit" in frame.columns:
            found = frame.loc[frame["signal"] == signal, "unit"].dropna().unique()
            if len(found) > 1:
                raise InputFileError(path, f"signal '{signal}' has several units: {', '.join(map(str, found))}")
            unit = str(found[0]) if len(found) else ""
        si_unit, factor = _to_si(unit, path, f"unit of {signal}")
        units.append(si_unit)
        factors.append(factor)
    return Trial(time=wide.index.to_numpy(dtype=float), values=wide.to_numpy(dtype=float) * np.array(factors),
                 names=[str(s) for s in order], units=units, source=str(path))


def write_csv_trial(trial: Trial, path: str | Path, *, long: bool = False) -> None:
    """Write ``trial`` as CSV with units in the header (``name [unit]``) or in a ``unit`` column (``long``)."""
    if long:
        frame = trial.to_frame().reset_index().melt(id_vars="time", var_name="signal", value_name="value")
        frame["unit"] = frame["signal"].map(dict(zip(trial.names, trial.units, strict=True)))
    else:
        frame = pd.DataFrame(trial.values, columns=[f"{n} [{u}]" for n, u in zip(trial.names, trial.units,
                                                                                   strict=True)])
        frame.insert(0, "time [s]", trial.time)
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, index=False, float_format="%.17g")
