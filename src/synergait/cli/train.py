"""``synergait train``, ``synergait sweep`` and ``synergait walker ...``: training runs and walkers."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from synergait.cli.common import BasisOption, JsonFlag, PolicyArgument, app, command_group, emit

if TYPE_CHECKING:
    from synergait.train.config import TrainConfig

walker_app = command_group("walker", "Walkers: a policy with the environment it acts in.")


@app.command("train")
def train_command(
    out: Annotated[Path, typer.Option(help="Run directory (checkpoints, curves, best policy).")],
    controller: Annotated[str | None, typer.Option(help="independent or synergy (default: the preset's or the "
                                                        "config's; synergy in the presets).")] = None,
    basis: BasisOption = None,
    preset: Annotated[str, typer.Option(help="paper (the paper's SAC: a GPU job), imitation (PPO learning to "
                                             "walk by tracking the human gait cycle), finetune (an imitation walker "
                                             "onto the paper's reward at 1.2 m/s) or predictive (the paper's "
                                             "speeds and terrain); the last two need --init-policy.")] = "imitation",
    config: Annotated[Path | None, typer.Option("--config", help="A TrainConfig YAML (instead of a preset).")] = None,
    algo: Annotated[str | None, typer.Option(help="sac or ppo (default: the preset's).")] = None,
    seed: Annotated[int | None, typer.Option(help="Seed (default: the preset's or the config's).")] = None,
    steps: Annotated[int | None, typer.Option(help="Total environment steps (default: the preset's).")] = None,
    init_policy: Annotated[str | None, typer.Option(help="Start from this walker (shipped name or directory): "
                                                         "fine-tuning. Its environment must match the run's.")] = None,
    envs: Annotated[int | None, typer.Option(help="Vectorised environments.")] = None,
    device: Annotated[str | None, typer.Option(help="auto, cpu or cuda (default: the preset's or the config's)."
                                                )] = None,
    eval_every: Annotated[int | None, typer.Option(help="Evaluate every N steps.")] = None,
    checkpoint_every: Annotated[int | None, typer.Option(help="Checkpoint every N steps.")] = None,
    resume: Annotated[bool, typer.Option("--resume", help="Continue the run in --out from its checkpoint "
                                                          "(--steps then sets a new total).")] = False,
    minutes: Annotated[float | None, typer.Option(min=0, help="Stop after this many wall-clock minutes, with a "
                                                              "checkpoint (go on later with --resume).")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Train a walker (SB3 SAC or PPO); checkpoints atomically and resumes after a kill with --resume."""
    from synergait.train.trainer import train

    overrides = {"controller": controller, "basis": str(basis) if basis else None, "algo": algo, "seed": seed,
                 "total_steps": steps, "init_policy": init_policy, "n_envs": envs, "device": device,
                 "eval_every_steps": eval_every, "checkpoint_every_steps": checkpoint_every}
    train_config = _train_config(config, preset, overrides)
    result = train(train_config, out, resume=resume, progress=not as_json,
                   time_limit_s=minutes * 60 if minutes else None, total_steps=steps if resume else None)
    emit(result.as_dict(), as_json, "training")


def _train_config(config: Path | None, preset: str, overrides: dict[str, Any]) -> TrainConfig:
    """The configuration file (else the preset) with the command line's settings (those given) applied."""
    from synergait.train.config import TrainConfig

    if config is None:
        return TrainConfig.preset(preset, **overrides)
    raw = TrainConfig.from_yaml(config).model_dump()
    raw.update({k: v for k, v in overrides.items() if v is not None})
    return TrainConfig.model_validate(raw)


@walker_app.command("export")
def walker_export(run: Annotated[Path, typer.Argument(help="Training run directory (its best policy is exported).")],
                  out: Annotated[Path, typer.Option(help="Walker directory to write.")],
                  latest: Annotated[bool, typer.Option("--latest", help="Export the latest checkpoint instead "
                                                                        "of the best policy.")] = False,
                  as_json: JsonFlag = False) -> None:
    """Write a run's best policy with its environment spec and provenance as a walker directory (what
    `--policy DIR` and the shipped walkers are: YAML and plain arrays, nothing that runs code when loaded)."""
    from synergait.train.export import export_walker
    from synergait.walker import load_walker

    walker = load_walker(export_walker(run, out, latest=latest))
    emit({"out": str(out), "controller": walker.controller, **walker.meta}, as_json,
         "walker")


