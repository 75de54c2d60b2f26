"""`Trial`: one recording as a time base plus named signals with units."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from synergait.data.gaps import find_gaps, summarise
from synergait.errors import InputFileError, ParameterError


@dataclass(frozen=True)
class Trial:
    """A time series recording: ``values[i, j]`` is signal ``names[j]`` at ``time[i]``.

    Attributes:
        time: sample times, shape ``(n,)``, seconds, strictly increasing.
        values: signal values, shape ``(n, m)``, in ``units`` (SI inside synergait).
        names: ``m`` unique signal names.
        units: ``m`` unit strings (see :mod:`synergait.data.units`).
        body_mass_kg: the subject's body mass when the source states it.
        source: file the trial was read from (used in error messages), or ``"<memory>"``.
        metadata: header key/value pairs kept from the source file.
    """

    time: np.ndarray
    values: np.ndarray
    names: tuple[str, ...]
    units: tuple[str, ...]
    body_mass_kg: float | None = None
    source: str = "<memory>"
    metadata: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        time = np.asarray(self.time, dtype=float)
        values = np.asarray(self.values, dtype=float)
        object.__setattr__(self, "time", time)
        object.__setattr__(self, "values", values)
        object.__setattr__(self, "names", tuple(self.names))
        object.__setattr__(self, "units", tuple(self.units))
        self._validate()

    def _fail(self, problem: str) -> InputFileError:
        return InputFileError(self.source, problem)

    def _validate(self) -> None:
        if self.time.ndim != 1 or self.time.size == 0:
            raise self._fail("no data rows")
        if self.values.ndim != 2 or self.values.shape[0] != self.time.size:
            raise self._fail(f"values have shape {self.values.shape}, expected ({self.time.size}, n_signals)")
        if len(self.names) != self.values.shape[1] or len(self.units) != len(self.names):
            raise self._fail(
                f"{self.values.shape[1]} data columns but {len(self.names)} names and {len(self.units)} units"
            )
        duplicated = sorted({n for n in self.names if self.names.count(n) > 1})
        if duplicated:
            raise self._fail(f"duplicated column(s): {', '.join(duplicated)}")
        if not np.all(np.isfinite(self.time)):
            raise self._fail("time column holds NaN or infinite values")
        steps = np.diff(self.time)
        if np.any(steps <= 0):
            i = int(np.argmax(steps <= 0))
            kind = "repeated" if steps[i] == 0 else "non-monotonic"
            raise self._fail(f"{kind} time at row {i + 1} (t = {self.time[i + 1]:g} s after {self.time[i]:g} s)")
        infinite = np.isinf(self.values)
        if infinite.any():
            row, col = np.argwhere(infinite)[0]
            raise self._fail(f"column '{self.names[col]}' has {int(infinite[:, col].sum())} infinite value(s), the "
                             f"first at t = {self.time[row]:g} s")
        if np.isnan(self.values).any():
            gaps = find_gaps(self.time, self.values, self.names)
            raise self._fail(f"missing values (NaN or empty) in {len({g.signal for g in gaps})} column(s), first "
                             f"at t = {min(g.start_s for g in gaps):g} s: {summarise(gaps)}")
        if self.body_mass_kg is not None and not self.body_mass_kg > 0:
            raise ParameterError("body_mass_kg", f"must be positive, got {self.body_mass_kg}")

    # --- access -----------------------------------------------------------------------------------------
    @property
    def n_samples(self) -> int:
        return int(self.time.size)

    @property
    def duration_s(self) -> float:
        return float(self.time[-1] - self.time[0])

    @property
    def rate_hz(self) -> float:
        """Mean sampling rate in Hz (``nan`` for a single sample)."""
        return float((self.n_samples - 1) / self.duration_s) if self.n_samples > 1 else float("nan")

    def index(self, name: str) -> int:
        try:
            return self.names.index(name)
        except ValueError:
            raise self._fail(f"no column '{name}' (has: {_preview(self.names)})") from None

    def __contains__(self, name: object) -> bool:
        return name in self.names

    def __getitem__(self, name: str) -> np.ndarray:
        """Signal ``name`` as an array of shape ``(n,)`` in its unit."""
        return self.values[:, self.index(name)]

    def unit(self, name: str) -> str:
        return self.units[self.index(name)]

    def select(self, names: Iterable[str]) -> Trial:
        """A trial with only ``names`` (in that order)."""
        idx = [self.index(n) for n in names]
        return self._replace(values=self.values[:, idx], names=[self.names[i] for i in idx],
                             units=[self.units[i] for i in idx])

    def window(self, start_s: float, stop_s: float) -> Trial:
        """Samples with ``start_s <= t <= stop_s``."""
        keep = (self.time >= start_s) & (self.time <= stop_s)
        if not keep.any():
            raise ParameterError(
                "window", f"[{start_s:g}, {stop_s:g}] s holds no sample of {self.source} "
                f"({self.time[0]:g}-{self.time[-1]:g} s)"
            )
        return self._replace(time=self.time[keep], values=self.values[keep])

    def resample(self, time: np.ndarray) -> Trial:
        """Linear interpolation onto ``time`` (s), which must lie inside this trial's time span."""
        time = np.asarray(time, dtype=float)
        if time.min() < self.time[0] - 1e-9 or time.max() > self.time[-1] + 1e-9:
            raise ParameterError(
                "time", f"[{time.min():g}, {time.max():g}] s is outside {self.source} "
                f"({self.time[0]:g}-{self.time[-1]:g} s)"
            )
        values = np.column_stack([np.interp(time, self.time, col) for col in self.values.T])
        return self._replace(time=time, values=values.reshape(time.size, -1))

    def with_values(self, values: np.ndarray, names: Sequence[str], units: Sequence[str]) -> Trial:
        """Same time base, other signals (e.g. filtered or converted)."""
        return self._replace(values=values, names=names, units=units)

    def _replace(self, **changes: object) -> Trial:
        fields = dict(time=self.time, values=self.values, names=self.names, units=self.units,
                      body_mass_kg=self.body_mass_kg, source=self.source, metadata=self.metadata)
        fields.update(changes)
        return Trial(**fields)  # type: ignore[arg-type]

    # --- conversion and persistence -----------------------------------------------------------------------
    def to_frame(self) -> pd.DataFrame:
        """A DataFrame indexed by time (s) with one column per signal."""
        return pd.DataFrame(self.values, index=pd.Index(self.time, name="time"), columns=list(self.names))

    def describe(self) -> dict[str, object]:
        """Summary used by ``synergait data info``."""
        return {
            "source": self.source,
            "n_samples": self.n_samples,
            "n_signals": len(self.names),
            "rate_hz": round(self.rate_hz, 6),
            "start_s": float(self.time[0]),
            "stop_s": float(self.time[-1]),
            "duration_s": round(self.duration_s, 9),
            "body_mass_kg": self.body_mass_kg,
            "signals": [{"name": n, "unit": u} for n, u in zip(self.names, self.units, strict=True)],
        }

    def save(self, path: str | Path) -> None:
        """Write a lossless ``.npz`` (see :meth:`load`)."""
        meta = {"names": self.names, "units": self.units, "body_mass_kg": self.body_mass_kg,
                "source": self.source, "metadata": self.metadata}
        np.savez_compressed(path, time=self.time, values=self.values, meta=json.dumps(meta))

    @classmethod
    def load(cls, path: str | Path) -> Trial:
        with np.load(path) as f:
            meta = json.loads(str(f["meta"]))
            return cls(time=f["time"], values=f["values"], **meta)


def _preview(names: Sequence[str], n: int = 8) -> str:
    shown = ", ".join(names[:n])
    return shown + (f", ... ({len(names)} in all)" if len(names) > n else "")
