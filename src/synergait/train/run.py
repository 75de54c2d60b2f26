"""A training run directory as typed artifacts: `RunSummary` (what ``train`` returns and ``run.json`` holds) and
`TrainingRun` (configuration, summary and learning curves of a run directory, read back).

Run directory layout (written by :mod:`synergait.train.trainer`)::

    RUN/config.yaml                 the TrainConfig (a resumed run reads it back)
    RUN/run.json                    RunSummary: steps, CPU and wall hours, best evaluation
    RUN/episodes.csv                learning curve: step, env, return, length, wall and CPU seconds
    RUN/eval.csv                    periodic deterministic evaluation: step, mean/std return, mean length
    RUN/tensorboard/                SB3's TensorBoard logs
    RUN/best_model.zip              policy with the best mean evaluation return (the paper keeps this one)
    RUN/best_vecnormalize.pkl       its observation normaliser (when used)
    RUN/checkpoints/step_N/         model.zip, vecnormalize.pkl, replay_buffer.pkl (optional), state.json
    RUN/checkpoints/latest.json     which checkpoint is complete (written last, atomically)
    RUN/snapshots/step_N/           the policy as a walker directory every ``snapshot_every_steps`` (optional)
    RUN/.lock                       held while a process trains the run

SB3's files (``*.zip``, ``*.pkl``) are unpickled when read: a run directory is for its owner (resume, export);
walkers to share are exported (:mod:`synergait.train.export`).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

import pandas as pd

from synergait.errors import InputFileError
from synergait.fileio import atomic_write_text
from synergait.train.config import TrainConfig

CONFIG_FILE, SUMMARY_FILE, EPISODES_FILE, EVALUATIONS_FILE = "config.yaml", "run.json", "episodes.csv", "eval.csv"
BEST_MODEL_FILE, BEST_NORMALISER_FILE = "best_model.zip", "best_vecnormalize.pkl"
SNAPSHOTS_DIR = "snapshots"
#: Training episodes: the step at their end, the env index, return, length (control steps), wall and CPU seconds of
#: the run, the episode's target speed (m/s) and its terrain's label ("flat", "slope +3.2 deg", "random #17"; both
#: empty in rows logged before they were recorded).
EPISODE_FIELDS = ["step", "env", "return", "length", "wall_s", "cpu_s", "target_speed_m_s", "terrain"]
EVAL_FIELDS = ["step", "mean_return", "std_return", "mean_length", "wall_s"]


@dataclass
class RunSummary:
    """Where a run stands. ``num_timesteps`` environment steps of ``total_steps``; ``cpu_hours`` and
    ``wall_hours`` spent in all sessions; ``best_mean_return`` of the periodic evaluations, at ``best_step``;
    ``resumed_from`` the checkpoint this invocation started from (None: a fresh start or read from disk);
    ``lost_cpu_hours`` the work done after the last checkpoint before kills, in all resumes; ``stopped_by`` the
    signal (SIGTERM, SIGINT) that ended this invocation early, with a checkpoint (None: budget or time limit)."""

    run: str
    num_timesteps: int
    total_steps: int
    cpu_hours: float
    wall_hours: float
    best_mean_return: float | None = None
    best_step: int | None = None
    resumed_from: str | None = None
    lost_cpu_hours: float = 0.0
    stopped_by: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def save(self, run: str | Path) -> None:
        atomic_write_text(Path(run) / SUMMARY_FILE, json.dumps(self.as_dict(), indent=1))

    @classmethod
    def load(cls, run: str | Path) -> RunSummary:
        path = Path(run) / SUMMARY_FILE
        try:
            raw = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            raise InputFileError(path, f"unreadable run summary ({exc})") from None
        known = {f.name for f in fields(cls)}
        return cls(**{"run": str(run), "wall_hours": 0.0, **{k: v for k, v in raw.items() if k in known}})


@dataclass
class TrainingRun:
    """A run directory read back: its name, configuration, summary (None before the first checkpoint) and
    learning curves (empty tables before the first episode)."""

    path: Path
    config: TrainConfig
    summary: RunSummary | None
    episodes: pd.DataFrame
    evaluations: pd.DataFrame

    @property
    def name(self) -> str:
        return self.path.name

    @classmethod
    def load(cls, path: str | Path) -> TrainingRun:
        path = Path(path)
        if not (path / CONFIG_FILE).is_file():
            raise InputFileError(path, f"not a synergait training run (no {CONFIG_FILE})")
        return cls(path, TrainConfig.from_yaml(path / CONFIG_FILE),
                   RunSummary.load(path) if (path / SUMMARY_FILE).is_file() else None,
                   _table(path / EPISODES_FILE, EPISODE_FIELDS), _table(path / EVALUATIONS_FILE, EVAL_FIELDS))


def latest_checkpoint(run: str | Path) -> Path | None:
    """The run's latest complete checkpoint directory (None before the first one)."""
    pointer = Path(run) / "checkpoints" / "latest.json"
    if not pointer.exists():
        return None
    return pointer.parent / json.loads(pointer.read_text())["checkpoint"]


def _table(path: Path, columns: list[str]) -> pd.DataFrame:
    if not path.is_file():
        return pd.DataFrame(columns=columns)
    try:
        return pd.read_csv(path)
    except (OSError, ValueError) as exc:
        raise InputFileError(path, f"unreadable learning curve ({exc})") from None