@walker_app.command("rank")
def walker_rank(run: Annotated[Path, typer.Argument(help="Training run directory with snapshots "
                                                         "(snapshot_every_steps in its config).")],
                episodes: Annotated[int, typer.Option(min=1, help="Episodes per snapshot.")] = 10,
                steps: Annotated[int, typer.Option(min=1, help="Control steps per episode at most.")] = 1000,
                speed: Annotated[float, typer.Option(help="Target speed, m/s.")] = 1.2,
                seed: Annotated[int, typer.Option(help="Seed of the first episode.")] = 0,
                targets: Annotated[bool, typer.Option("--targets", help="Rank by the walking targets' conditions "
                                                                        "(`synergait walker check`) instead of "
                                                                        "one speed.")] = False,
                as_json: JsonFlag = False) -> None:
    """Walking test of every snapshot of a run, best first: choose a walker by how it walks rather than by the
    few evaluation episodes that pick the run's best policy."""
    from synergait.errors import InputFileError
    from synergait.evaluate.walking import check_targets, rank_walkers
    from synergait.train.run import SNAPSHOTS_DIR
    from synergait.walker import load_walker

    snapshots = sorted((run / SNAPSHOTS_DIR).glob("step_*"), key=lambda p: int(p.name.removeprefix("step_")))
    if not snapshots:
        raise InputFileError(run, f"no {SNAPSHOTS_DIR}/ (set snapshot_every_steps in its config.yaml and resume)")
    walkers = [load_walker(path) for path in snapshots]
    if targets:
        checks = sorted((check_targets(w, steps=steps, seed=seed, progress=not as_json) for w in walkers),
                        key=lambda c: (-sum(c.passed), -c.walking, -c.mean_steps))
        emit({"run": str(run), "steps": steps, "snapshots": [
            {"snapshot": c.policy, "conditions_passed": sum(c.passed), "walking": c.walking,
             "mean_steps": round(c.mean_steps, 1),
             "walked": " ".join(f"{t.walking}/{t.episodes}" for t in c.tests)} for c in checks]}, as_json, "snapshots")
        return
    results = rank_walkers(walkers, episodes=episodes, steps=steps, speed_m_s=speed, seed=seed,
                           progress=not as_json)
    emit({"run": str(run), "episodes": episodes, "steps": steps, "speed_m_s": speed,
          "snapshots": [{"snapshot": r.policy, "walking": r.walking, "mean_steps": r.mean_steps,
                         "mean_speed_m_s": round(r.mean_speed_m_s, 3)} for r in results]}, as_json, "snapshots")


@walker_app.command("check")
def walker_check(policy: PolicyArgument,
                 steps: Annotated[int, typer.Option(min=1, help="Control steps per episode (40 Hz).")] = 1000,
                 seed: Annotated[int, typer.Option(help="Seed of each condition's first episode.")] = 0,
                 speed_tolerance: Annotated[float, typer.Option(min=0.0, help="An episode walks at the target "
                                                                              "speed +/- this, m/s.")] = 0.15,
                 rounds: Annotated[int, typer.Option(min=1, help="Repeat the check on the next seeds this many times "
                                                     "in all: how many rounds pass, and each condition's walking "
                                                     "rate with its 95 % interval.")] = 1,
                 as_json: JsonFlag = False) -> None:
    """The walking targets: 9 of 10 episodes walk --steps at 1.2 m/s on level ground, 4 of 5 at 0.8 and 1.6 m/s
    and at 1.2 m/s on +/-5 degree slopes (walking: no fall, mean speed within --speed-tolerance of the target).
    Five episodes say little about a walker that falls now and then: --rounds repeats the check on the next
    seeds."""
    from synergait.evaluate.walking import check_targets
    from synergait.walker import load_walker

    result = check_targets(load_walker(policy), steps=steps, seed=seed, speed_tolerance_m_s=speed_tolerance,
                           rounds=rounds, progress=not as_json)
    emit(result.as_dict(), as_json, f"{policy} walking targets")


