"""``synergait demo``: the pipeline on built-in defaults, as far as it is built.

Gait events, cycles and the ReferenceSet of the Rajagopal 2016 trial, the MuJoCo inverse analysis with its EMG
agreement, NMF synergies (k = 10) with their figure, a short training of both controllers (the imitation recipe), and
the walkers shipped with synergait: their walking test, evaluation against human data and a side-by-side video;
an HTML report ties them together. Without the data (no local copy, no network) it says what it skipped and how
to get the data, and uses the shipped default basis.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.progress import Progress

from synergait.errors import InputFileError

if TYPE_CHECKING:
    from synergait.evaluate.evaluation import Evaluation

#: The walkers the demo evaluates, renders and tests: the shipped predictive walkers, one per controller (the
#: paper's reward; they walk 0.8-1.6 m/s on level ground and +/-5 degree slopes).
SHIPPED = {"synergy": "synergy-default", "independent": "independent-default"}


def _figure(reference: Any, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from synergait.data.cycles import PERCENT

    variables = ["grf_ap", "grf_vertical", "emg_SOL", "emg_GASmed", "emg_TA", "emg_VL", "emg_RF", "emg_BF"]
    fig, axes = plt.subplots(2, 4, figsize=(13, 5.5), sharex=True)
    for ax, variable in zip(axes.ravel(), variables, strict=True):
        for curve in reference.curves(variable):
            ax.plot(PERCENT, curve, color="tab:blue")
        unit = reference.table.loc[reference.table["variable"] == variable, "unit"].iloc[0]
        ax.set_title(f"{variable} [{unit}]", fontsize=10)
        ax.axvline(62, color="0.7", lw=0.8, ls="--")
    for ax in axes[-1]:
        ax.set_xlabel("gait cycle (%)")
    fig.suptitle(f"{reference.name}: right-leg cycle (dashed: default toe-off at 62 %)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def run_demo(out: Path, *, source: Path | None = None, progress: bool = True, minutes: float = 6.0,
             video_seconds: float = 6.0) -> dict[str, Any]:
    """Run every built stage on defaults into ``out``; returns what was done and skipped."""
    from synergait.data.fetch import DATASETS, load_reference
    from synergait.data.io import read_storage
    from synergait.data.rajagopal import RajagopalTrial
    from synergait.inverse import rajagopal_activations
    from synergait.inverse.validation import correlate_with_emg
    from synergait.synergy.extract import SynergyExtractor
    from synergait.synergy.plots import plot_synergies
    from synergait.train.run import TrainingRun

    out.mkdir(parents=True, exist_ok=True)
    result: dict[str, Any] = {"out": str(out), "done": [], "skipped": []}
    with Progress(disable=not progress, transient=True) as bar:
        task = bar.add_task("demo", total=9)
        try:
            folder = RajagopalTrial.fetch(source).folder
        except InputFileError as exc:
            result["skipped"].append(f"human-data, inverse and synergy stages: Rajagopal 2016 trial unavailable "
                                     f"({exc}). Get it with `synergait data fetch rajagopal2016` or pass --from DIR; "
                                     "the shipped default synergy basis is used instead.")
            folder = None
        bar.advance(task)
        if folder is not None:
            events = RajagopalTrial.at(folder).events()
            result["events"] = events.to_dict()
            reference = DATASETS["rajagopal2016"].reference(folder)
            reference.to_csv(out / "reference_rajagopal2016.csv")
            _figure(reference, out / "human_cycles.png")
            result["done"] += ["gait events", "cycles + ReferenceSet (reference_rajagopal2016.csv)",
                               "figure of the human cycles (human_cycles.png)"]
            bar.advance(task)
            table = rajagopal_activations(folder)
            table.to_csv(out / "activations_mujoco.csv")
            emg_r = correlate_with_emg(table, read_storage(folder / "electromyography.sto"))
            result["inverse"] = {"wall_time_s": float(table.info["wall_time_s"]), "emg_r": emg_r}
            result["done"].append("MuJoCo inverse analysis (activations_mujoco.csv)")
            bar.advance(task)
            extractor = SynergyExtractor(10, n_restarts=10, seed=0).fit(table)
            extractor.basis_.save(out / "basis.npz")
            plot_synergies(extractor.basis_, extractor.activations_, extractor.time_, out / "synergies.png")
            result["synergies"] = {"k": 10, "vaf": extractor.vaf_}
            result["done"].append("NMF synergies, k = 10 (basis.npz, synergies.png)")
        bar.advance(task, 2)
        basis = str(out / "basis.npz") if folder is not None else None
        result["rollout"] = _random_rollout(Path(basis) if basis else None)
        result["done"].append("walker environment: random-policy rollout of the synergy controller")
        bar.advance(task)
        policies = _train_both(out, basis, minutes)
        summaries = {controller: TrainingRun.load(run).summary for controller, run in policies.items()}
        result["training"] = {controller: summary.as_dict() if summary else None
                              for controller, summary in summaries.items()}
        spent = sum(summary.cpu_hours for summary in summaries.values() if summary) * 60
        steps = ", ".join(f"{c} {s.num_timesteps:,}" for c, s in summaries.items() if s)
        result["done"].append(f"training of both controllers, imitation preset ({steps} environment steps, "
                              f"{spent:.1f} CPU-minutes in all, from the runs' records); the walkers evaluated "
                              "below are the shipped predictive walkers, not these short runs")
        bar.advance(task)
        # What follows uses the predictive walkers shipped with synergait (hours of training, not a demo's minutes);
        # the demo's own short runs only show that training works.
        walkers = dict(SHIPPED)
        result["walking_test"] = {c: _walking(w) for c, w in walkers.items()}
        result["done"].append("walking test of the shipped walkers (10 episodes x 400 steps, 1.2 m/s, level)")
        try:
            human = load_reference("falisse2019", source=source)
        except InputFileError:
            human = None  # the evaluation still runs; metrics need the human reference
        evaluations = _evaluate_both(out, walkers, human)
        from synergait.report.html import write_report

        write_report(evaluations, out / "evaluation_report.html", human=human,
                     training=[TrainingRun.load(run) for run in policies.values()])
        result["done"].append("evaluation of the shipped walkers on quick conditions + evaluation_report.html")
        bar.advance(task)
        result["video"] = _video(out, walkers, video_seconds)
        if "skipped" in result["video"]:
            result["skipped"].append(f"video: {result['video']['skipped']}")
        else:
            result["done"].append("side-by-side video of the shipped walkers (walk.mp4, walk_strip.png)")
        bar.advance(task)
    _write_report(out, result)
    result["report"] = str(out / "report.html")
    return result


def _train_both(out: Path, basis: str | None, minutes: float) -> dict[str, str]:
    """Both controllers with the imitation preset, each budgeted at 200 environment steps per second of its half of
    the minutes: below the preset's rate in the long runs (about 46 k steps per minute on one core)."""
    from synergait.train.config import TrainConfig
    from synergait.train.trainer import train

    steps = max(1024, int(minutes * 60 / 2 * 200) // 1024 * 1024)
    policies = {}
    for controller in ("synergy", "independent"):
        config = TrainConfig.preset("imitation", controller=controller,
                                    basis=basis if controller == "synergy" else None, total_steps=steps,
                                    n_steps=512, eval_every_steps=max(steps // 2, 1024), eval_episodes=2,
                                    checkpoint_every_steps=steps)
        run = out / "runs" / controller
        train(config, run, resume=(run / "checkpoints" / "latest.json").exists(), progress=False)
        policies[controller] = str(run)
    return policies


def _walking(walker: str) -> dict[str, Any]:
    from synergait.evaluate.walking import walking_test
    from synergait.walker import load_walker

    result = walking_test(load_walker(walker), episodes=10, steps=400).as_dict()
    return {"episodes": result["episodes"], "falls": result["falls"], "walked 10 s": result["walking"],
            "mean time to fall or end (s)": result["mean_seconds"], "mean gait steps": result["mean_gait_steps"],
            "mean distance (m)": result["mean_distance_m"], "mean speed (m/s)": result["mean_speed_m_s"]}


def _evaluate_both(out: Path, policies: dict[str, str], human: Any) -> list[Evaluation]:
    from synergait.evaluate.rollout import CONDITION_SETS
    from synergait.evaluate.run import evaluate_policy

    return [evaluate_policy(policy, CONDITION_SETS["quick"], out / "evaluation" / controller, reference=human,
                            label=controller, rollouts=2, strides=10, workers=2)
            for controller, policy in policies.items()]


def _video(out: Path, policies: dict[str, str], seconds: float) -> dict[str, Any]:
    from synergait.errors import SynergaitError
    from synergait.report.render import frame_strip, rollout_frames, side_by_side, write_video

    try:
        common = {"seconds": seconds, "fps": 20, "width": 320, "height": 240}
        left, _ = rollout_frames(policies["synergy"], **common)
        right, _ = rollout_frames(policies["independent"], **common)
    except SynergaitError as exc:
        return {"skipped": str(exc)}
    frames = side_by_side(left, right)
    write_video(frames, out / "walk.mp4", 20)
    frame_strip(frames, out / "walk_strip.png")
    return {"mp4": str(out / "walk.mp4"), "strip": str(out / "walk_strip.png"), "frames": len(frames)}


def _random_rollout(basis: Path | None, steps: int = 200) -> dict[str, Any]:
    from synergait.walker import load_walker, run_episode

    walker = load_walker("random", controller="synergy", basis=str(basis) if basis else None)
    env = walker.make_env()
    taken, falls, episode = [0], 0, 0

    def count(_: dict) -> bool:
        taken[0] += 1
        return taken[0] < steps

    while taken[0] < steps:
        falls += int(run_episode(walker, env, seed=episode, on_step=count).fell)
        episode += 1
    return {"steps": steps, "falls": falls, "note": "untrained (random) policy: it falls, as expected"}


def _write_report(out: Path, result: dict[str, Any]) -> None:
    done = "".join(f"<li>{html.escape(str(item))}</li>" for item in result["done"])
    skipped = "".join(f"<li>{html.escape(str(item))}</li>" for item in result["skipped"])
    sections = []
    if (out / "human_cycles.png").exists():
        sections.append("<h2>Human reference: Rajagopal 2016</h2><img src='human_cycles.png' width='100%'>")
    if "inverse" in result:
        rows = "".join(f"<tr><td>{html.escape(k)}</td><td>{v:.2f}</td></tr>"
                       for k, v in result["inverse"]["emg_r"].items())
        sections.append(f"<h2>Inverse analysis (MuJoCo, {result['inverse']['wall_time_s']:.1f} s)</h2>"
                        f"<p>Pearson r of estimated activations with the EMG envelopes:</p><table>{rows}</table>")
    if "walking_test" in result:
        rows = "".join(f"<tr><td>{html.escape(c)}</td>" + "".join(f"<td>{v:.3g}</td>" for v in r.values()) + "</tr>"
                       for c, r in result["walking_test"].items())
        header = "".join(f"<th>{html.escape(k)}</th>" for k in next(iter(result["walking_test"].values())))
        sections.append("<h2>Shipped walkers: walking test (1.2 m/s, level ground, 10 episodes of at most 400 "
                        f"steps = 10 s)</h2><table><tr><th>walker</th>{header}</tr>{rows}</table>")
    if (out / "walk_strip.png").exists():
        sections.append("<h2>Shipped walkers: synergy (left) vs independent (right)</h2><p><a href='walk.mp4'>"
                        "video</a> · <a href='evaluation_report.html'>evaluation report</a></p>"
                        "<img src='walk_strip.png' width='100%'>")
    if (out / "synergies.png").exists():
        sections.append(f"<h2>Synergies (k = 10, VAF = {result['synergies']['vaf']:.3f})</h2>"
                        "<img src='synergies.png' width='100%'>")
    (out / "report.html").write_text(
        "<html><head><meta charset='utf-8'><title>synergait demo</title></head><body>"
        f"<h1>synergait demo</h1><h2>Done</h2><ul>{done}</ul><h2>Skipped</h2><ul>{skipped}</ul>"
        + "".join(sections) + "</body></html>", encoding="utf-8")
