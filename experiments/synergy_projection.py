"""Can the synergy controller express what a walking independent walker does?

Rolls out an independent walker in its plain environment twice per seed: as trained, and with every control
step's leg excitations replaced by their projection onto the synergy space (per leg, non-negative least squares
on the basis, activations clipped to [0, ceiling] as :class:`~synergait.env.wrappers.SynergyAction` does; trunk
muscles untouched). Prints the variance accounted for (VAF) of the projected excitations and how long each
variant walks: if the projected walker walks as long, the synergy space is not what holds the synergy walkers
back, and the independent walker can teach a synergy student (behaviour cloning).

    python experiments/synergy_projection.py WALKER_DIR [--episodes 10] [--basis BASIS.npz]
"""

from __future__ import annotations

import argparse
import json

import numpy as np

from synergait.synergy.basis import SynergyBasis, default_basis
from synergait.walker import load_walker, run_episode


def projector(walker, basis: SynergyBasis, ceiling: float = 1.0):
    walk = walker.make_env(episode_steps=1).unwrapped
    body = walk.body
    legs = [(body.muscle_indices(leg.muscles), leg) for leg in (basis, basis.mirrored())]

    def project(excitation: np.ndarray) -> tuple[np.ndarray, float, float]:
        projected = excitation.copy()
        residual = total = 0.0
        for index, leg in legs:
            target = excitation[index]
            approx = np.clip(np.clip(leg.activations_for(target)[0], 0, ceiling) @ leg.weights, 0, 1)
            projected[index] = approx
            residual += float(np.sum((target - approx) ** 2))
            total += float(np.sum(target**2))
        return projected, residual, total
    return project


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("walker")
    parser.add_argument("--episodes", type=int, default=10)
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--basis", default=None)
    parser.add_argument("--ceiling", type=float, default=1.0, help="upper bound of a synergy activation")
    args = parser.parse_args()
    walker = load_walker(args.walker)
    basis = SynergyBasis.load(args.basis) if args.basis else default_basis()
    project = projector(walker, basis, args.ceiling)
    results = {}
    for variant in ("as trained", "projected onto synergies"):
        lengths, distances, sums = [], [], [0.0, 0.0]
        for seed in range(args.episodes):
            env = walker.make_env(episode_steps=args.steps)
            walk = env.unwrapped
            if variant != "as trained":
                original = walk.step

                def step(excitation, original=original, sums=sums):
                    projected, residual, total = project(np.asarray(excitation, dtype=np.float64))
                    sums[0] += residual
                    sums[1] += total
                    return original(projected.astype(np.float32))
                walk.step = step
            episode = run_episode(walker, env, seed=seed)
            lengths.append(episode.steps)
            distances.append(episode.distance_m)
        results[variant] = {"mean_steps": float(np.mean(lengths)), "steps": lengths,
                            "mean_distance_m": round(float(np.mean(distances)), 2)}
        if sums[1] > 0:
            results[variant]["vaf_percent"] = round(100 * (1 - sums[0] / sums[1]), 1)
    print(json.dumps({"walker": args.walker, "basis": args.basis or "shipped", "k": basis.n_synergies,
                      "ceiling": args.ceiling, **results}, indent=1))


if __name__ == "__main__":
    main()
