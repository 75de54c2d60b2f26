"""The imitation stage's ablations over seeds: a markdown table and learning curves (mean ± SD over seeds).

    python experiments/imitation_ablations.py --root experiments/ablations/synergy-runs --steps 750000 \
        --preset experiments/imitation-runs/synergy-k10env-s{0,1,2} --out docs/walking/imitation_ablations.png

Each folder of ``--root`` is one variant holding its seeds as ``<controller>_seed<N>`` run directories (the
layout of ``synergait sweep``; one run: ``synergait train --config experiments/ablations/synergy/NAME.yaml --seed N
--out runs/ablations/synergy/NAME/synergy_seedN``). ``--preset`` names the unchanged recipe's runs, linked into
``ROOT/preset`` so that nothing is trained twice. Every variant is compared up to ``--steps`` environment steps:
training episode length and return per control step over the last ``--window`` steps, the mean of the run's
deterministic evaluations in that window (its training task: with the variant's early termination), and the
walking test of its policy at ``--steps`` (a snapshot of that step, else the latest checkpoint, which must be
there): 10 episodes of the plain task at 1.2 m/s on level ground, no imitation, no early termination but the
paper's fall, the same for every variant. Lengths are control steps of 25 ms.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from synergait.evaluate.walking import walking_test
from synergait.train.export import export_walker
from synergait.train.run import TrainingRun, latest_checkpoint
from synergait.train.sweep import learning_curves
from synergait.walker import MlpWalker


def seed_runs(variant: Path) -> list[Path]:
    return sorted(p for p in variant.glob("*_seed*") if (p / "episodes.csv").exists())


def plain_task_length(run: Path, steps: int) -> float:
    """Mean episode length of the run's policy at ``steps`` in the walking test (10 episodes, seeds 0-9); NaN when
    the run kept no policy of that step."""
    snapshot = run / "snapshots" / f"step_{steps}"
    if not snapshot.is_dir():
        snapshot = run / f"walker_step_{steps}"
        if not snapshot.is_dir():
            checkpoint = latest_checkpoint(run)
            if checkpoint is None or int(checkpoint.name.removeprefix("step_")) not in range(steps, steps + 50_000):
                return float("nan")
            export_walker(run, snapshot, latest=True)
    return walking_test(MlpWalker.load(snapshot), episodes=10, steps=1000).mean_steps


def window_means(run: Path, steps: int, window: int) -> tuple[float, ...] | None:
    """(training length, return per control step, evaluation length, CPU-hours, walking-test length) of one run
    over the window ending at ``steps``; None when the run has not reached ``steps``."""
    loaded = TrainingRun.load(run)
    episodes, evaluations = loaded.episodes, loaded.evaluations
    if episodes["step"].max() < steps - window / 10:
        return None
    recent = episodes[(episodes["step"] > steps - window) & (episodes["step"] <= steps)]
    evals = evaluations[(evaluations["step"] > steps - window) & (evaluations["step"] <= steps)]
    cpu_hours = float(episodes[episodes["step"] <= steps]["cpu_s"].max()) / 3600
    return (float(recent["length"].mean()), float(recent["return"].sum() / recent["length"].sum()),
            float(evals["mean_length"].mean()), cpu_hours, plain_task_length(run, steps))


def link_preset(root: Path, runs: list[Path], controller: str) -> None:
    preset = root / "preset"
    preset.mkdir(parents=True, exist_ok=True)
    for seed, run in enumerate(runs):
        link = preset / f"{controller}_seed{seed}"
        if not link.exists():
            link.symlink_to(os.path.relpath(run.resolve(), preset.resolve()), target_is_directory=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", type=Path, required=True)
    parser.add_argument("--steps", type=int, required=True, help="compare every variant up to this many steps")
    parser.add_argument("--window", type=int, default=100_000, help="steps averaged at the end")
    parser.add_argument("--preset", type=Path, nargs="*", default=[])
    parser.add_argument("--controller", default="synergy")
    parser.add_argument("--out", type=Path, required=True, help="figure (PNG)")
    args = parser.parse_args()
    if args.preset:
        link_preset(args.root, args.preset, args.controller)
    variants = sorted((p for p in args.root.iterdir() if p.is_dir() and seed_runs(p)),
                      key=lambda p: (p.name != "preset", p.name))
    print(f"| variant | seeds | training length | return / step | evaluation length | walking-test length | "
          f"CPU-h / run |\n|---|---|---|---|---|---|---|  (at {args.steps / 1e6:.2f} M steps, last "
          f"{args.window / 1e3:.0f} k)")
    for variant in variants:
        rows = [r for r in (window_means(run, args.steps, args.window) for run in seed_runs(variant)) if r]
        if not rows:
            continue
        values = np.array(rows)
        mean, sd = values.mean(axis=0), values.std(axis=0)
        walking = f"{mean[4]:.0f} ± {sd[4]:.0f}" if np.isfinite(mean[4]) else "–"
        print(f"| {variant.name} | {len(rows)} | {mean[0]:.1f} ± {sd[0]:.1f} | {mean[1]:.3f} ± {sd[1]:.3f} | "
              f"{mean[2]:.0f} ± {sd[2]:.0f} | {walking} | {mean[3]:.2f} |")
    fig, axes = plt.subplots(1, 2, figsize=(13, 4.5))
    panels = [("episodes", "length", "training episode length", 60, 3),
              ("eval", "mean_length", "deterministic evaluations (the training task), 1.2 m/s", 15, 1)]
    for ax, (log, column, title, grid_points, smooth) in zip(axes, panels, strict=True):
        for variant in variants:
            steps, mean, sd, n = learning_curves(variant, args.controller, log=log, column=column,
                                                 grid_points=grid_points, window=smooth, max_step=args.steps)
            if n:
                line, = ax.plot(steps, mean, label=f"{variant.name} (n = {n})")
                ax.fill_between(steps, mean - sd, mean + sd, color=line.get_color(), alpha=0.2)
        ax.set_xlabel("environment steps")
        ax.set_ylabel("episode length (control steps of 25 ms)")
        ax.set_title(title)
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8)
    fig.suptitle(f"Imitation ablations ({args.controller} controller): mean ± SD over seeds")
    fig.tight_layout()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(args.out, dpi=110)
    print(f"figure: {args.out}")


if __name__ == "__main__":
    main()
