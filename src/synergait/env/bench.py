"""Throughput of the walking environment against the physics limit, measured in one run.

(a) physics: a raw ``mj_step`` loop of the same model, terrain and timestep, random excitations held for one
    control period, reset to the initial pose when the pelvis drops below the fall height;
(b) env: :func:`~synergait.env.factory.make_walk_env` (synergy controller, mirroring on) with random actions;
(c) MyoSuite ``myoLegWalk-v0`` with random actions, when ``myosuite`` is installed.

Figures are simulated seconds per wall-clock second; ratios compare (b) with (a) and (b) with (c).
"""

from __future__ import annotations

import time
from typing import Any

import mujoco
import numpy as np

from synergait.env.config import WalkConfig
from synergait.env.factory import make_walk_env
from synergait.model.body import Musculoskeleton
from synergait.model.catalog import LEG_MUSCLES
from synergait.model.pose import GaitPose
from synergait.synergy.basis import SynergyBasis


def _physics_rate(config: WalkConfig, steps: int, seed: int) -> float:
    body = Musculoskeleton(config.model, timestep_s=config.timestep_s)
    pose = GaitPose.load()
    body.set_pose(pose)
    model, data = body.model, body.data
    rng = np.random.default_rng(seed)
    actions = rng.uniform(0.0, 1.0, (steps, body.n_muscles))
    substeps = config.substeps
    start = time.perf_counter()
    for action in actions:
        data.ctrl[:] = action
        mujoco.mj_step(model, data, nstep=substeps)
        if body.pelvis_position()[2] < config.fall_pelvis_height_m:
            body.set_pose(pose)
    elapsed = time.perf_counter() - start
    return steps * substeps * config.timestep_s / elapsed


def _env_rate(config: WalkConfig, steps: int, seed: int) -> float:
    basis = SynergyBasis.random([f"{m}_r" for m in LEG_MUSCLES], 10, seed=seed)
    env = make_walk_env("synergy", basis=basis, config=config)
    env.reset(seed=seed)
    env.action_space.seed(seed)
    actions = [env.action_space.sample() for _ in range(steps)]
    start = time.perf_counter()
    for action in actions:
        _, _, terminated, truncated, _ = env.step(action)
        if terminated or truncated:
            env.reset()
    elapsed = time.perf_counter() - start
    return steps * env.unwrapped.control_period_s / elapsed


def _myosuite_rate(steps: int, seed: int) -> float | None:
    try:
        import gymnasium as gym
        import myosuite  # noqa: F401  (registers the MyoSuite environments)
    except ImportError:
        return None
    env = gym.make("myoLegWalk-v0")
    env.reset(seed=seed)
    env.action_space.seed(seed)
    dt = float(env.unwrapped.dt)
    start = time.perf_counter()
    for _ in range(steps):
        _, _, terminated, truncated, _ = env.step(env.action_space.sample())
        if terminated or truncated:
            env.reset()
    return steps * dt / (time.perf_counter() - start)


def measure_env_throughput(steps: int = 2000, seed: int = 0, repeats: int = 3) -> dict[str, Any]:
    """Best-of-``repeats`` simulated seconds per wall second for (a), (b), (c) and their ratios."""
    config = WalkConfig()
    physics = max(_physics_rate(config, steps, seed) for _ in range(repeats))
    env = max(_env_rate(config, steps, seed) for _ in range(repeats))
    myosuite = _myosuite_rate(steps, seed)
    return {
        "model": config.model, "timestep_s": config.timestep_s, "substeps": config.substeps,
        "control_steps": steps, "repeats": repeats,
        "physics_sim_s_per_s": physics, "env_sim_s_per_s": env, "ratio_env_to_physics": env / physics,
        "env_steps_per_s": env / (config.substeps * config.timestep_s),
        "myosuite_sim_s_per_s": myosuite, "ratio_env_to_myosuite": env / myosuite if myosuite else None,
    }
