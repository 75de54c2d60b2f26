"""`ActivationTable`: estimated muscle activations over time (the inverse stage's artifact)."""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from synergait.data.io.tables import read_csv_frame
from synergait.errors import InputFileError, ParameterError
from synergait.fileio import atomic_path, require_suffix


@dataclass(frozen=True)
class ActivationTable:
    """Muscle activations (dimensionless, 0-1) over time, and what the solution needed besides muscles.

    Attributes:
        time: shape ``(T,)``, seconds.
        activations: shape ``(T, m)``.
        muscles: ``m`` muscle names.
        reserves: shape ``(T, r)``, generalised forces (N*m or N) of the reserve actuators on ``reserve_dofs``.
        reserve_dofs: names of the coordinates the reserves act on.
        residuals: shape ``(T, 6)``, pelvis residual forces (N) and moments (N*m) the measured data leave
            unbalanced (MuJoCo free-joint order: 3 forces in the world frame, 3 moments in the pelvis frame).
        required: shape ``(T, r)``, the net generalised forces the motion requires on ``reserve_dofs`` (muscle
            passive forces removed); muscles produce ``required - reserves``.
        backend: ``"mujoco"`` or ``"moco"``; ``info`` holds settings and provenance.
    """

    time: np.ndarray
    activations: np.ndarray
    muscles: tuple[str, ...]
    reserves: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    reserve_dofs: tuple[str, ...] = ()
    residuals: np.ndarray = field(default_factory=lambda: np.zeros((0, 6)))
    required: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    backend: str = "unknown"
    info: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        activations = np.asarray(self.activations, dtype=float)
        object.__setattr__(self, "activations", activations)
        object.__setattr__(self, "time", np.asarray(self.time, dtype=float))
        object.__setattr__(self, "muscles", tuple(self.muscles))
        if activations.shape != (self.time.size, len(self.muscles)):
            raise ParameterError("activations", f"shape {activations.shape} does not match "
                                                f"{self.time.size} times x {len(self.muscles)} muscles")
        if not np.isfinite(activations).all():
            bad = self.muscles[int(np.argwhere(~np.isfinite(activations))[0, 1])]
            raise ParameterError("activations", f"NaN or infinite activations (first in '{bad}')")
        duplicated = sorted({m for m in self.muscles if self.muscles.count(m) > 1})
        if duplicated:
            raise ParameterError("muscles", f"duplicated muscle column(s): {', '.join(duplicated)}")
        if self.time.size > 1 and not (np.diff(self.time) > 0).all():
            row = int(np.argmax(np.diff(self.time) <= 0)) + 1
            raise ParameterError("time", f"time must increase strictly (row {row + 1}: {self.time[row]:g} s after "
                                         f"{self.time[row - 1]:g} s)")

    def select(self, muscles: tuple[str, ...] | list[str]) -> np.ndarray:
        """Activations of ``muscles``, shape ``(T, len(muscles))``."""
        index = {m: i for i, m in enumerate(self.muscles)}
        unknown = [m for m in muscles if m not in index]
        if unknown:
            raise ParameterError("muscles", f"not in the activation table: {', '.join(unknown)}")
        return self.activations[:, [index[m] for m in muscles]]

    def to_csv(self, path: str | Path) -> None:
        """Write ``time`` plus one column per muscle (the format :meth:`from_csv` reads); reserves and residuals
        go to a ``.npz`` sidecar when present."""
        frame = pd.DataFrame(self.activations, columns=list(self.muscles))
        frame.insert(0, "time", self.time)
        with atomic_path(path) as tmp:
            frame.to_csv(tmp, index=False, float_format="%.8g")

    @classmethod
    def from_csv(cls, path: str | Path) -> ActivationTable:
        """Read a CSV with a ``time`` column (s) and one column per muscle (0-1)."""
        path = Path(path)
        frame = read_csv_frame(path)
        duplicated = sorted({str(c).split(".")[0] for c in frame.columns if str(c).split(".")[-1].isdigit()
                             and str(c).split(".")[0] in frame.columns})
        if duplicated:  # pandas renames a repeated header "x" to "x.1"
            raise InputFileError(path, f"duplicated column(s): {', '.join(duplicated)}")
        if "time" not in frame.columns:
            raise InputFileError(path, "no 'time' column")
        muscles = [c for c in frame.columns if c != "time"]
        if not muscles or frame.empty:
            raise InputFileError(path, "no muscle columns or no rows")
        values = frame[muscles].apply(pd.to_numeric, errors="coerce").to_numpy()
        if not np.isfinite(values).all():
            column = muscles[int(np.argwhere(~np.isfinite(values))[0, 1])]
            raise InputFileError(path, f"column '{column}' has NaN or non-numeric activations")
        if (values < -1e-6).any() or (values > 1 + 1e-6).any():
            raise InputFileError(path, "activations must lie in [0, 1]")
        try:
            return cls(time=frame["time"].to_numpy(float), activations=values, muscles=tuple(muscles),
                       backend="csv", info={"source": str(path)})
        except ParameterError as exc:
            raise InputFileError(path, str(exc)) from None

    def save(self, path: str | Path) -> None:
        meta = {"muscles": self.muscles, "reserve_dofs": self.reserve_dofs, "backend": self.backend,
                "info": self.info}
        with atomic_path(require_suffix(path, ".npz")) as tmp:
            np.savez_compressed(tmp, time=self.time, activations=self.activations, reserves=self.reserves,
                                residuals=self.residuals, required=self.required, meta=json.dumps(meta))

    @classmethod
    def load(cls, path: str | Path) -> ActivationTable:
        """Read a table written by :meth:`save` (``.npz``) or a CSV (:meth:`from_csv`)."""
        suffix = Path(path).suffix.lower()
        if suffix == ".csv":
            return cls.from_csv(path)
        if suffix != ".npz":
            raise InputFileError(path, f"an activation table is a .csv or .npz file, not '{suffix}'")
        try:
            with np.load(path, allow_pickle=False) as f:
                meta = json.loads(str(f["meta"]))
                return cls(time=f["time"], activations=f["activations"], muscles=tuple(meta["muscles"]),
                           reserves=f["reserves"], reserve_dofs=tuple(meta["reserve_dofs"]),
                           residuals=f["residuals"],
                           required=f["required"] if "required" in f else np.zeros((0, 0)),
                           backend=meta["backend"], info=meta["info"])
        except (OSError, KeyError, ValueError, TypeError, zipfile.BadZipFile) as exc:
            raise InputFileError(path, f"not a synergait activation table ({type(exc).__name__}: {exc})") from None
        except ParameterError as exc:
            raise InputFileError(path, str(exc)) from None