@walker_app.command("distill")
def walker_distill(
        teacher: Annotated[str, typer.Argument(help="A trained walker (shipped name or directory).")],
        out: Annotated[Path, typer.Option(help="Walker directory to write (the student).")],
        controller: Annotated[str | None, typer.Option(help="The student's action space, independent or synergy "
                                                            "(default: the other one than the teacher's).")] = None,
        basis: BasisOption = None,
        iterations: Annotated[int, typer.Option(min=1, help="Iterations; the first is behaviour cloning (the "
                                                            "teacher drives), then DAgger (the student drives).")] = 6,
        steps_per_iteration: Annotated[int, typer.Option(min=1, help="Control steps collected per iteration.")
                                       ] = 20_000,
        epochs: Annotated[int, typer.Option(min=1, help="Passes over the data set after each iteration.")] = 10,
        learning_rate: Annotated[float, typer.Option(help="Adam's step size in the student's refits (a copy of "
                                                          "the teacher moves by about this much per step).")] = 1e-3,
        start_from_teacher: Annotated[bool, typer.Option(
            help="The student starts as a copy of TEACHER (same action space and network) and keeps its observation "
                 "normalisation: it departs from it only where the labels differ.")] = False,
        action_noise: Annotated[float, typer.Option(min=0.0, help="Std of Gaussian noise on the driver's actions "
                                                                  "while collecting (DART); labels stay clean.")
                                ] = 0.0,
        uphill_teacher: Annotated[str | None, typer.Option(help="A second walker (the teacher's environment "
                                                                "settings) that labels the uphill.")] = None,
        uphill_from_deg: Annotated[float, typer.Option(help="Pitch (degrees) of the ground just ahead from which "
                                                            "--uphill-teacher labels the rest of an episode.")] = 2.0,
        downhill_teacher: Annotated[str | None, typer.Option(help="Another walker (the teacher's environment "
                                                                  "settings) that labels the downhill.")] = None,
        downhill_from_deg: Annotated[float, typer.Option(min=0.0, help="Downward pitch (degrees) of the ground just "
                                                         "ahead from which --downhill-teacher labels the rest of an "
                                                         "episode.")] = 2.0,
        downhill_command_shift: Annotated[float, typer.Option(
            min=0.0, help="m/s per degree of downhill grade: there the teacher labels as if asked for the target "
                          "speed minus this x |grade| (recalibrates a walker that overshoots downhill).")] = 0.0,
        slow_command_shift: Annotated[float, typer.Option(
            min=0.0, help="m/s per m/s of target speed below 1.2 m/s: there the teacher labels as if asked for the "
                          "target minus this x (1.2 - target) (recalibrates a walker that overshoots slow targets).")
                                      ] = 0.0,
        balance_teachers: Annotated[bool, typer.Option(
            help="Each teacher's labels weigh alike in the student's refits, however few states its slope holds.")
                                    ] = False,
        episodes: Annotated[Path | None, typer.Option(
            help="YAML of environment settings or a training configuration whose episodes (speeds, slopes, "
                 "terrain, length, reward) the student learns on instead of the teacher's.")] = None,
        seed: Annotated[int, typer.Option(help="Seed of the episodes, the noise and the student's network.")] = 0,
        as_json: JsonFlag = False) -> None:
    """Distil a walker into another action space (behaviour cloning, then DAgger): the student acts in the
    teacher's environment, on its episodes or those of --episodes; its labels are the teacher's excitations as its
    own action (for a synergy student projected onto the basis; VAF reported). With --uphill-teacher and
    --downhill-teacher walkers become one student, each labelling its own ground. Train on with `synergait train
    --controller C --init-policy OUT`."""
    import numpy as np

    from synergait.env.config import WalkConfig
    from synergait.train.distill import TEACHER_ROLES, Distiller, student_config
    from synergait.walker import load_walker

    walker = load_walker(teacher)
    task = {"env": walker.spec.env.with_episodes_of(WalkConfig.from_yaml(episodes))} if episodes else {}
    config = student_config(walker, controller, str(basis) if basis else None, seed=seed,  # type: ignore[arg-type]
                            **task)
    distiller = Distiller(config, iterations=iterations, steps_per_iteration=steps_per_iteration, epochs=epochs,
                          action_noise=action_noise, uphill_from_deg=uphill_from_deg,
                          downhill_from_deg=downhill_from_deg, downhill_command_shift=downhill_command_shift,
                          slow_command_shift=slow_command_shift, learning_rate=learning_rate,
                          start_from_teacher=start_from_teacher, balance_teachers=balance_teachers).fit(
        walker, progress=not as_json, uphill_teacher=load_walker(uphill_teacher) if uphill_teacher else None,
        downhill_teacher=load_walker(downhill_teacher) if downhill_teacher else None)
    distiller.student_.save(out)
    emit({"out": str(out), "teacher": teacher, "cpu_hours": round(distiller.cpu_hours_, 4),
          "iterations": [{"iteration": r.iteration, "driver": r.driver, "vaf": round(r.vaf, 4),
                          "samples": r.samples, "loss": round(r.loss, 5), "episodes": len(r.episode_steps),
                          "mean_episode_steps": round(float(np.mean(r.episode_steps)), 1),
                          "longest_episode_steps": max(r.episode_steps),
                          **{f"{role}_episodes": r.episode_teachers.count(role) for role in TEACHER_ROLES[1:]},
                          "target_speeds_m_s": sorted(set(r.episode_speeds_m_s))} for r in distiller.history_]},
         as_json, "distillation")


