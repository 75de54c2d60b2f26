"""How a run or a walker follows the curriculum's target speeds: the measurements behind the recipe's tables.

    python experiments/speed_tracking.py episodes RUN [--bin 250000]
    python experiments/speed_tracking.py walker WALKER [--speeds 0.7,1.2,1.6] [--episodes 2] [--training]

``episodes``: the training episodes' mean length (control steps of 25 ms) by target speed (logged in
``episodes.csv`` since runs record ``target_speed_m_s``) in bins of environment steps, the constant-slope episodes'
mean length uphill and downhill besides (where the run logs ``terrain``), and the last evaluations.
``walker``: episodes on level ground at each target speed: control steps, why the episode ended, the walking speed
(centre-of-mass travel over time, m/s), cadence (steps/min) and stride length (m) from the detected heel strikes,
and with ``--training`` the run's own task (imitation with its early termination) and the mean of each tracking
term per step; without it the plain task the walking targets use.
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd

from synergait.walker import load_walker, run_episode

SPEED_BINS = [0.0, 0.85, 1.05, 1.35, 1.55, 5.0]
SPEED_LABELS = ["0.7-0.8", "0.9-1.0", "1.1-1.3", "1.4-1.5", "1.6+"]


def episodes_by_speed(run: Path, bin_steps: int) -> pd.DataFrame:
    episodes = pd.read_csv(run / "episodes.csv")
    if "target_speed_m_s" not in episodes or episodes["target_speed_m_s"].isna().all():
        raise SystemExit(f"{run / 'episodes.csv'}: no target_speed_m_s logged (a run started before it was)")
    episodes = episodes.dropna(subset=["target_speed_m_s"])
    episodes["steps"] = (episodes["step"] // bin_steps) * bin_steps
    episodes["target"] = pd.cut(episodes["target_speed_m_s"], SPEED_BINS, labels=SPEED_LABELS)
    table = episodes.pivot_table(index="steps", columns="target", values="length", aggfunc="mean",
                                 observed=False).round(0)
    if "terrain" in episodes:  # constant-slope episodes apart: "slope +3.2 deg"
        slope = pd.to_numeric(episodes["terrain"].str.extract(r"^slope ([-+.\d]+) deg")[0], errors="coerce")
        for name, rows in (("uphill", slope > 0), ("downhill", slope < 0)):
            table[name] = episodes[rows].groupby("steps")["length"].mean().round(0)
    table["episodes"] = episodes.groupby("steps").size()
    return table


def walker_at_speeds(source: str, speeds: list[float], n_episodes: int, training: bool) -> pd.DataFrame:
    walker = load_walker(source)
    rows = []
    for speed in speeds:
        env = walker.spec.make_env(speed_m_s=speed, slope_deg=0.0, training=training)
        for seed in range(200, 200 + n_episodes):
            terms: Counter[str] = Counter()  # the tracking terms summed over the episode
            episode = run_episode(walker, env, seed=seed, on_step=lambda info, t=terms: t.update(
                {k.removeprefix("imitate_"): v for k, v in info.items() if k.startswith("imitate_")}))
            strikes = episode.heel_strikes
            rows.append({"target_m_s": speed, "seed": seed, "control_steps": episode.steps,
                         "speed_m_s": episode.speed_m_s,
                         "cadence_steps_per_min": strikes / episode.duration_s * 60,
                         "stride_m": 2 * episode.distance_m / strikes if strikes else np.nan,
                         "ended": episode.termination or "-", **{k: v / episode.steps for k, v in terms.items()}})
    return pd.DataFrame(rows).round(3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    episodes = commands.add_parser("episodes")
    episodes.add_argument("run", type=Path)
    episodes.add_argument("--bin", type=int, default=250_000)
    walker = commands.add_parser("walker")
    walker.add_argument("walker")
    walker.add_argument("--speeds", default="0.7,1.2,1.6")
    walker.add_argument("--episodes", type=int, default=2)
    walker.add_argument("--training", action="store_true")
    args = parser.parse_args()
    pd.set_option("display.width", 200)
    if args.command == "episodes":
        print(episodes_by_speed(args.run, args.bin).to_string())
        print(pd.read_csv(args.run / "eval.csv").tail(4).to_string(index=False))
    else:
        speeds = [float(s) for s in args.speeds.split(",")]
        print(walker_at_speeds(args.walker, speeds, args.episodes, args.training).to_string(index=False))


if __name__ == "__main__":
    main()
