"""Atomic file writes: a crash or a bad input never leaves a half-written output file."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary sibling of ``path``; on success rename it over ``path``, on error delete it.

    The temporary name keeps the suffix so that libraries that dispatch on it (numpy, matplotlib) still work.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp{path.suffix}")
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def atomic_write_text(path: str | Path, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def read_yaml_model(model: type[T], path: str | Path, *, section: str | None = None) -> T:
    """Validate a YAML file (or one top-level ``section`` of it, when present) into a pydantic ``model``; errors
    name the file and the offending field."""
    import yaml
    from pydantic import ValidationError

    from synergait.errors import InputFileError

    try:
        raw = yaml.safe_load(Path(path).read_text()) or {}
        if section is not None and isinstance(raw, dict) and section in raw:
            raw = raw[section]
        return model.model_validate(raw)  # type: ignore[attr-defined]
    except (OSError, yaml.YAMLError) as exc:
        raise InputFileError(path, f"cannot read YAML ({' '.join(str(exc).split())})") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(map(str, first["loc"]))
        message = first["msg"].removeprefix("Value error, ")
        raise InputFileError(path, f"{where}: {message}" if where else message) from None


def to_jsonable(value: object) -> object:
    """Plain JSON types from numpy scalars/arrays, paths and tuples; non-finite floats become null."""
    import math

    import numpy as np

    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return to_jsonable(value.tolist())
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, Path):
        return str(value)
    return value


def require_suffix(path: str | Path, *suffixes: str, parameter: str = "--out") -> Path:
    """``path`` if its file name ends in one of ``suffixes`` (case-insensitive); else a one-line error naming
    ``parameter``, raised before any work is done."""
    from synergait.errors import ParameterError

    path = Path(path)
    if path.suffix.lower() not in suffixes:
        raise ParameterError(parameter, f"{path}: the file must end in {' or '.join(suffixes)}")
    return path
