"""Which help does a trained walker need to keep walking? Deterministic rollouts with part of the pelvis assistance.

A diagnostic, not training: the walker acts as trained while a constant spring-damper (`synergait.env.assist`,
gains as in `AssistConfig`, scaled by ``--level``) holds one aspect of its pelvis. If a walker walks 400 steps
with only the height hold, what it lacks is weight support; with only the balance terms, lateral/tilt balance.

    python experiments/assisted_rollouts.py synergy-default --kind height balance forward --level 1.0 0.3

Prints one line per (kind, level): episodes that reached ``--steps``, mean steps, distance and speed, and the mean
upward force of the assistance in body weights (how much of the weight the help carries).
"""

from __future__ import annotations

import argparse

import numpy as np

from synergait.env.assist import PelvisAssist
from synergait.model.catalog import FORWARD
from synergait.train.walker import Walker

#: The assistance's gains that each kind of help keeps (the others are set to 0).
HELP_GAINS = {
    "full": ("tilt_stiffness_nm_per_rad", "tilt_damping_nms_per_rad", "lateral_damping_ns_per_m",
             "height_stiffness_n_per_m", "height_damping_ns_per_m", "forward_gain_ns_per_m"),
    "balance": ("tilt_stiffness_nm_per_rad", "tilt_damping_nms_per_rad", "lateral_damping_ns_per_m"),
    "height": ("height_stiffness_n_per_m", "height_damping_ns_per_m"),
    "forward": ("forward_gain_ns_per_m",),
}


def assisted_rollouts(walker: Walker, kind: str, level: float, episodes: int, steps: int) -> dict[str, float]:
    """Roll ``walker`` out with the ``kind`` of help held at ``level``; summary over ``episodes``."""
    env = walker.make_env(speed_m_s=1.2, slope_deg=0.0, episode_steps=steps)
    walk = env.unwrapped
    base = walker.env_config.assist
    gains = {name: getattr(base, name) if name in HELP_GAINS[kind] else 0.0 for name in HELP_GAINS["full"]}
    walk.assist = PelvisAssist(walk.body, base.model_copy(update={**gains, "advance_mean_steps": float("inf")}))
    pelvis = walk.body.model.body(walk.body.info.pelvis_body).id  # where the help acts
    lengths, distances, up_force = [], [], []
    for episode in range(episodes):
        observation, _ = env.reset(seed=episode)
        walk.assist_level = level
        start = walk.body.com_position() @ FORWARD
        done, length = False, 0
        while not done:
            observation, _, terminated, truncated, _ = env.step(walker.act(observation))
            up_force.append(walk.body.data.xfrc_applied[pelvis][2] / walk.body.body_weight_n)
            length, done = length + 1, terminated or truncated
        lengths.append(length)
        distances.append(walk.body.com_position() @ FORWARD - start)
    duration_s = np.sum(lengths) * walk.control_period_s
    return {"reached": int(np.sum(np.array(lengths) >= steps)), "mean_steps": float(np.mean(lengths)),
            "mean_distance_m": float(np.mean(distances)), "mean_speed_m_s": float(np.sum(distances) / duration_s),
            "mean_up_force_bw": float(np.mean(up_force))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("walker", help="shipped walker name, walker directory or training run")
    parser.add_argument("--kind", nargs="+", choices=list(HELP_GAINS), default=["height", "balance"])
    parser.add_argument("--level", type=float, nargs="+", default=[1.0])
    parser.add_argument("--episodes", type=int, default=6)
    parser.add_argument("--steps", type=int, default=400)
    args = parser.parse_args()
    walker = Walker.load(args.walker)
    for kind in args.kind:
        for level in args.level:
            result = assisted_rollouts(walker, kind, level, args.episodes, args.steps)
            print(f"{kind:8s} level {level:.2f}: {result['reached']}/{args.episodes} reach {args.steps} steps, "
                  f"mean {result['mean_steps']:.1f} steps, {result['mean_distance_m']:.2f} m at "
                  f"{result['mean_speed_m_s']:.2f} m/s; help carries {result['mean_up_force_bw']:.2f} body weights "
                  "upwards on average", flush=True)


if __name__ == "__main__":
    main()
