"""The ``synergait`` command: a thin layer over the stage APIs.

Every command that reports figures takes ``--json`` and then prints exactly one JSON object on stdout.
User errors (bad files, bad parameters) print one line on stderr and exit with code 2.
"""

from __future__ import annotations

import contextlib
import json
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer
from rich.console import Console
from rich.table import Table

from synergait import __version__
from synergait.errors import InputFileError, ParameterError, SynergaitError
from synergait.fileio import to_jsonable

app = typer.Typer(help="synergait: predictive musculoskeletal locomotion simulation with muscle-synergy priors.",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
data_app = typer.Typer(help="Human data: read recordings, gait events, cycles, reference datasets.",
                       no_args_is_help=True)
app.add_typer(data_app, name="data")
env_app = typer.Typer(help="The muscle-driven walking environment.", no_args_is_help=True)
app.add_typer(env_app, name="env")
synergy_app = typer.Typer(help="Muscle synergies: NMF extraction, k sweep, comparison, the default basis.",
                          no_args_is_help=True)
app.add_typer(synergy_app, name="synergy")
quality_app = typer.Typer(help="Movement quality: co-contraction, effort distribution, timing, redundancy.",
                          no_args_is_help=True)
app.add_typer(quality_app, name="quality")
walker_app = typer.Typer(help="Trained walkers: a policy with its controller and environment.", no_args_is_help=True)
app.add_typer(walker_app, name="walker")
bench_app = typer.Typer(help="Benchmarks: figures measured on this machine, with references from the same run.",
                        no_args_is_help=True)
app.add_typer(bench_app, name="bench")

console = Console()

JsonFlag = Annotated[bool, typer.Option("--json", help="Print exactly one JSON object on stdout.")]


def _measuring(as_json: bool) -> contextlib.AbstractContextManager[Any]:
    """A spinner for people; nothing when the output is JSON."""
    return contextlib.nullcontext() if as_json else console.status("measuring", spinner="dots")


def emit(result: dict[str, Any], as_json: bool, render: Callable[[dict[str, Any]], None]) -> None:
    """Print ``result`` as one JSON object or through ``render`` for people."""
    if as_json:
        sys.stdout.write(json.dumps(to_jsonable(result)) + "\n")
    else:
        render(result)


def _key_value_table(title: str, rows: dict[str, Any]) -> Table:
    table = Table(title=title, show_header=False, title_justify="left")
    for key, value in rows.items():
        table.add_row(key, str(value))
    return table


@app.command()
def version(as_json: JsonFlag = False) -> None:
    """Show the synergait version."""
    emit({"version": __version__}, as_json, lambda r: console.print(f"synergait {r['version']}"))


# --- data ----------------------------------------------------------------------------------------------------
@data_app.command("info")
def data_info(path: Annotated[Path, typer.Argument(help="A .sto, .mot, .trc, .c3d or .csv file.")],
              as_json: JsonFlag = False) -> None:
    """Signals, units, sampling rate and duration of a recording."""
    from synergait.data.io import read_trial

    trial = read_trial(path)
    result = trial.describe()

    def render(r: dict[str, Any]) -> None:
        console.print(_key_value_table(str(path), {k: v for k, v in r.items() if k != "signals"}))
        table = Table("signal", "unit")
        for signal in r["signals"]:
            table.add_row(signal["name"], signal["unit"])
        console.print(table)

    emit(result, as_json, render)


LoadsOption = Annotated[Path | None, typer.Option("--loads", help="OpenSim ExternalLoads XML naming the force "
                                                                     "columns of each side.")]
ThresholdOption = Annotated[float, typer.Option("--threshold", help="Vertical GRF contact threshold, N.")]
LowpassOption = Annotated[float, typer.Option("--lowpass", help="Zero-lag 4th-order Butterworth cut-off applied to "
                                                                 "the forces first, Hz (0 = off).")]


def _events(grf_file: Path, loads: Path | None, threshold: float, lowpass: float):
    from synergait.data.events import detect_gait_events
    from synergait.data.io import read_trial

    return detect_gait_events(read_trial(grf_file), threshold_n=threshold, loads_xml=loads,
                              lowpass_hz=lowpass or None)


@data_app.command("events")
def data_events(grf_file: Annotated[Path, typer.Argument(help="File with vertical ground reaction forces.")],
                loads: LoadsOption = None, threshold: ThresholdOption = 15.0, lowpass: LowpassOption = 0.0,
                as_json: JsonFlag = False) -> None:
    """Heel strikes and toe-offs per side (seconds) from vertical GRF."""
    events = _events(grf_file, loads, threshold, lowpass)

    def render(r: dict[str, Any]) -> None:
        table = Table("side", "heel strikes (s)", "toe-offs (s)", title=f"gait events, threshold {threshold:g} N")
        for side in ("right", "left"):
            table.add_row(side, ", ".join(f"{t:.4f}" for t in r[side]["heel_strikes"]),
                          ", ".join(f"{t:.4f}" for t in r[side]["toe_offs"]))
        console.print(table)

    emit(events.to_dict(), as_json, render)


@data_app.command("cycles")
def data_cycles(path: Annotated[Path, typer.Argument(help="Recording to cut into cycles.")],
                out: Annotated[Path, typer.Option("--out", help="CSV file for the normalised cycles (long format).")],
                events_file: Annotated[Path | None, typer.Option("--events", help="GRF file for the events "
                                                                                  "(default: PATH itself).")] = None,
                side: Annotated[str, typer.Option(help="right or left.")] = "right",
                signals: Annotated[str | None, typer.Option(help="Comma-separated signal names "
                                                                     "(default: all).")] = None,
                loads: LoadsOption = None, threshold: ThresholdOption = 15.0, lowpass: LowpassOption = 0.0,
                as_json: JsonFlag = False) -> None:
    """Cut a recording at heel strikes into cycles normalised to 0..100 % (101 samples) and export them."""
    from synergait.data.cycles import PHASES, cut_cycles
    from synergait.data.io import read_trial
    from synergait.fileio import atomic_path

    trial = read_trial(path)
    events = _events(events_file or path, loads, threshold, lowpass)
    cycles = cut_cycles(trial, events, side, signals.split(",") if signals else None)
    with atomic_path(out) as tmp:
        cycles.to_frame().to_csv(tmp, index=False, float_format="%.10g")
    result = {"out": str(out), "side": side, "n_cycles": cycles.n_cycles, "signals": list(cycles.names),
              "start_s": cycles.start_s, "duration_s": cycles.duration_s, "phases": list(PHASES),
              "phase_bounds_pct": cycles.phase_bounds, "phase_source": list(cycles.phase_source)}
    emit(result, as_json, lambda r: console.print(_key_value_table(f"{side} cycles -> {out}", r)))


FromOption = Annotated[Path | None, typer.Option("--from", help="Use a local copy in this folder instead of "
                                                                  "downloading (also: SYNERGAIT_DATA_DIR).")]


@data_app.command("fetch")
def data_fetch(name: Annotated[str, typer.Argument(help="Dataset: rajagopal2016, falisse2019 or "
                                                         "gait2354_subject01.")],
               source: FromOption = None, as_json: JsonFlag = False) -> None:
    """Download a known public dataset (pinned URL, SHA-256 checked) into the cache, or verify a local copy."""
    from synergait.data.fetch import dataset, fetch

    spec = dataset(name)
    folder = fetch(name, source=source, progress=not as_json)
    result = {"name": name, "path": str(folder), "files": sorted(spec.files), "verified_sha256": True,
              "license": spec.license, "citation": spec.citation}
    emit(result, as_json, lambda r: console.print(_key_value_table(f"dataset {name}", r)))


@data_app.command("reference")
def data_reference(name: Annotated[str, typer.Argument(help="A known dataset name or a reference CSV file.")],
                   source: FromOption = None,
                   out: Annotated[Path | None, typer.Option("--out", help="Write the ReferenceSet as CSV.")] = None,
                   as_json: JsonFlag = False) -> None:
    """Describe a human ReferenceSet (subjects, conditions, variables) and optionally export it as CSV."""
    from synergait.data.fetch import load_reference

    reference = load_reference(name, source=source)
    if out:
        reference.to_csv(out)
    result = reference.describe() | {"out": str(out) if out else None}
    emit(result, as_json, lambda r: console.print(_key_value_table(f"reference {reference.name}", r)))


# --- inverse ---------------------------------------------------------------------------------------------------
@app.command()
def inverse(coordinates: Annotated[Path, typer.Option(help="OpenSim coordinates (.sto/.mot, IK output).")],
            grf: Annotated[Path, typer.Option(help="Ground reaction forces (.mot) with COP and free moment.")],
            out: Annotated[Path, typer.Option(help="Activation table: .csv (time + one column per muscle) or .npz "
                                                   "(with reserves and residuals).")],
            backend: Annotated[str, typer.Option(help="mujoco or moco (needs synergait[opensim]).")] = "mujoco",
            loads: LoadsOption = None,
            model: Annotated[str, typer.Option(help="MuJoCo body model.")] = "myolegs_abdomen",
            osim_model: Annotated[Path | None, typer.Option(help="OpenSim model: needed by moco; its mass scales "
                                                                  "the GRF for the mujoco backend.")] = None,
            function_based_paths: Annotated[Path | None, typer.Option(help="moco: FunctionBasedPathSet XML.")] = None,
            start: Annotated[float | None, typer.Option(help="Window start, s.")] = None,
            stop: Annotated[float | None, typer.Option(help="Window end, s.")] = None,
            subject_mass: Annotated[float | None, typer.Option(help="Subject body mass, kg.")] = None,
            mesh_interval: Annotated[float, typer.Option(help="moco: mesh interval, s.")] = 0.02,
            as_json: JsonFlag = False) -> None:
    """Estimate muscle activations from kinematics and GRF (inverse dynamics + optimisation)."""
    from synergait.inverse import estimate_activations

    table = estimate_activations(coordinates, grf, backend=backend, loads_xml=loads, model=model, start_s=start,
                                 stop_s=stop, subject_mass_kg=subject_mass, osim_model=osim_model,
                                 function_based_paths=function_based_paths, mesh_interval=mesh_interval,
                                 progress=not as_json)
    if out.suffix.lower() == ".csv":
        table.to_csv(out)
    else:
        table.save(out)
    reserves = np.abs(table.reserves).max(axis=0) if table.reserves.size else np.zeros(0)
    result = {"out": str(out), "backend": table.backend, "n_frames": int(table.time.size),
              "start_s": float(table.time[0]), "stop_s": float(table.time[-1]), "n_muscles": len(table.muscles),
              "max_reserve": dict(zip(table.reserve_dofs, reserves.tolist(), strict=True)),
              "max_abs_residual": np.abs(table.residuals).max(axis=0).tolist() if table.residuals.size else [],
              "wall_time_s": float(table.info.get("wall_time_s", "nan"))}
    emit(result, as_json, lambda r: console.print(_key_value_table("inverse", r)))


# --- synergy ---------------------------------------------------------------------------------------------------
def _read_activations(path: Path):
    from synergait.inverse.table import ActivationTable

    if not path.is_file():
        raise InputFileError(path, "file not found")
    return ActivationTable.load(path)


MusclesOption = Annotated[str | None, typer.Option(help="Comma-separated muscles (default: the 40 right-leg).")]


@synergy_app.command("extract")
def synergy_extract(activations: Annotated[Path, typer.Argument(help="Activation table (.csv or .npz).")],
                    out: Annotated[Path, typer.Option(help="SynergyBasis .npz.")],
                    k: Annotated[int, typer.Option(help="Number of synergies.")] = 10,
                    muscles: MusclesOption = None, restarts: Annotated[int, typer.Option(min=1)] = 10,
                    seed: Annotated[int, typer.Option()] = 0,
                    figure: Annotated[Path | None, typer.Option(help="PNG of H and W.")] = None,
                    as_json: JsonFlag = False) -> None:
    """NMF synergies of an activation table (VAF in total and per muscle)."""
    from synergait.synergy.extract import DEFAULT_MUSCLES, SynergyExtractor
    from synergait.synergy.plots import plot_synergies

    table = _read_activations(activations)
    chosen = tuple(muscles.split(",")) if muscles else DEFAULT_MUSCLES
    extractor = SynergyExtractor(k, chosen, restarts, seed).fit(table)
    extractor.basis_.save(out)
    if figure:
        plot_synergies(extractor.basis_, extractor.activations_, extractor.time_, figure)
    result = {"out": str(out), "k": k, "vaf": extractor.vaf_, "muscles": list(chosen),
              "vaf_per_muscle": dict(zip(chosen, extractor.vaf_per_muscle_.tolist(), strict=True)),
              "reachable_excitation": dict(zip(chosen, extractor.reachable.tolist(), strict=True)),
              "figure": str(figure) if figure else None}
    emit(result, as_json, lambda r: console.print(_key_value_table("synergies", {
        k_: v for k_, v in r.items() if k_ not in ("vaf_per_muscle", "reachable_excitation")})))


@synergy_app.command("sweep")
def synergy_sweep(activations: Annotated[Path, typer.Argument(help="Activation table (.csv or .npz).")],
                  kmax: Annotated[int, typer.Option(help="Largest k.")] = 15, muscles: MusclesOption = None,
                  restarts: Annotated[int, typer.Option(min=1)] = 5, seed: Annotated[int, typer.Option()] = 0,
                  as_json: JsonFlag = False) -> None:
    """VAF for k = 1..kmax and the k the documented selection rule picks."""
    from synergait.synergy.extract import DEFAULT_MUSCLES, sweep

    chosen = tuple(muscles.split(",")) if muscles else DEFAULT_MUSCLES
    result = sweep(_read_activations(activations), kmax, muscles=chosen, n_restarts=restarts, seed=seed)

    def render(r: dict[str, Any]) -> None:
        table = Table("k", "VAF", "min VAF (active muscles)", title=f"k sweep: chosen k = {r['chosen_k']}")
        for row in r["rows"]:
            table.add_row(str(row["k"]), f"{row['vaf']:.4f}", f"{row['min_muscle_vaf']:.3f}")
        console.print(table)
        console.print(r["rule"])

    emit(result, as_json, render)


@synergy_app.command("compare")
def synergy_compare(a: Annotated[Path, typer.Argument(help="SynergyBasis .npz.")],
                    b: Annotated[Path, typer.Argument(help="SynergyBasis .npz.")], as_json: JsonFlag = False) -> None:
    """Match the synergies of two bases (cosine similarity, Hungarian assignment)."""
    from synergait.synergy.basis import SynergyBasis
    from synergait.synergy.extract import match_bases

    result = match_bases(SynergyBasis.load(a), SynergyBasis.load(b))
    emit(result, as_json, lambda r: console.print(_key_value_table("basis comparison", {
        k: v for k, v in r.items() if k != "similarity"})))


@synergy_app.command("default")
def synergy_default(source: FromOption = None,
                    out: Annotated[Path | None, typer.Option(help="Output (default: the packaged asset).")] = None,
                    figure: Annotated[Path | None, typer.Option(help="PNG of H and W.")] = None,
                    as_json: JsonFlag = False) -> None:
    """Regenerate the shipped default basis (MuJoCo inverse, NMF k = 10, seed 0) and gait pattern (the same
    activations over the right gait cycle) from the Rajagopal 2016 trial."""
    from synergait.synergy.default import build_default_basis
    from synergait.synergy.plots import plot_synergies

    extractor, path, pattern = build_default_basis(source, out, progress=not as_json)
    if figure:
        plot_synergies(extractor.basis_, extractor.activations_, extractor.time_, figure)
    emit({"out": str(path), "k": extractor.n_synergies, "vaf": extractor.vaf_, "stride_s": pattern.stride_s},
         as_json,
         lambda r: console.print(_key_value_table("default basis", r)))


@synergy_app.command("variant")
def synergy_variant(basis: Annotated[Path, typer.Argument(help="SynergyBasis .npz.")],
                    out: Annotated[Path, typer.Option(help="Variant basis .npz.")],
                    merge: Annotated[str | None, typer.Option(help="Merge two synergies: i,j (0-based).")] = None,
                    k: Annotated[int | None, typer.Option(help="Re-extract with k synergies (needs --activations)."
                                                          )] = None,
                    activations: Annotated[Path | None, typer.Option(help="Activation table for --k.")] = None,
                    seed: Annotated[int, typer.Option()] = 0, as_json: JsonFlag = False) -> None:
    """Pathology variants of a basis: merged modules or fewer synergies. Use with train/env via --basis."""
    from synergait.synergy.basis import SynergyBasis
    from synergait.synergy.extract import SynergyExtractor

    source = SynergyBasis.load(basis)
    if (merge is None) == (k is None):
        raise ParameterError("variant", "give exactly one of --merge i,j or --k N")
    if merge is not None:
        try:
            i, j = (int(v) for v in merge.split(","))
        except ValueError:
            raise ParameterError("--merge", f"expected two integers 'i,j', got '{merge}'") from None
        variant = source.merged(i, j)
    else:
        if activations is None:
            raise ParameterError("--k", "re-extracting with another k needs --activations (the source table)")
        variant = SynergyExtractor(k, source.muscles, 10, seed).fit(_read_activations(activations)).basis_
        variant.provenance["variant"] = f"k={k}"
    variant.save(out)
    emit({"out": str(out), "k": variant.n_synergies, "variant": variant.provenance["variant"]}, as_json,
         lambda r: console.print(_key_value_table("synergy variant", r)))


# --- quality --------------------------------------------------------------------------------------------------
@quality_app.command("profile")
def quality_profile_command(
    activations: Annotated[Path, typer.Argument(help="Activation table (.csv/.npz) or an evaluation directory.")],
    muscles: MusclesOption = None, as_json: JsonFlag = False,
) -> None:
    """Co-contraction, magnitude, effort distribution, timing and Laban scores of an activation time series."""
    from synergait.quality.measures import quality_profile

    if activations.is_dir():
        from synergait.evaluate.evaluation import Evaluation
        from synergait.model.catalog import EMG_CODE_MUSCLES, pairs_within

        cycles = Evaluation.load(activations).cycles
        if cycles is None:
            raise InputFileError(activations, "the evaluation holds no complete gait cycle to profile")
        names = list(EMG_CODE_MUSCLES.values())
        curves = np.column_stack([cycles.curves(f"emg_{code}").mean(axis=0) for code in EMG_CODE_MUSCLES])
        # 101 samples per cycle: "%" as time base; the pairs the eight recorded muscles form
        profile = quality_profile(curves, names, rate_hz=100.0, pairs=pairs_within(names))
    else:
        table = _read_activations(activations)
        names = muscles.split(",") if muscles else [m for m in table.muscles if not m.endswith("_l")]
        profile = quality_profile(table.select(names), names, (table.time.size - 1) / np.ptp(table.time))
    result = profile.as_dict()
    emit(result, as_json, lambda r: console.print(_key_value_table("quality profile", {
        "cocontraction_pct": r["cocontraction_pct"], "distribution": r["distribution"], "laban": r["laban"]})))


@quality_app.command("redundancy")
def quality_redundancy(
    coordinates: Annotated[Path, typer.Option(help="OpenSim coordinates.")],
    grf: Annotated[Path, typer.Option(help="GRF file.")],
    out: Annotated[Path, typer.Option(help="Output directory (tables, figure, summary).")],
    loads: LoadsOption = None,
    osim_model: Annotated[Path | None, typer.Option(help="OpenSim model (its mass scales the GRF).")] = None,
    start: Annotated[float | None, typer.Option()] = None, stop: Annotated[float | None, typer.Option()] = None,
    as_json: JsonFlag = False,
) -> None:
    """One motion, several muscle solutions (sum a^2, sum a^3, co-contraction, proximal/distal effort)."""
    from synergait.data.io import read_trial
    from synergait.data.loads import external_loads_from_names, external_loads_from_xml
    from synergait.data.reference import osim_body_mass
    from synergait.quality.redundancy import explore, plot_solutions, summarise

    grf_trial = read_trial(grf)
    solutions = explore(read_trial(coordinates), grf_trial,
                        loads=external_loads_from_xml(loads) if loads else external_loads_from_names(grf_trial),
                        start_s=start, stop_s=stop, subject_mass_kg=osim_body_mass(osim_model) if osim_model else None)
    out.mkdir(parents=True, exist_ok=True)
    for name, table in solutions.items():
        table.save(out / f"{name}.npz")
    figure = plot_solutions(solutions, out / "redundancy.png")
    result = {"out": str(out), "figure": str(figure), "solutions": summarise(solutions)}
    emit(result, as_json, lambda r: console.print(_key_value_table("redundancy explorer", r)))


# --- env ------------------------------------------------------------------------------------------------------------
ControllerOption = Annotated[str, typer.Option(help="independent or synergy.")]
BasisOption = Annotated[Path | None, typer.Option(help="Right-leg SynergyBasis .npz (default: the shipped basis).")]
ConfigOption = Annotated[Path | None, typer.Option("--config", help="YAML file with environment settings.")]
OptionalControllerOption = Annotated[str | None, typer.Option(
    help="independent or synergy (default: the walker's own; independent for random/zero).")]
POLICY_HELP = ("synergy-default, independent-default (shipped walkers), a walker directory (`walker export` "
               "writes one from a run), random or zero.")
PolicyOption = Annotated[str, typer.Option(help=POLICY_HELP)]
PolicyArgument = Annotated[str, typer.Argument(help=POLICY_HELP)]


def _walk_config(config: Path | None):
    from synergait.env.config import WalkConfig

    return WalkConfig.from_yaml(config) if config else WalkConfig()


@env_app.command("info")
def env_info(basis: BasisOption = None, config: ConfigOption = None, as_json: JsonFlag = False) -> None:
    """Observation and action sizes per controller, muscle and DOF counts, control period."""
    from synergait.env import make_walk_env

    walk_config = _walk_config(config)
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
    emit(result, as_json, lambda r: console.print(_key_value_table("walking environment", r)))


@env_app.command("rollout")
def env_rollout(policy: PolicyOption = "random",
                episodes: Annotated[int, typer.Option(min=1, help="Episodes (seeds --seed, --seed + 1, ...).")] = 10,
                steps: Annotated[int, typer.Option(min=1, help="Control steps per episode at most (40 Hz).")] = 400,
                speed: Annotated[float, typer.Option(help="Target speed, m/s.")] = 1.2,
                slope: Annotated[float, typer.Option(help="Ground slope, degrees.")] = 0.0,
                controller: OptionalControllerOption = None, basis: BasisOption = None,
                seed: Annotated[int, typer.Option(help="Seed of the first episode and of the random policy.")] = 0,
                config: ConfigOption = None, as_json: JsonFlag = False) -> None:
    """Deterministic episodes at one condition: falls, distance, speed, and how many walked (no fall over
    --steps at the target speed +/- 0.2 m/s)."""
    from synergait.evaluate.walking import walking_test
    from synergait.walker import load_walker

    walker = load_walker(policy, controller=controller, basis=str(basis) if basis else None,
                         config=_walk_config(config), seed=seed)
    result = walking_test(walker, episodes=episodes, steps=steps, speed_m_s=speed, slope_deg=slope, seed=seed,
                          progress=not as_json)
    emit(result, as_json, lambda r: console.print(_key_value_table(f"{policy} rollout", r)))


@env_app.command("make-pose")
def env_make_pose(source: FromOption = None,
                  out: Annotated[Path | None, typer.Option(help="Output JSON (default: the packaged asset).")] = None,
                  as_json: JsonFlag = False) -> None:
    """Regenerate the initial pose (Rajagopal right heel strike) and the gait-cycle pose library from the data."""
    from synergait.data.rajagopal import RajagopalTrial
    from synergait.model.pose import make_pose_assets

    emit(make_pose_assets(RajagopalTrial.fetch(source), out), as_json,
         lambda r: console.print(_key_value_table("initial pose", r)))


# --- train -------------------------------------------------------------------------------------------------------
@app.command("train")
def train_command(
    out: Annotated[Path, typer.Option(help="Run directory (checkpoints, curves, best policy).")],
    controller: ControllerOption = "synergy", basis: BasisOption = None,
    preset: Annotated[str, typer.Option(help="paper (the paper's SAC), cpu (PPO, practical on a CPU) or "
                                             "imitation (PPO tracking the human gait cycle).")] = "cpu",
    config: Annotated[Path | None, typer.Option("--config", help="A TrainConfig YAML (instead of a preset).")] = None,
    algo: Annotated[str | None, typer.Option(help="sac or ppo (default: the preset's).")] = None,
    seed: Annotated[int, typer.Option()] = 0,
    steps: Annotated[int | None, typer.Option(help="Total environment steps (default: the preset's).")] = None,
    envs: Annotated[int | None, typer.Option(help="Vectorised environments.")] = None,
    device: Annotated[str, typer.Option(help="auto, cpu or cuda.")] = "auto",
    eval_every: Annotated[int | None, typer.Option(help="Evaluate every N steps.")] = None,
    checkpoint_every: Annotated[int | None, typer.Option(help="Checkpoint every N steps.")] = None,
    resume: Annotated[bool, typer.Option("--resume", help="Continue the run in --out from its checkpoint "
                                                          "(--steps then sets a new total).")] = False,
    minutes: Annotated[float | None, typer.Option(min=0, help="Stop after this many wall-clock minutes, with a "
                                                              "checkpoint (go on later with --resume).")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Train a walker (SB3 SAC or PPO); checkpoints atomically and resumes after a kill with --resume."""
    from synergait.train.config import TrainConfig
    from synergait.train.trainer import train

    overrides = {"controller": controller, "basis": str(basis) if basis else None, "algo": algo, "seed": seed,
                 "total_steps": steps, "n_envs": envs, "device": device, "eval_every_steps": eval_every,
                 "checkpoint_every_steps": checkpoint_every}
    if config:
        raw = TrainConfig.from_yaml(config).model_dump()
        raw.update({k: v for k, v in overrides.items() if v is not None})
        train_config = TrainConfig.model_validate(raw)
    else:
        train_config = TrainConfig.preset(preset, **overrides)
    result = train(train_config, out, resume=resume, progress=not as_json,
                   time_limit_s=minutes * 60 if minutes else None, total_steps=steps if resume else None)
    emit(result.as_dict(), as_json, lambda r: console.print(_key_value_table("training", r)))


@walker_app.command("export")
def walker_export(run: Annotated[Path, typer.Argument(help="Training run directory (its best policy is exported).")],
                  out: Annotated[Path, typer.Option(help="Walker directory to write.")],
                  as_json: JsonFlag = False) -> None:
    """Write a run's best policy with its environment spec and provenance as a walker directory (what
    `--policy DIR` and the shipped walkers are: YAML and plain arrays, nothing that runs code when loaded)."""
    from synergait.train.export import export_walker
    from synergait.walker import load_walker

    walker = load_walker(export_walker(run, out))
    emit({"out": str(out), "controller": walker.controller, **walker.meta}, as_json,
         lambda r: console.print(_key_value_table("walker", r)))


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
         lambda r: console.print(_key_value_table("walker", r)))


@walker_app.command("info")
def walker_info(policy: PolicyArgument,
                as_json: JsonFlag = False) -> None:
    """Controller, training provenance and environment settings of a walker."""
    from synergait.walker import load_walker

    walker = load_walker(policy)
    emit({"policy": walker.name, **walker.meta, "spec": walker.spec.model_dump(mode="json")}, as_json,
         lambda r: console.print(_key_value_table(f"walker {policy}", r)))


@app.command("sweep")
def sweep_command(
    out: Annotated[Path, typer.Option(help="Sweep directory: one run directory per controller and seed.")],
    seeds: Annotated[int, typer.Option(help="Seeds 0..N-1 (the paper: 5).")] = 5,
    controllers: Annotated[str, typer.Option(help="Comma-separated: synergy,independent.")] = "synergy,independent",
    preset: Annotated[str, typer.Option(help="paper or cpu.")] = "cpu",
    steps: Annotated[int | None, typer.Option(help="Environment steps per run.")] = None,
    address: Annotated[str | None, typer.Option(help="Ray cluster address (default: local Ray).")] = None,
    cpus_per_run: Annotated[float, typer.Option(help="CPUs Ray reserves per run.")] = 1.0,
    as_json: JsonFlag = False,
) -> None:
    """Train every controller x seed as Ray tasks and draw the paper's Figure 1 (learning curves)."""
    from synergait.train.config import TrainConfig
    from synergait.train.sweep import run_sweep

    base = TrainConfig.preset(preset, total_steps=steps)
    result = run_sweep(base, out, seeds=list(range(seeds)), controllers=controllers.split(","), address=address,
                       cpus_per_run=cpus_per_run)
    emit(result, as_json, lambda r: console.print(_key_value_table("sweep", {
        "runs": {k: v.get("status") for k, v in r["runs"].items()}, "failed": r["failed"], "figure": r["figure"]})))


# --- evaluation ------------------------------------------------------------------------------------------------
@app.command("metrics")
def metrics_command(
    sim_cycles: Annotated[Path, typer.Argument(help="Simulated (or any) cycles as a ReferenceSet CSV.")],
    reference: Annotated[str, typer.Option(help="Known dataset name or a ReferenceSet CSV.")] = "falisse2019",
    source: FromOption = None, as_json: JsonFlag = False,
) -> None:
    """RMSE ratio, Pearson r, counts over 2/3/5, trend agreement and EMG similarity against human data."""
    from synergait.data.fetch import load_reference
    from synergait.data.reference import ReferenceSet
    from synergait.evaluate.metrics import score

    human = load_reference(reference, source=source)
    result = score(ReferenceSet.from_csv(sim_cycles), human).headline()

    def render(r: dict[str, Any]) -> None:
        table = Table("variable", "RMSE ratio", "Pearson r", title=f"against {human.name}")
        for variable, ratio in r["rmse_ratio"].items():
            table.add_row(variable, f"{ratio:.2f}", f"{r['pearson_r'].get(variable, float('nan')):.3f}")
        console.print(table)
        console.print(f"variable-phase combinations with RMSE ratio > 2 / 3 / 5: "
                      f"{r['counts_over']['2']} / {r['counts_over']['3']} / {r['counts_over']['5']}")
        for note in r["approximation"] + r["gaps"]:
            console.print(f"note: {note}")

    emit(result, as_json, render)


def _optional_reference(reference: str, source: Path | None, consequence: str):
    """The reference, or None with a warning on stderr saying what is skipped without it."""
    from synergait.data.fetch import load_reference

    try:
        return load_reference(reference, source=source)
    except InputFileError as exc:
        Console(stderr=True).print(f"warning: reference unavailable ({exc}); {consequence}")
        return None


@app.command("evaluate")
def evaluate_command(
    policy: PolicyArgument,
    out: Annotated[Path, typer.Option(help="Evaluation directory.")],
    controller: OptionalControllerOption = None, basis: BasisOption = None,
    conditions: Annotated[str, typer.Option(help="paper, quick, or a CSV with speed_m_s,slope_deg.")] = "quick",
    rollouts: Annotated[int, typer.Option(min=1, help="Rollouts per condition.")] = 10,
    strides: Annotated[int, typer.Option(min=1, help="Final strides kept per rollout.")] = 10,
    reference: Annotated[str, typer.Option(help="Known dataset or ReferenceSet CSV.")] = "falisse2019",
    source: FromOption = None,
    label: Annotated[str | None, typer.Option(help="Name of this controller in reports.")] = None,
    workers: Annotated[int, typer.Option(min=1, help="Conditions in parallel (processes).")] = 1,
    address: Annotated[str | None, typer.Option(help="Ray cluster address (conditions as Ray tasks).")] = None,
    seed: Annotated[int, typer.Option()] = 0, as_json: JsonFlag = False,
) -> None:
    """Deterministic rollouts per condition, cut into gait cycles and scored against human data."""
    from synergait.evaluate.rollout import conditions_from
    from synergait.evaluate.run import evaluate_policy

    human = _optional_reference(reference, source, "cycles are written, metrics skipped")
    result = evaluate_policy(policy, conditions_from(conditions), out, controller=controller, reference=human,
                             basis=str(basis) if basis else None, rollouts=rollouts, strides=strides, seed=seed,
                             label=label, workers=workers, address=address).summary()
    emit(result, as_json, lambda r: console.print(_key_value_table(f"evaluation -> {out}", {
        k: v for k, v in r.items() if k not in ("emg", "trend_agreement")})))


@app.command("report")
def report_command(
    evaluations: Annotated[list[Path], typer.Argument(help="Evaluation directories (one per controller).")],
    out: Annotated[Path, typer.Option(help="HTML file.")] = Path("report.html"),
    reference: Annotated[str, typer.Option(help="Known dataset or ReferenceSet CSV for the human band.")] =
    "falisse2019",
    source: FromOption = None,
    training: Annotated[list[Path] | None, typer.Option(help="Training run directories (learning curves).")] = None,
    as_json: JsonFlag = False,
) -> None:
    """One self-contained HTML report comparing evaluated controllers (figures embedded)."""
    from synergait.evaluate.evaluation import Evaluation
    from synergait.report.html import write_report
    from synergait.train.run import TrainingRun

    human = _optional_reference(reference, source, "the report has no human band or metrics")
    path = write_report([Evaluation.load(e) for e in evaluations], out, human=human,
                        training=[TrainingRun.load(t) for t in training or []])
    emit({"out": str(path), "bytes": path.stat().st_size, "controllers": len(evaluations)}, as_json,
         lambda r: console.print(_key_value_table("report", r)))


@app.command("render")
def render_command(
    policy: PolicyArgument,
    out: Annotated[Path, typer.Option(help="Video file (.mp4 or .gif).")] = Path("walk.mp4"),
    controller: OptionalControllerOption = None, basis: BasisOption = None,
    compare: Annotated[str | None, typer.Option(help="Second policy, rendered side by side.")] = None,
    compare_controller: Annotated[str | None, typer.Option(help="Controller of the second policy (random/zero, "
                                                                "bare model files).")] = None,
    seconds: Annotated[float, typer.Option(help="Clip length, s.")] = 8.0,
    fps: Annotated[int, typer.Option(help="Frames per second.")] = 20,
    width: Annotated[int, typer.Option()] = 480, height: Annotated[int, typer.Option()] = 360,
    strip: Annotated[Path | None, typer.Option(help="Also write a PNG strip of frames.")] = None,
    seed: Annotated[int, typer.Option()] = 0, as_json: JsonFlag = False,
) -> None:
    """Render a walker headless (camera tracking the pelvis, muscles coloured by activation, GRF arrows)."""
    from synergait.report.render import frame_strip, rollout_frames, side_by_side, write_video

    common = {"seconds": seconds, "fps": fps, "width": width, "height": height, "seed": seed}
    frames, info = rollout_frames(policy, controller, basis=str(basis) if basis else None, **common)
    if compare:
        other, _ = rollout_frames(compare, compare_controller, **common)
        frames = side_by_side(frames, other)
    write_video(frames, out, fps)
    if strip:
        frame_strip(frames, strip)
    emit({"out": str(out), "frames": len(frames), "fps": fps, "falls": info["falls"],
          "strip": str(strip) if strip else None}, as_json, lambda r: console.print(_key_value_table("render", r)))


# --- benchmarks ---------------------------------------------------------------------------------------------------
@bench_app.command("env")
def bench_env(steps: Annotated[int, typer.Option(help="Control steps per measurement.")] = 2000,
              repeats: Annotated[int, typer.Option(help="Best of this many runs.")] = 3,
              myosuite_python: Annotated[str | None, typer.Option(help="Python of a venv with myosuite (it pins "
                                                                       "gymnasium < 1.3).")] = None,
              as_json: JsonFlag = False) -> None:
    """Environment throughput vs the raw physics loop (and MyoSuite when installed), in simulated s per s."""
    from synergait.env.bench import measure_env_throughput

    with _measuring(as_json):
        result = measure_env_throughput(steps, repeats=repeats, myosuite_python=myosuite_python)
    emit(result, as_json, lambda r: console.print(_key_value_table("env throughput", r)))


@bench_app.command("train")
def bench_train(sac_steps: Annotated[int, typer.Option(help="Timed SAC steps (after learning_starts).")] = 300,
                ppo_steps: Annotated[int, typer.Option(help="Timed PPO steps.")] = 4096,
                as_json: JsonFlag = False) -> None:
    """Training steps/s per preset vs SB3's stock SAC, and the hours 1 M and 75 M steps would take."""
    from synergait.train.bench import measure_train_throughput

    with _measuring(as_json):
        result = measure_train_throughput(sac_steps, ppo_steps)
    emit(result, as_json, lambda r: console.print(_key_value_table("training throughput", r)))


@bench_app.command("inverse")
def bench_inverse(source: FromOption = None,
                  moco: Annotated[bool, typer.Option(help="Also run MocoInverse (needs opensim).")] = True,
                  as_json: JsonFlag = False) -> None:
    """MuJoCo inverse vs MocoInverse on the Rajagopal stride: wall times, ratio, per-muscle and EMG agreement."""
    from synergait.inverse.bench import measure_inverse

    with _measuring(as_json):
        result = measure_inverse(source, moco=moco)
    emit(result, as_json, lambda r: console.print(_key_value_table("inverse benchmark", r)))


# --- main job ----------------------------------------------------------------------------------------------------
@app.command()
def demo(out: Annotated[Path, typer.Option(help="Output folder.")] = Path("synergait-demo"),
         source: FromOption = None,
         minutes: Annotated[float, typer.Option(help="CPU-minutes of training, both controllers together.")] = 6.0,
         as_json: JsonFlag = False) -> None:
    """The whole pipeline on built-in defaults: data, inverse, synergies, training, evaluation, report, video."""
    from synergait.demo import run_demo

    result = run_demo(out, source=source, progress=not as_json, minutes=minutes,
                      video_seconds=6.0 if minutes >= 3 else 2.0)
    emit(result, as_json, lambda r: console.print(_key_value_table("synergait demo", r)))


def main() -> None:
    """Entry point: run the CLI; user errors become one line on stderr and exit code 2."""
    warnings.simplefilter("default")
    warnings.formatwarning = lambda message, category, *args, **kwargs: f"warning: {message}\n"
    try:
        app()  # usage errors: typer prints them and exits 2
    except SynergaitError as exc:
        sys.stderr.write(f"error: {exc}\n")
        sys.exit(2)


if __name__ == "__main__":
    main()
