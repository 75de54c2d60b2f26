"""How much of a PPO walker's action lies beyond the action bounds, and what its muscles cost.

    python experiments/action_saturation.py WALKER [WALKER ...] [--episodes 2] [--speed 1.2] [--slope 0]

For each walker, deterministic episodes at one condition (the plain task, as the walking targets): control steps,
effort (sum over muscles of the squared activation, per step: the paper's effort term before its weight), mean
activation, and the fraction of the policy's action means beyond the action bounds, where the environment's clip
makes them act as the bound and leaves them without a gradient from any reward. The most saturated action
dimensions are listed with their fraction.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

from synergait.errors import SynergaitError
from synergait.walker import load_walker, run_episode


def measure(source: str, episodes: int, speed: float, slope: float) -> dict[str, object]:
    walker = load_walker(source)
    env = walker.make_env(speed_m_s=speed, slope_deg=slope)
    means, efforts, activations, lengths = [], [], [], []
    original_act = walker.act

    def act(observation: np.ndarray) -> np.ndarray:
        means.append(walker.action_mean(observation))
        return original_act(observation)

    walker.act = act  # type: ignore[method-assign]

    def on_step(_info: dict) -> None:
        activation = env.unwrapped.body.data.act
        efforts.append(float(activation @ activation))
        activations.append(float(activation.mean()))

    for seed in range(episodes):
        lengths.append(run_episode(walker, env, seed=seed, on_step=on_step).steps)
    raw = np.array(means)
    beyond = (raw > walker.action_high) | (raw < walker.action_low)
    worst = np.argsort(-beyond.mean(axis=0))[:5]
    return {"walker": source, "steps": lengths, "effort": round(float(np.mean(efforts)), 2),
            "mean_activation": round(float(np.mean(activations)), 3),
            "beyond_bounds": round(float(beyond.mean()), 3),
            "most_saturated": {int(i): round(float(beyond[:, i].mean()), 2) for i in worst}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("walkers", nargs="+")
    parser.add_argument("--episodes", type=int, default=2)
    parser.add_argument("--speed", type=float, default=1.2, help="target speed, m/s")
    parser.add_argument("--slope", type=float, default=0.0, help="ground slope, degrees")
    args = parser.parse_args()
    for source in args.walkers:
        try:
            print(measure(source, args.episodes, args.speed, args.slope), flush=True)
        except SynergaitError as error:
            print(f"error: {error}", file=sys.stderr)
            sys.exit(2)


if __name__ == "__main__":
    main()
