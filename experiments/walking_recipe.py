"""The CPU walking recipe, measured: cumulative ablation of the training levers, then seeds of the recipe.

Stage ``ablation`` trains one controller with each lever added in turn (the order below) for the same budget of
environment steps per run, two runs at a time on a 2-core machine; stage ``seeds`` trains both controllers with
the full recipe (the ``cpu`` preset) over several seeds. Every run resumes from its checkpoint when the command is
repeated, so a budget can be spread over sessions (``--minutes`` caps each run's wall time per invocation;
``--steps`` is the run's total, so a larger value extends finished runs).

    python experiments/walking_recipe.py ablation --out runs/ablation --steps 153600 --controller synergy
    python experiments/walking_recipe.py alternatives --out runs/alt --base reward_norm --steps 153600 \
        --minutes 8
    python experiments/walking_recipe.py seeds --out runs/recipe --minutes 25 --seeds 3
    python experiments/walking_recipe.py seeds --out runs/res1 --variant residual_1.0 --seeds 4
    python experiments/walking_recipe.py summary --out runs/ablation
    python experiments/walking_recipe.py compare --out docs/walking/phase_and_residual_seeds.png --horizon 239000 \
        --groups runs/recipe runs/residual1 runs/device/phase runs/device/res1_phase

``summary`` (also printed after each stage) writes ``summary.csv``, ``summary.md`` and ``episode_length.png`` in
``--out``: per run the environment steps and CPU-hours spent, the mean training-episode length over the last
10 % of episodes, and the best deterministic evaluation (mean episode length, control steps of 25 ms).
"""

from __future__ import annotations

import argparse
import copy
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from synergait.env import WalkConfig
from synergait.train.config import TrainConfig
from synergait.train.sweep import learning_curves, plot_learning_curves, run_one

#: Levers in the order they are added; each entry is merged into the configuration of the one before.
ABLATION: list[tuple[str, str, dict[str, Any]]] = [
    ("paper_env", "cpu PPO on the paper's task (speed curriculum, random terrain, heel-strike start)", {}),
    ("flat_1.2", "+ the target task only: 1.2 m/s on flat ground", {"env": {"fixed_speed_m_s": 1.2,
                                                                            "fixed_slope_deg": 0.0}}),
    ("gait_cycle_resets", "+ reset states across the human gait cycle", {"env": {"init_pose": "gait_cycle"}}),
    ("residual", "+ zero action = low excitation (residual around 0.05)", {"env": {"action": {"residual": True}}}),
    ("feed_forward", "+ feed-forward of the human gait pattern", {"env": {"action": {"feed_forward": True}}}),
    ("alive", "+ alive bonus 1 per step (shaping)", {"env": {"reward": {"w_alive": 1.0}}}),
    ("low_noise", "+ initial policy std e^-1", {"log_std_init": -1.0}),
    ("reward_norm", "+ reward normalisation", {"normalize_rewards": True}),
]

#: One-lever alternatives, each applied alone on top of a chosen ablation step (``alternatives --base NAME``).
ALTERNATIVES: list[tuple[str, str, dict[str, Any]]] = [
    ("sac", "SAC (256-256, 1 env) instead of PPO, same wall time",
     {"algo": "sac", "net_arch": [256, 256], "n_envs": 1, "buffer_size": 300_000, "learning_starts": 5000}),
    ("envs8", "8 environments instead of 2 (n_steps 256: same rollout size)", {"n_envs": 8, "n_steps": 256}),
    ("no_obs_norm", "without observation normalisation", {"normalize_observations": False}),
    ("residual_1.0", "residual range 1.0 instead of 0.5", {"env": {"action": {"residual_scale": 1.0}}}),
    ("residual_0.25", "residual range 0.25 instead of 0.5", {"env": {"action": {"residual_scale": 0.25}}}),
    ("lr_1e-4", "PPO learning rate 1e-4 instead of 3e-4 (smaller policy steps)", {"learning_rate": 1e-4}),
]


