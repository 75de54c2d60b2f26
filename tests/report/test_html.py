from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from synergait.data.reference import load_falisse2019
from synergait.evaluate.evaluation import Evaluation
from synergait.report.html import learning_curve_statistics, learning_curves_figure, trend_tables
from synergait.train.run import TrainingRun

RUNS = Path(__file__).parents[2] / "experiments" / "imitation-runs"


def test_learning_curves_are_pooled_per_controller_across_seeds() -> None:
    seeds = [TrainingRun.load(RUNS / f"synergy-k10env-s{seed}") for seed in range(3)]
    independent = TrainingRun.load(RUNS / "independent-preset-s1")
    statistics = learning_curve_statistics([*seeds, independent], points=50)
    assert set(statistics) == {"synergy", "independent"}
    steps, mean, sd, n = statistics["synergy"]
    assert n == 3 and statistics["independent"][3] == 1 and not statistics["independent"][2].any()
    spans = [(run.episodes["step"].iloc[0], run.episodes["step"].iloc[-1]) for run in seeds]
    assert steps[0] == max(s[0] for s in spans) and steps[-1] == min(s[1] for s in spans)  # the common span
    smoothed = np.stack([np.interp(steps, run.episodes["step"], run.episodes["return"].rolling(10, min_periods=1)
                                   .mean()) for run in seeds])
    assert np.allclose(mean, smoothed.mean(axis=0)) and np.allclose(sd, smoothed.std(axis=0))
    assert (sd > 0).mean() > 0.9  # the seeds differ
    assert learning_curves_figure(seeds) is not None and learning_curves_figure([]) is None


def test_trend_tables_compare_directions_across_controllers(falisse_mat: Path, across_speeds: Callable) -> None:
    def walker(label: str, knee_deg_per_m_s: float) -> Evaluation:
        return Evaluation(label, "synergy", label, 1, 1, [], None, {}, pd.DataFrame(),
                          across_speeds(label, (0.8, 1.2, 1.6), knee_angle=knee_deg_per_m_s))

    text = trend_tables([walker("rising", 10.0), walker("falling", -10.0)], load_falisse2019(falisse_mat))
    assert "across speeds (level ground)" in text and "across slopes" not in text
    assert "rising (3 conditions)" in text and "↑ +1.00" in text and "↓ -1.00" in text
    # Only the knee changes, in opposite directions: its four phases, none shared.
    assert "0 of the 4 variable x phase combinations" in text and "no human direction" in text
    assert trend_tables([], None).startswith("<p>No controller")