@walker_app.command("import")
def walker_import(source: Annotated[Path, typer.Argument(help="A Stable-Baselines3 walker directory "
                                                               "(model.zip, config.yaml, vecnormalize.pkl).")],
                  out: Annotated[Path, typer.Option(help="Walker directory to write.")],
                  trust: Annotated[bool, typer.Option("--trust", help="Required: loading SB3 files unpickles "
                                                                      "them, which can run any code.")] = False,
                  as_json: JsonFlag = False) -> None:
    """Convert an SB3 walker from a source you trust into a walker directory."""
    from synergait.train.export import import_sb3_walker
    from synergait.walker import load_walker

    walker = load_walker(import_sb3_walker(source, out, trust=trust))
    emit({"out": str(out), "controller": walker.controller, **walker.meta}, as_json,
         "walker")


@walker_app.command("info")
def walker_info(policy: PolicyArgument,
                as_json: JsonFlag = False) -> None:
    """Controller, training provenance and environment settings of a walker."""
    from synergait.walker import load_walker

    walker = load_walker(policy)
    emit({"policy": walker.name, **walker.meta, "spec": walker.spec.model_dump(mode="json")}, as_json,
         f"walker {policy}")


@app.command("sweep")
def sweep_command(
    out: Annotated[Path, typer.Option(help="Sweep directory: one run directory per controller and seed.")],
    seeds: Annotated[int, typer.Option(help="Seeds 0..N-1 (the paper: 5).")] = 5,
    controllers: Annotated[str, typer.Option(help="Comma-separated: synergy,independent.")] = "synergy,independent",
    preset: Annotated[str, typer.Option(help="A training preset (see `train --preset`).")] = "imitation",
    config: Annotated[Path | None, typer.Option("--config", help="A TrainConfig YAML (instead of a preset): e.g. "
                                                                 "one ablation of it.")] = None,
    init_policy: Annotated[str | None, typer.Option(help="Start every run from this walker (fine-tuning).")] = None,
    steps: Annotated[int | None, typer.Option(help="Environment steps per run.")] = None,
    minutes: Annotated[float | None, typer.Option(min=0, help="Stop each run after this many wall-clock minutes "
                                                              "(with a checkpoint; the same command resumes).")
                       ] = None,
    address: Annotated[str | None, typer.Option(help="Ray cluster address (default: local Ray).")] = None,
    cpus_per_run: Annotated[float, typer.Option(help="CPUs Ray reserves per run.")] = 1.0,
    as_json: JsonFlag = False,
) -> None:
    """Train every controller x seed as Ray tasks and draw the paper's Figure 1 (learning curves).

    Controllers that start from different walkers or configs: one sweep per controller into the same --out;
    the figure shows every controller with runs there."""
    from synergait.train.sweep import run_sweep

    overrides = {"total_steps": steps, "init_policy": init_policy}
    base = _train_config(config, preset, overrides)
    result = run_sweep(base, out, seeds=list(range(seeds)), controllers=controllers.split(","), address=address,
                       cpus_per_run=cpus_per_run, time_limit_s=minutes * 60 if minutes else None)
    emit(result, as_json, "sweep", rows=lambda r: {
        "runs": {k: v.get("status") for k, v in r["runs"].items()}, "failed": r["failed"], "figure": r["figure"]})
