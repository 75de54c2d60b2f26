"""``synergait env ...``: the walking environment, walking tests, reset poses."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from synergait.cli.common import (
    BasisOption,
    ConfigOption,
    FromOption,
    JsonFlag,
    OptionalControllerOption,
    PolicyOption,
    command_group,
    emit,
    walk_config_from,
)
from synergait.errors import SynergaitError

env_app = command_group("env", "The muscle-driven walking environment.")


@env_app.command("info")
def env_info(basis: BasisOption = None, config: ConfigOption = None, as_json: JsonFlag = False) -> None:
    """Observation and action sizes per controller, muscle and DOF counts, control period."""
    from synergait.env import make_walk_env

    walk_config = walk_config_from(config)
    independent = make_walk_env("independent", config=walk_config)
    walk = independent.unwrapped
    body = walk.body
    result: dict[str, Any] = {
        "model": walk_config.model, "n_muscles": walk.n_muscles, "n_right_leg_muscles": len(body.right_leg),
        "n_left_leg_muscles": len(body.left_leg), "n_trunk_muscles": len(body.trunk), "nq": body.model.nq,
        "nv": body.model.nv, "body_mass_kg": body.mass_kg, "timestep_s": walk_config.timestep_s,
        "substeps": walk.substeps, "control_period_s": walk.control_period_s, "control_hz": walk_config.control_hz,
        "episode_steps": walk_config.episode_steps,
        "controllers": {"independent": {"observation": independent.observation_space.shape[0],
                                        "action": independent.action_space.shape[0], "mirroring": False}},
    }
    try:
        synergy = make_walk_env("synergy", basis=basis, config=walk_config)
        result["controllers"]["synergy"] = {"observation": synergy.observation_space.shape[0],
                                            "action": synergy.action_space.shape[0], "mirroring": True}
    except SynergaitError as exc:
        result["controllers"]["synergy"] = {"unavailable": str(exc)}
    emit(result, as_json, "walking environment")


@env_app.command("rollout")
def env_rollout(policy: PolicyOption = "random",
                episodes: Annotated[int, typer.Option(min=1, help="Episodes (seeds --seed, --seed + 1, ...).")] = 10,
                steps: Annotated[int, typer.Option(min=1, help="Control steps per episode at most (40 Hz).")] = 400,
                speed: Annotated[float, typer.Option(help="Target speed, m/s.")] = 1.2,
                slope: Annotated[float, typer.Option(help="Ground slope, degrees.")] = 0.0,
                controller: OptionalControllerOption = None, basis: BasisOption = None,
                seed: Annotated[int, typer.Option(help="Seed of the first episode and of the random policy.")] = 0,
                speed_tolerance: Annotated[float, typer.Option(min=0.0, help="An episode walks at the target "
                                                                             "speed +/- this, m/s.")] = 0.15,
                config: ConfigOption = None, as_json: JsonFlag = False) -> None:
    """Deterministic episodes at one condition: falls, distance, speed, and how many walked (no fall over
    --steps at the target speed +/- --speed-tolerance)."""
    from synergait.evaluate.walking import walking_test
    from synergait.walker import load_walker

    walker = load_walker(policy, controller=controller, basis=str(basis) if basis else None,
                         config=walk_config_from(config), seed=seed)
    result = walking_test(walker, episodes=episodes, steps=steps, speed_m_s=speed, slope_deg=slope, seed=seed,
                          speed_tolerance_m_s=speed_tolerance, progress=not as_json).as_dict()
    emit(result, as_json, f"{policy} rollout")


@env_app.command("make-pose")
def env_make_pose(source: FromOption = None,
                  out: Annotated[Path | None, typer.Option(help="Output JSON (default: the packaged asset).")] = None,
                  as_json: JsonFlag = False) -> None:
    """Regenerate the initial pose (Rajagopal right heel strike) and the gait-cycle pose library from the data."""
    from synergait.assets.regenerate import make_pose_assets
    from synergait.data.rajagopal import RajagopalTrial

    emit(make_pose_assets(RajagopalTrial.fetch(source), out), as_json,
         "initial pose")


@env_app.command("make-reference")
def env_make_reference(
        out: Annotated[Path, typer.Option(help="Pose library JSON to write (for env.imitation.reference).")],
        dataset: Annotated[str, typer.Option(help="rajagopal2016 (the shipped stride) or falisse2019 (the "
                                                  "subject's mean stride).")] = "falisse2019",
        source: FromOption = None, as_json: JsonFlag = False) -> None:
    """A human stride as gait-cycle poses: an imitation reference and its reset states (set
    env.imitation.reference to the file written)."""
    from synergait.env.imitation import GaitReference, reference_poses
    from synergait.model.body import Musculoskeleton
    from synergait.model.pose import save_pose_library

    poses = reference_poses(dataset, source)
    reference = GaitReference.from_poses(Musculoskeleton(), poses, dataset)
    save_pose_library(poses, out)
    emit({"out": str(out), "dataset": dataset, "poses": len(poses), "stride_s": round(reference.stride_s, 3),
          "speed_m_s": round(reference.speed_m_s, 3)}, as_json, "imitation reference")
