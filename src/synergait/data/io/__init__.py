"""Readers and writers for gait recordings; :func:`read_trial` picks one by file extension."""

from __future__ import annotations

from pathlib import Path

from synergait.data.io.markers import read_c3d, read_trc, write_trc
from synergait.data.io.opensim import read_storage, write_storage
from synergait.data.io.tables import read_csv_trial, write_csv_trial
from synergait.data.trial import Trial
from synergait.errors import InputFileError, ParameterError

__all__ = ["read_c3d", "read_csv_trial", "read_storage", "read_trc", "read_trial", "write_csv_trial",
           "write_storage", "write_trc", "write_trial"]

_READERS = {".sto": read_storage, ".mot": read_storage, ".trc": read_trc, ".c3d": read_c3d,
            ".csv": read_csv_trial}


def read_trial(path: str | Path, *, fill_gaps_s: float | None = None) -> Trial:
    """Read any supported time-series file (``.sto``, ``.mot``, ``.trc``, ``.c3d``, ``.csv``) in SI units;
    ``fill_gaps_s`` fills marker gaps up to that long (``.trc``; see :func:`read_trc`)."""
    path = Path(path)
    if not path.exists():
        raise InputFileError(path, "file not found")
    if path.is_dir():
        raise InputFileError(path, "is a directory, expected a file")
    reader = _READERS.get(path.suffix.lower())
    if reader is None:
        raise InputFileError(path, f"unsupported file type '{path.suffix}' (supported: {', '.join(_READERS)})")
    if fill_gaps_s is not None:
        if reader is not read_trc:
            raise ParameterError("fill_gaps_s", f"gap filling applies to marker files (.trc), not '{path.suffix}'")
        return read_trc(path, fill_gaps_s=fill_gaps_s)
    return reader(path)


def write_trial(trial: Trial, path: str | Path, *, in_degrees: bool = False) -> None:
    """Write ``trial`` as ``.sto``/``.mot`` (``in_degrees`` for rotations), ``.trc`` or ``.csv`` by extension."""
    suffix = Path(path).suffix.lower()
    if suffix in (".sto", ".mot"):
        write_storage(trial, path, in_degrees=in_degrees)
    elif suffix == ".trc":
        write_trc(trial, path)
    elif suffix == ".csv":
        write_csv_trial(trial, path)
    else:
        raise InputFileError(path, f"cannot write '{suffix}' files (use .sto, .mot, .trc or .csv)")
