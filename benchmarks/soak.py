"""Soak test of the walking environment: many random-action steps and resets, nothing may raise or go non-finite.

Run: ``python benchmarks/soak.py [--steps 1000000] [--resets 10000] [--seed 0]``. Episodes alternate between the
controllers (synergy with mirroring, independent), the paper's task (speed curriculum, random terrains from the
pool) and fixed conditions (0.7-1.8 m/s, slopes -5 to +5 deg), with random actions; an episode is cut after
``--max-episode-steps`` so that the step and reset budgets are both spent. Prints the counts, the terminations by
reason and the throughput, then one JSON line; exits 1 if anything raised or an observation was non-finite.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter

import numpy as np
from rich.progress import Progress

from synergait.env import WalkConfig, make_walk_env


def soak(steps: int, resets: int, seed: int, max_episode_steps: int) -> dict:
    rng = np.random.default_rng(seed)
    envs = {(controller, task): make_walk_env(controller, config=config)
            for controller in ("synergy", "independent")
            for task, config in (("paper", WalkConfig()),
                                 ("fixed", WalkConfig(fixed_speed_m_s=1.2, fixed_slope_deg=0.0)))}
    terminations: Counter[str] = Counter()
    done_steps = done_resets = non_finite = errors = 0
    started = time.perf_counter()
    with Progress(transient=True) as bar:
        task = bar.add_task("soak", total=steps)
        while done_steps < steps or done_resets < resets:
            key = list(envs)[done_resets % len(envs)]
            env = envs[key]
            options = {}
            if key[1] == "fixed":
                options = {"target_speed": float(rng.choice(np.round(np.arange(0.7, 1.81, 0.1), 1)))}
            try:
                observation, _ = env.reset(seed=int(rng.integers(2**31)), options=options)
                non_finite += int(not np.isfinite(observation).all())
                for _ in range(max_episode_steps):
                    observation, reward, terminated, truncated, info = env.step(env.action_space.sample())
                    done_steps += 1
                    non_finite += int(not (np.isfinite(observation).all() and np.isfinite(reward)))
                    if terminated or truncated:
                        terminations[info.get("termination", "time limit").split(":")[0]] += 1
                        break
                else:
                    terminations["cut by the soak"] += 1
            except Exception as exc:  # the point of a soak: count, report and go on
                errors += 1
                terminations[f"exception {type(exc).__name__}: {exc}"] += 1
            done_resets += 1
            bar.update(task, completed=min(done_steps, steps))
    elapsed = time.perf_counter() - started
    return {"steps": done_steps, "resets": done_resets, "non_finite": non_finite, "exceptions": errors,
            "terminations": dict(terminations), "wall_s": elapsed, "steps_per_s": done_steps / elapsed}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=1_000_000)
    parser.add_argument("--resets", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-episode-steps", type=int, default=100)
    args = parser.parse_args()
    result = soak(args.steps, args.resets, args.seed, args.max_episode_steps)
    for key, value in result.items():
        print(f"{key:>12}: {value}")
    print(json.dumps(result))
    sys.exit(1 if result["non_finite"] or result["exceptions"] else 0)


if __name__ == "__main__":
    main()
