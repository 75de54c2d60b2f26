"""A walker's muscle activity against the human gait pattern: the measurements behind the recipe's co-contraction
numbers.

    python experiments/muscle_activity.py WALKER [--speed 1.2] [--slope 0] [--steps 400] [--top 8]
    python experiments/muscle_activity.py WALKER --scale tibant=0.5 --episodes 3   # test-time surgery

One deterministic episode per seed in the walker's judged environment. Every control step: the legs' activations
against the human pattern (the shipped Rajagopal 2016 pattern; the right leg at the gait clock's phase, the left
half a cycle on), summed over both legs' muscles as the imitation's ``w_activation`` term does
(``GaitPattern.activation_error``). Prints the episode (control steps, speed, why it ended), the mean, 10th
and 90th percentile of that error, the muscles whose mean activation most exceeds the human one, and the mean
activation over the right leg. ``--scale PREFIX=FACTOR`` multiplies the excitations of the muscles whose names
start with PREFIX before they reach the body (comma-separated pairs): does the walker need that activity?
"""

from __future__ import annotations

import argparse

import numpy as np

from synergait.synergy.pattern import GaitPattern
from synergait.walker import Walker, load_walker, run_episode
from synergait.walker.base import Episode


def one_episode(walker: Walker, pattern: GaitPattern, speed: float, slope: float, steps: int, seed: int,
                scales: list[tuple[str, float]]) -> tuple[Episode, np.ndarray, np.ndarray, np.ndarray]:
    """One episode: the episode, the activation error per control step, the right leg's activations ``(steps,
    n)`` and the human pattern's beside them."""
    env = walker.make_env(speed_m_s=speed, slope_deg=slope, episode_steps=steps)
    walk = env.unwrapped
    body = walk.body
    right, left = body.leg_muscle_indices(pattern.muscles)
    if scales:
        factors = np.ones(walk.n_muscles)
        for prefix, factor in scales:
            factors[[i for i, name in enumerate(walk.muscle_names) if name.startswith(prefix)]] = factor
        step = walk.step
        walk.step = lambda action: step(np.asarray(action, dtype=float) * factors)
    errors, walker_rows, human_rows = [], [], []

    def record(info: dict) -> None:
        if "gait_phase_percent" not in info:
            raise SystemExit(f"{walker.name}: its environment has no gait clock to read the human pattern at")
        phase = info["gait_phase_percent"]
        act = body.data.act
        errors.append(pattern.activation_error(act[right], act[left], phase))
        walker_rows.append(act[right].copy())
        human_rows.append(pattern.at(phase))

    episode = run_episode(walker, env, seed=seed, on_step=record)
    return episode, np.array(errors), np.array(walker_rows), np.array(human_rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("walker")
    parser.add_argument("--speed", type=float, default=1.2, help="target speed, m/s")
    parser.add_argument("--slope", type=float, default=0.0, help="degrees")
    parser.add_argument("--steps", type=int, default=400, help="control steps per episode")
    parser.add_argument("--episodes", type=int, default=1)
    parser.add_argument("--top", type=int, default=8)
    parser.add_argument("--scale", default="", help="PREFIX=FACTOR[,PREFIX=FACTOR]: excitations scaled")
    args = parser.parse_args()
    scales = [(prefix, float(factor)) for prefix, factor in (p.split("=") for p in args.scale.split(",") if p)]
    walker = load_walker(args.walker)
    pattern = GaitPattern.load(None)
    for seed in range(args.episodes):
        episode, errors, walker_rows, human_rows = one_episode(walker, pattern, args.speed, args.slope, args.steps,
                                                               seed, scales)
        walker_mean, human_mean = walker_rows.mean(axis=0), human_rows.mean(axis=0)
        print(f"seed {seed}: {episode.steps} control steps at {episode.speed_m_s:.2f} m/s "
              f"({episode.termination or 'no fall'}); activation error mean {errors.mean():.2f}, "
              f"p10 {np.percentile(errors, 10):.2f}, p90 {np.percentile(errors, 90):.2f}")
        for i in np.argsort(human_mean - walker_mean)[:args.top]:
            print(f"  {pattern.muscles[i]:12s} walker {walker_mean[i]:.2f}  human {human_mean[i]:.2f}")
        print(f"  right leg mean activation: walker {walker_mean.mean():.3f}, human {human_mean.mean():.3f}")


if __name__ == "__main__":
    main()
