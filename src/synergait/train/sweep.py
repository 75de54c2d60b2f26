"""Seeds x controllers sweeps as Ray tasks, and the paper's Figure 1 (learning curves, mean +/- SD over seeds).

Every (controller, seed) run is one Ray task writing its own run directory ``OUT/<controller>_seed<N>``; a task
that fails is reported and the others go on. Runs resume from their checkpoints when the sweep is started
again with the same ``OUT``. Ray runs locally by default; ``address`` connects to a cluster (``ray start``).
"""

from __future__ import annotations

import traceback
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from synergait.errors import ParameterError
from synergait.fileio import atomic_path
from synergait.train.config import TrainConfig

#: The controllers a sweep trains (the paper's comparison).
CONTROLLERS = ("synergy", "independent")


def run_one(config_yaml: str, run_dir: str, time_limit_s: float | None = None) -> dict[str, Any]:
    """Train one run up to the config's ``total_steps`` (resuming it if it has a checkpoint, for at most
    ``time_limit_s`` of wall time); never raises, reports failures instead."""
    import yaml

    from synergait.train.trainer import train

    try:
        config = TrainConfig.model_validate(yaml.safe_load(config_yaml))
        resume = (Path(run_dir) / "checkpoints" / "latest.json").exists()
        return {"status": "ok", **train(config, run_dir, resume=resume, progress=False, time_limit_s=time_limit_s,
                                        total_steps=config.total_steps).as_dict()}
    except Exception as exc:
        return {"status": "failed", "run": run_dir, "error": f"{type(exc).__name__}: {exc}",
                "traceback": traceback.format_exc(limit=3)}


def run_sweep(base: TrainConfig, out: str | Path, *, seeds: list[int], controllers: list[str],
              address: str | None = None, cpus_per_run: float = 1.0, time_limit_s: float | None = None,
              ) -> dict[str, Any]:
    """Run every controller x seed combination as a Ray task; returns per-run results and the figure path."""
    try:
        import ray
    except ImportError:
        raise ParameterError("sweep", "Ray is not installed: pip install 'synergait[ray]'") from None
    unknown = [c for c in controllers if c not in CONTROLLERS]
    if unknown:
        raise ParameterError("controllers", f"unknown controller(s): {', '.join(unknown)}")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    ray.init(address=address, ignore_reinit_error=True, include_dashboard=False, log_to_driver=False)
    remote = ray.remote(num_cpus=cpus_per_run, max_retries=0)(run_one)
    futures = {}
    for controller in controllers:
        for seed in seeds:
            config = base.model_copy(update={"controller": controller, "seed": seed})
            run_dir = out / f"{controller}_seed{seed}"
            futures[(controller, seed)] = remote.remote(config.to_yaml(), str(run_dir), time_limit_s)
    results = {f"{c}_seed{s}": ray.get(f) for (c, s), f in futures.items()}
    # Every controller with runs in OUT: a sweep per controller (each from its own walker or config) into one
    # OUT draws the comparison.
    drawn = [c for c in CONTROLLERS if any(out.glob(f"{c}_seed*/episodes.csv"))]
    figure = plot_learning_curves(out, drawn, out / "learning_curves.png")
    return {"runs": results, "failed": [k for k, v in results.items() if v["status"] != "ok"], "figure": str(figure),
            "figure_controllers": drawn}


def learning_curves(out: Path, controller: str, *, grid_points: int = 100, window: int = 10,
                    column: str = "return", log: str = "episodes", max_step: float | None = None,
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Mean and SD over seeds of ``column`` in each run's ``log`` of the runs ``out/<controller>_seed*``: the
    training episodes (``episodes.csv``: ``return`` or ``length``, control steps) or the periodic deterministic
    evaluations on the final task (``eval.csv``: ``mean_return``, ``mean_length``). Each run's rows are averaged in
    ``grid_points`` bins of environment steps, smoothed by a ``window``-point moving average (the paper's 10-point
    average), and combined on the common step grid (up to ``max_step`` where given). Returns (steps, mean, SD,
    n_runs)."""
    runs = sorted(p for p in out.glob(f"{controller}_seed*") if (p / f"{log}.csv").exists())
    curves, horizon = [], None
    for run in runs:
        episodes = pd.read_csv(run / f"{log}.csv")
        if episodes.empty:
            continue
        horizon = episodes["step"].max() if horizon is None else min(horizon, episodes["step"].max())
        curves.append(episodes)
    if not curves or horizon is None:
        return np.zeros(0), np.zeros(0), np.zeros(0), 0
    if max_step is not None:
        horizon = min(horizon, max_step)
    edges = np.linspace(0, horizon, grid_points + 1)
    centres = (edges[:-1] + edges[1:]) / 2
    smoothed = []
    for episodes in curves:
        binned = episodes.groupby(pd.cut(episodes["step"], edges), observed=False)[column].mean()
        series = pd.Series(binned.to_numpy()).interpolate(limit_direction="both")
        smoothed.append(series.rolling(window, min_periods=1).mean().to_numpy())
    stack = np.array(smoothed)
    return centres, stack.mean(axis=0), stack.std(axis=0), len(smoothed)


def plot_learning_curves(out: Path, controllers: list[str], path: Path) -> Path:
    """The paper's Figure 1 (mean episode return +/- SD over seeds per controller), beside the training episode
    length and the length of the periodic deterministic evaluations on the final task (no training help)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import EngFormatter

    colours = {"synergy": "tab:blue", "independent": "tab:orange"}
    panels = [("episodes", "return", "training episode return", 100, 10),
              ("episodes", "length", "training episode length (control steps)", 100, 10),
              ("eval", "mean_length", "evaluation episode length (deterministic,\nfinal task; control steps)", 25, 1)]
    fig, axes = plt.subplots(1, 3, figsize=(17, 4.2))
    for ax, (log, column, label, grid_points, window) in zip(axes, panels, strict=True):
        for controller in controllers:
            steps, mean, sd, n = learning_curves(out, controller, column=column, log=log, grid_points=grid_points,
                                                 window=window)
            if n == 0:
                continue
            colour = colours.get(controller)
            ax.plot(steps, mean, color=colour, label=f"{controller} (n = {n} seeds)")
            ax.fill_between(steps, mean - sd, mean + sd, color=colour, alpha=0.25)
        ax.set_xlabel("environment steps")
        ax.set_ylabel(label)
        ax.xaxis.set_major_formatter(EngFormatter())
        ax.legend()
    fig.suptitle("Learning curves: mean ± SD over seeds (training panels: 10-point moving average)")
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=120)
    plt.close(fig)
    return path
