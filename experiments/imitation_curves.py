"""Learning curves of imitation runs side by side: training-episode length and the periodic evaluations.

    python experiments/imitation_curves.py --out docs/walking/imitation_curves.png RUN [RUN ...]

Each RUN is a run directory (its ``episodes.csv`` and ``eval.csv`` are read through ``TrainingRun``); the label is
the directory's name. Episode lengths are control steps (25 ms), averaged over bins of 50,000 environment steps.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from synergait.train.run import TrainingRun


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("runs", type=Path, nargs="+")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--bin", type=int, default=50_000, help="environment steps per averaging bin")
    args = parser.parse_args()
    fig, (train_ax, eval_ax) = plt.subplots(1, 2, figsize=(13, 4.5))
    for path in args.runs:
        run = TrainingRun.load(path)
        episodes = run.episodes
        binned = episodes.groupby(episodes["step"] // args.bin * args.bin)["length"].mean()
        train_ax.plot(binned.index, binned.to_numpy(), label=run.name)
        eval_ax.plot(run.evaluations["step"], run.evaluations["mean_length"], marker=".", label=run.name)
    for ax, title in ((train_ax, "training episodes"), (eval_ax, "deterministic evaluations (5 episodes)")):
        ax.set_xlabel("environment steps")
        ax.set_ylabel("episode length (control steps of 25 ms)")
        ax.set_title(title)
        ax.grid(alpha=0.3)
    train_ax.legend(fontsize=8)
    fig.tight_layout()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(args.out, dpi=100)
    print(args.out)


if __name__ == "__main__":
    main()
