"""Throughput of the walking environment against the physics limit, measured in one run.

(a) physics: raw ``mj_step`` of the same model, terrain and timestep, replaying the excitations (b) applied,
    each held for one control period, and resetting to the initial pose where (b) reset;
(b) env: :func:`~synergait.env.factory.make_walk_env` (synergy controller, mirroring on) with random actions;
(c) MyoSuite ``myoLegWalk-v0`` with random actions, when ``myosuite`` is installed here or in the interpreter
    given as ``myosuite_python``.

Figures are simulated seconds per wall-clock second; ratios compare (b) with (a) and (b) with (c).
"""

from __future__ import annotations

import time
from typing import Any

import mujoco

from synergait.env.config import WalkConfig
from synergait.env.factory import make_walk_env
from synergait.model.body import Musculoskeleton
from synergait.model.catalog import LEG_MUSCLES
from synergait.model.pose import GaitPose
from synergait.synergy.basis import SynergyBasis


def _interleaved(config: WalkConfig, steps: int, seed: int) -> tuple[float, float, int]:
    """Seconds spent in (b) env steps and in (a) the raw physics replaying them, measured step by step in
    alternation so that both see the same machine state; and the number of episodes."""
    basis = SynergyBasis.random([f"{m}_r" for m in LEG_MUSCLES], 10, seed=seed)
    env = make_walk_env("synergy", basis=basis, config=config)
    env.reset(seed=seed)
    env.action_space.seed(seed)
    env_data = env.unwrapped.body.data
    raw = Musculoskeleton(config.model, timestep_s=config.timestep_s)
    pose = GaitPose.load()
    raw.set_pose(pose)
    model, data, substeps = raw.model, raw.data, config.substeps
    actions = [env.action_space.sample() for _ in range(steps)]
    env_time = physics_time = 0.0
    episodes = 0
    clock = time.perf_counter
    for action in actions:
        t0 = clock()
        _, _, terminated, truncated, _ = env.step(action)
        if terminated or truncated:
            env.reset()
        t1 = clock()
        data.ctrl[:] = env_data.ctrl
        t2 = clock()
        mujoco.mj_step(model, data, nstep=substeps)
        if terminated or truncated:
            raw.set_pose(pose)
            episodes += 1
        physics_time += clock() - t2
        env_time += t1 - t0
    return env_time, physics_time, episodes


_MYOSUITE_SNIPPET = """
import json, sys, time
import gymnasium as gym
import myosuite  # registers the MyoSuite environments
steps, seed = int(sys.argv[1]), int(sys.argv[2])
env = gym.make("myoLegWalk-v0")
env.reset(seed=seed)
env.action_space.seed(seed)
start = time.perf_counter()
for _ in range(steps):
    _, _, terminated, truncated, _ = env.step(env.action_space.sample())
    if terminated or truncated:
        env.reset()
print(json.dumps(steps * float(env.unwrapped.dt) / (time.perf_counter() - start)))
"""


def _myosuite_rate(steps: int, seed: int, python: str | None = None) -> float | None:
    """MyoSuite ``myoLegWalk-v0`` with random actions, in this interpreter or in ``python`` (MyoSuite pins
    gymnasium < 1.3 and its own myo-sim, so it usually lives in a separate virtual environment)."""
    import subprocess
    import sys

    interpreter = python or sys.executable
    if python is None:
        try:
            import myosuite  # noqa: F401
        except ImportError:
            return None
    result = subprocess.run([interpreter, "-c", _MYOSUITE_SNIPPET, str(steps), str(seed)], capture_output=True,
                            text=True, timeout=1800)
    if result.returncode != 0:
        raise RuntimeError(f"MyoSuite benchmark failed: {result.stderr.strip().splitlines()[-1:]}")
    return float(result.stdout.strip().splitlines()[-1])


def measure_env_throughput(steps: int = 2000, seed: int = 0, repeats: int = 3,
                           myosuite_python: str | None = None) -> dict[str, Any]:
    """Simulated seconds per wall second for (a), (b), (c) and their ratios.

    (a) replays the excitations and resets of (b) step by step, alternating with it, so both integrate the same
    kind of motion under the same machine load; the best of ``repeats`` runs is kept.
    """
    config = WalkConfig()
    simulated = steps * config.substeps * config.timestep_s
    runs = [_interleaved(config, steps, seed) for _ in range(repeats)]
    env = simulated / min(r[0] for r in runs)
    physics = simulated / min(r[1] for r in runs)
    myosuite = _myosuite_rate(steps, seed, myosuite_python)
    return {
        "model": config.model, "timestep_s": config.timestep_s, "substeps": config.substeps,
        "control_steps": steps, "repeats": repeats, "episodes": runs[0][2],
        "physics_sim_s_per_s": physics, "env_sim_s_per_s": env, "ratio_env_to_physics": env / physics,
        "env_steps_per_s": env / (config.substeps * config.timestep_s),
        "myosuite_sim_s_per_s": myosuite, "ratio_env_to_myosuite": env / myosuite if myosuite else None,
    }