def merge(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """``base`` updated by ``changes``, nested dictionaries merged key by key."""
    merged = copy.deepcopy(base)
    for key, value in changes.items():
        merged[key] = merge(merged.get(key, {}), value) if isinstance(value, dict) else value
    return merged


def ablation_configs(controller: str, seed: int, steps: int | None = None) -> list[tuple[str, str, TrainConfig]]:
    # The cpu preset's algorithm settings with every lever off (the paper's environment).
    raw = TrainConfig.preset("cpu", controller=controller, seed=seed, total_steps=steps).model_dump(mode="json")
    raw.update(env=WalkConfig().model_dump(mode="json"), log_std_init=0.0, normalize_rewards=False)
    configs = []
    for name, description, changes in ABLATION:
        raw = merge(raw, changes)
        configs.append((name, description, TrainConfig.model_validate(raw)))
    return configs


def alternative_configs(base: str, controller: str, steps: int | None) -> list[tuple[str, str, TrainConfig]]:
    configs = {name: config for name, _, config in ablation_configs(controller, 0, steps)}
    if base not in configs:
        raise SystemExit(f"unknown ablation step '{base}' (known: {', '.join(configs)})")
    raw = configs[base].model_dump(mode="json")
    return [(name, description, TrainConfig.model_validate(merge(raw, changes)))
            for name, description, changes in ALTERNATIVES]


def run_all(jobs: list[tuple[str, TrainConfig]], out: Path, minutes: float | None, parallel: int) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with ProcessPoolExecutor(max_workers=parallel, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = {name: pool.submit(run_one, config.to_yaml(), str(out / name), minutes * 60 if minutes else None)
                   for name, config in jobs}
        for name, future in futures.items():
            result = future.result()
            print(f"{name}: {result['status']} {result.get('num_timesteps', '')} steps "
                  f"{result.get('error', '')}", flush=True)


def summary_table(out: Path, descriptions: dict[str, str] | None = None, horizon: int | None = None
                  ) -> pd.DataFrame:
    """One row per run, measured at ``horizon`` environment steps (default: where the shortest run ends), so runs
    that went on longer are compared on the same budget."""
    runs = sorted(p for p in out.iterdir() if (p / "episodes.csv").exists())
    curves = {run: pd.read_csv(run / "episodes.csv") for run in runs}
    horizon = horizon or min((int(c["step"].max()) for c in curves.values() if len(c)), default=0)
    rows = []
    for run, episodes in curves.items():
        evals = pd.read_csv(run / "eval.csv") if (run / "eval.csv").exists() else pd.DataFrame()
        evals = evals[evals["step"] <= horizon] if not evals.empty else evals
        config = yaml.safe_load((run / "config.yaml").read_text())
        seen = episodes[episodes["step"] <= horizon]
        window = seen[seen["step"] > horizon * 0.9]  # the last 10 % of the budget
        best = evals.loc[evals["mean_length"].idxmax()] if not evals.empty else None
        rows.append({"run": run.name, "controller": config["controller"], "seed": config["seed"],
                     "algo": config["algo"], "description": (descriptions or {}).get(run.name, ""),
                     "steps": horizon, "cpu_hours": round(float(seen["cpu_s"].max()) / 3600, 3) if len(seen) else 0.0,
                     "train_len_last10pct": round(float(window["length"].mean()), 1),
                     "train_return_last10pct": round(float(window["return"].mean()), 2),
                     "best_eval_len": None if best is None else round(float(best["mean_length"]), 1),
                     "best_eval_step": None if best is None else int(best["step"])})
    return pd.DataFrame(rows)


def summarise(out: Path, descriptions: dict[str, str] | None = None, horizon: int | None = None) -> pd.DataFrame:
    """:func:`summary_table`, also written to ``out/summary.csv`` and ``out/summary.md``."""
    table = summary_table(out, descriptions, horizon)
    table.to_csv(out / "summary.csv", index=False)
    lines = ["| " + " | ".join(table.columns) + " |", "|" + "---|" * len(table.columns)]
    lines += ["| " + " | ".join(str(v) for v in row) + " |" for row in table.itertuples(index=False)]
    (out / "summary.md").write_text("\n".join(lines) + "\n")
    return table


def plot_lengths(out: Path, names: list[str]) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 4.5))
    for name in names:
        path = out / name / "episodes.csv"
        if not path.exists():
            continue
        episodes = pd.read_csv(path)
        ax.plot(episodes["step"], episodes["length"].rolling(50, min_periods=1).mean(), label=name)
    ax.set_xlabel("environment steps")
    ax.set_ylabel("training episode length (control steps, 50-episode mean)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out / "episode_length.png", dpi=120)
    plt.close(fig)
    return out / "episode_length.png"


def compare(groups: list[Path], horizon: int, figure: Path) -> pd.DataFrame:
    """Seed groups (directories of ``<controller>_seed<N>`` runs) side by side: training-episode length over steps
    (mean ± SD over seeds) per controller, and a table at ``horizon`` steps (mean ± SD over seeds)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    curves = {controller: [(group, learning_curves(group, controller, column="length")) for group in groups]
              for controller in ("synergy", "independent")}
    curves = {controller: runs for controller, runs in curves.items() if any(curve[3] for _, curve in runs)}
    if not curves:
        raise SystemExit(f"no <controller>_seed<N> runs in {', '.join(map(str, groups))}")
    fig, axes = plt.subplots(1, len(curves), figsize=(6 * len(curves), 4.5), sharey=True, squeeze=False)
    for ax, (controller, runs) in zip(axes[0], curves.items(), strict=True):
        for group, (steps, mean, sd, n) in runs:
            if n:
                line = ax.plot(steps, mean, label=f"{group.name} (n={n})")[0]
                ax.fill_between(steps, mean - sd, mean + sd, color=line.get_color(), alpha=0.15)
        ax.axvline(horizon, color="grey", lw=0.8, ls=":")
        ax.set_title(f"{controller} controller")
        ax.set_xlabel("environment steps")
        ax.legend(fontsize=8)
    axes[0, 0].set_ylabel("training episode length (control steps of 25 ms)")
    fig.tight_layout()
    figure.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(figure, dpi=120)
    plt.close(fig)
    table = pd.concat([summary_table(group, horizon=horizon).assign(group=group.name) for group in groups])
    metrics = ["train_len_last10pct", "best_eval_len"]
    return table.groupby(["controller", "group"])[metrics].agg(["mean", "std", "count"]).round(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("stage", choices=["ablation", "alternatives", "seeds", "summary", "compare"])
    parser.add_argument("--out", type=Path, required=True, help="compare: the figure to write")
    parser.add_argument("--groups", type=Path, nargs="+", help="compare: seed groups (directories of runs)")
    parser.add_argument("--minutes", type=float, default=None, help="wall-clock minutes per run and invocation")
    parser.add_argument("--steps", type=int, default=None, help="environment steps per run (default: the preset's)")
    parser.add_argument("--parallel", type=int, default=2)
    parser.add_argument("--controller", default="synergy", help="ablation: the controller to ablate")
    parser.add_argument("--seeds", type=int, default=3, help="seeds: N seeds per controller")
    parser.add_argument("--first-seed", type=int, default=0, help="seeds: the first seed (seeds FIRST..FIRST+N-1)")
    parser.add_argument("--controllers", nargs="+", default=["synergy", "independent"], help="seeds: controllers")
    parser.add_argument("--only", default=None, help="ablation: comma-separated variant names to run")
    parser.add_argument("--base", default="reward_norm", help="alternatives: the ablation step they modify")
    parser.add_argument("--variant", default=None,
                        help="seeds: alternatives (comma-separated) applied on top of the cpu preset")
    parser.add_argument("--horizon", type=int, default=None, help="summary: compare runs at this many steps")
    args = parser.parse_args()
    descriptions = {name: text for name, text, _ in ABLATION + ALTERNATIVES}
    if args.stage == "compare":
        if not args.groups or not args.horizon:
            raise SystemExit("compare needs --groups DIR [DIR ...] and --horizon STEPS")
        print(compare(args.groups, args.horizon, args.out).to_string())
        return
    if args.stage == "ablation":
        jobs = [(name, config) for name, _, config in ablation_configs(args.controller, 0, args.steps)
                if args.only is None or name in args.only.split(",")]
        run_all(jobs, args.out, args.minutes, args.parallel)
        plot_lengths(args.out, [name for name, _ in jobs])
    elif args.stage == "alternatives":
        jobs = [(name, config) for name, _, config in alternative_configs(args.base, args.controller, args.steps)
                if args.only is None or name in args.only.split(",")]
        run_all(jobs, args.out, args.minutes, args.parallel)
        plot_lengths(args.out, [name for name, _ in jobs])
    elif args.stage == "seeds":
        known = {name: change for name, _, change in ALTERNATIVES}
        changes: dict[str, Any] = {}
        for variant in args.variant.split(",") if args.variant else []:
            if variant not in known:
                raise SystemExit(f"unknown alternative '{variant}' (known: {', '.join(known)})")
            changes = merge(changes, known[variant])
        jobs = [(f"{controller}_seed{seed}", TrainConfig.model_validate(merge(TrainConfig.preset(
                    "cpu", controller=controller, seed=seed, total_steps=args.steps).model_dump(mode="json"), changes)))
                for seed in range(args.first_seed, args.first_seed + args.seeds)
                for controller in args.controllers]
        run_all(jobs, args.out, args.minutes, args.parallel)
        plot_learning_curves(args.out, args.controllers, args.out / "learning_curves.png")
    else:
        order = [name for name, _, _ in ABLATION + ALTERNATIVES]
        runs = sorted((p.name for p in args.out.iterdir() if p.is_dir()),
                      key=lambda n: (order.index(n) if n in order else len(order), n))
        plot_lengths(args.out, runs)
    print(summarise(args.out, descriptions, args.horizon).to_string(index=False))


if __name__ == "__main__":
    main()
