"""`Evaluation`: what ``synergait evaluate`` produces, as one typed artifact with ``save`` / ``load``.

An evaluation directory::

    DIR/evaluation.json     label, controller, policy, rollouts, strides, conditions, reference, cycles, gaps
    DIR/metrics.json        the headline scores (:meth:`synergait.evaluate.metrics.Scores.headline`)
    DIR/spatiotemporal.csv  per condition: speed, cadence, stride length, stance %, rollouts with strides
    DIR/sim_cycles.csv      the simulated gait cycles as a ReferenceSet (absent when no stride was complete)

Only this module knows these file names; reports, quality measures and the CLI read an :class:`Evaluation`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from synergait.data.reference import ReferenceSet
from synergait.errors import InputFileError
from synergait.fileio import atomic_path, atomic_write_text, to_jsonable

SUMMARY_FILE, METRICS_FILE, SPATIOTEMPORAL_FILE, CYCLES_FILE = (
    "evaluation.json", "metrics.json", "spatiotemporal.csv", "sim_cycles.csv")
#: Headline keys a CLI summary shows beside the run's description.
HEADLINE_KEYS = ("rmse_ratio", "pearson_r", "counts_over", "trend_agreement", "emg")


@dataclass
class Evaluation:
    """A walker's rollouts at each condition, cut into cycles and scored against a human reference.

    Attributes:
        label: the controller's name in reports. controller: ``synergy`` / ``independent``. policy: the walker.
        rollouts, strides: per condition, and the final strides kept per rollout. conditions: their labels.
        reference: the human reference's name (None: not scored). metrics: the headline scores (empty without a
        reference). spatiotemporal: one row per condition. cycles: the simulated cycles (None: no complete
        stride anywhere). gaps: what could not be measured or scored, and why.
    """

    label: str
    controller: str
    policy: str
    rollouts: int
    strides: int
    conditions: list[str]
    reference: str | None
    metrics: dict[str, Any]
    spatiotemporal: pd.DataFrame
    cycles: ReferenceSet | None
    gaps: list[str] = field(default_factory=list)

    @property
    def n_cycles(self) -> int:
        if self.cycles is None:
            return 0
        return int(self.cycles.table.groupby(["speed_m_s", "slope_deg", "cycle"]).ngroups)

    def description(self) -> dict[str, Any]:
        """What was run (``evaluation.json``)."""
        return {"label": self.label, "controller": self.controller, "policy": self.policy,
                "rollouts": self.rollouts, "strides": self.strides, "conditions": self.conditions,
                "reference": self.reference, "cycles": self.n_cycles, "gaps": self.gaps}

    def summary(self) -> dict[str, Any]:
        """The description and the headline scores, as the CLI prints them."""
        return {**self.description(), **{key: self.metrics.get(key, {}) for key in HEADLINE_KEYS}}

    def save(self, directory: str | Path) -> Path:
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        with atomic_path(directory / SPATIOTEMPORAL_FILE) as tmp:
            self.spatiotemporal.to_csv(tmp, index=False)
        (directory / CYCLES_FILE).unlink(missing_ok=True)
        if self.cycles is not None:
            self.cycles.to_csv(directory / CYCLES_FILE)
        atomic_write_text(directory / METRICS_FILE, json.dumps(to_jsonable(self.metrics), indent=1))
        atomic_write_text(directory / SUMMARY_FILE, json.dumps(to_jsonable(self.description()), indent=1))
        return directory

    @classmethod
    def load(cls, directory: str | Path) -> Evaluation:
        directory = Path(directory)
        if not (directory / SUMMARY_FILE).is_file() or not (directory / METRICS_FILE).is_file():
            raise InputFileError(directory, f"not an evaluation directory (no {SUMMARY_FILE} / {METRICS_FILE}; "
                                            "run `synergait evaluate`)")
        try:
            description = json.loads((directory / SUMMARY_FILE).read_text())
            metrics = json.loads((directory / METRICS_FILE).read_text())
            spatiotemporal = pd.read_csv(directory / SPATIOTEMPORAL_FILE)
            return cls(label=description["label"], controller=description["controller"],
                       policy=description["policy"], rollouts=int(description["rollouts"]),
                       strides=int(description["strides"]), conditions=list(description["conditions"]),
                       reference=description.get("reference"), metrics=metrics, spatiotemporal=spatiotemporal,
                       cycles=ReferenceSet.from_csv(directory / CYCLES_FILE)
                       if (directory / CYCLES_FILE).is_file() else None,
                       gaps=list(description.get("gaps", [])))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise InputFileError(directory, f"unreadable evaluation ({type(exc).__name__}: {exc})") from None
