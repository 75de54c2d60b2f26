"""``synergait report``: one self-contained HTML file comparing evaluated controllers side by side.

Inputs are :class:`~synergait.evaluate.evaluation.Evaluation` artifacts (``synergait evaluate``) and, optionally,
training runs (:class:`~synergait.train.run.TrainingRun`). Figures (learning curves,
gait curves pooled and across speeds and slopes with the human band in grey, EMG similarity box plots and
activation profiles, RMSE-ratio heatmaps, spatiotemporal measures against speed) are embedded as PNG data, with
tables of the trend directions across speeds and slopes, so the file can be mailed or archived alone.
"""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path
from typing import Any

import numpy as np

from synergait.data.cycles import PERCENT, PHASES, stance_percent
from synergait.data.reference import ReferenceSet, variable_unit
from synergait.evaluate.evaluation import Evaluation
from synergait.evaluate.metrics import EMG_VARIABLES, KINEMATIC_VARIABLES, trend_directions
from synergait.fileio import atomic_write_text
from synergait.train.run import TrainingRun

ARROWS = {1: "↑", -1: "↓", 0: "–"}
COLOURS = ("tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple")


def _png(fig: Any) -> str:
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def gait_curves_figure(runs: list[Evaluation], human: ReferenceSet | None) -> str | None:
    plt = _pyplot()
    variables = list(KINEMATIC_VARIABLES)
    fig, axes = plt.subplots(2, 4, figsize=(15, 6.5), sharex=True)
    drawn = False
    for ax, variable in zip(axes.ravel(), variables, strict=True):
        if human is not None and variable in human.variables:
            curves = human.curves(variable)
            mean, sd = curves.mean(axis=0), curves.std(axis=0)
            ax.fill_between(PERCENT, mean - sd, mean + sd, color="0.8", label=f"human ({human.name}) ± SD")
            ax.plot(PERCENT, mean, color="0.4", lw=1)
        for colour, run in zip(COLOURS, runs, strict=False):
            cycles = run.cycles
            if cycles is not None and variable in cycles.variables:
                ax.plot(PERCENT, cycles.curves(variable).mean(axis=0), color=colour, label=run.label)
                drawn = True
        ax.set_title(f"{variable} [{variable_unit(variable)}]", fontsize=10)
    for ax in axes[-1]:
        ax.set_xlabel("gait cycle (%)")
    axes[0, 0].legend(fontsize=8)
    fig.suptitle("Gait curves, all evaluated conditions pooled (human band: mean ± SD)")
    fig.tight_layout()
    return _png(fig) if drawn or human is not None else None


def condition_curves_figure(runs: list[Evaluation], human: ReferenceSet | None, group: str) -> str | None:
    """Gait curves across speeds (level ground) or across slopes (1.2 m/s): one column per controller, one line
    per condition (colour = speed or slope), the human band in grey."""
    import math

    plt = _pyplot()
    selected = []
    for run in runs:
        cycles = run.cycles
        if cycles is None:
            continue
        conditions = [c for c in cycles.conditions
                      if (group == "speed" and c.slope_deg == 0) or
                      (group == "slope" and math.isclose(c.speed_m_s, 1.2, abs_tol=1e-6))]
        if len(conditions) >= 2:
            selected.append((run, conditions))
    if not selected:
        return None
    variables = ("hip_angle", "knee_angle", "ankle_angle", "hip_moment", "knee_moment", "ankle_moment",
                 "grf_ap", "grf_vertical")
    fig, axes = plt.subplots(len(variables), len(selected), figsize=(4.2 * len(selected), 2.0 * len(variables)),
                             sharex=True, squeeze=False)
    colormap = plt.get_cmap("viridis")
    for column, (run, conditions) in enumerate(selected):
        values = [c.speed_m_s if group == "speed" else c.slope_deg for c in conditions]
        low, high = min(values), max(values)
        for row, variable in enumerate(variables):
            ax = axes[row, column]
            if human is not None and variable in human.variables:
                curves = human.curves(variable)
                ax.fill_between(PERCENT, curves.mean(0) - curves.std(0), curves.mean(0) + curves.std(0), color="0.85")
            for condition, value in zip(conditions, values, strict=True):
                try:
                    curve = run.cycles.curves(variable, condition).mean(axis=0)
                except Exception:
                    continue
                shade = colormap((value - low) / (high - low) if high > low else 0.5)
                ax.plot(PERCENT, curve, color=shade, lw=1,
                        label=f"{value:g} {'m/s' if group == 'speed' else '°'}" if row == 0 else None)
            if column == 0:
                ax.set_ylabel(f"{variable}\n[{variable_unit(variable)}]", fontsize=8)
        axes[0, column].set_title(run.label)
        axes[0, column].legend(fontsize=6, ncol=2)
        axes[-1, column].set_xlabel("gait cycle (%)")
    fig.suptitle(f"Across {'speeds (level ground)' if group == 'speed' else 'slopes (1.2 m/s)'}; grey: human ± SD")
    fig.tight_layout()
    return _png(fig)


def activation_profiles_figure(runs: list[Evaluation], human: ReferenceSet | None) -> str | None:
    """Simulated activations (scaled to each controller's maximum) against human EMG (scaled to its maximum)."""
    from synergait.model.catalog import EMG_CODE_MUSCLES

    plt = _pyplot()
    fig, axes = plt.subplots(2, 4, figsize=(14, 5.5), sharex=True)
    drawn = False
    for ax, code in zip(axes.ravel(), EMG_CODE_MUSCLES, strict=True):
        variable = f"emg_{code}"
        if human is not None and variable in human.variables:
            curves = human.curves(variable)
            curves = curves / np.maximum(curves.max(axis=1, keepdims=True), 1e-12)
            ax.fill_between(PERCENT, curves.mean(0) - curves.std(0), curves.mean(0) + curves.std(0), color="0.85")
            ax.plot(PERCENT, curves.mean(0), color="0.4", lw=1)
        for colour, run in zip(COLOURS, runs, strict=False):
            if run.cycles is not None and variable in run.cycles.variables:
                curve = run.cycles.curves(variable).mean(axis=0)
                peak = max(float(np.max(run.cycles.table.loc[run.cycles.table["variable"].str.startswith(
                    "emg_"), "value"])), 1e-12)
                ax.plot(PERCENT, curve / peak, color=colour, label=run.label)
                drawn = True
        ax.set_title(code, fontsize=10)
    axes[0, 0].legend(fontsize=7)
    for ax in axes[-1]:
        ax.set_xlabel("gait cycle (%)")
    fig.suptitle("Activation profiles (controller maximum = 1) vs EMG (subject maximum = 1, grey)")
    fig.tight_layout()
    return _png(fig) if drawn else None


def learning_curve_statistics(training: list[TrainingRun], points: int = 200,
                              window: int = 10) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray, int]]:
    """Episode return over environment steps per controller, across its runs (the seeds): each run's
    ``window``-episode moving average interpolated onto ``points`` steps spanning the range every run of the
    controller covers. Returns ``{controller: (steps, mean, sd, n_runs)}`` (sd 0 for a single run); runs without
    episodes are left out."""
    groups: dict[str, list[TrainingRun]] = {}
    for run in training:
        if not run.episodes.empty:
            groups.setdefault(run.config.controller, []).append(run)
    statistics = {}
    for controller, runs in groups.items():
        curves = [(run.episodes["step"].to_numpy(float),
                   run.episodes["return"].rolling(window, min_periods=1).mean().to_numpy(float)) for run in runs]
        first, last = max(c[0][0] for c in curves), min(c[0][-1] for c in curves)
        if last <= first:  # runs that never overlap: each seed's own span instead of nothing
            first, last = min(c[0][0] for c in curves), max(c[0][-1] for c in curves)
        steps = np.linspace(first, last, points)
        values = np.stack([np.interp(steps, x, y, left=np.nan, right=np.nan) for x, y in curves])
        statistics[controller] = (steps, np.nanmean(values, axis=0), np.nanstd(values, axis=0), len(runs))
    return statistics


def learning_curves_figure(training: list[TrainingRun]) -> str | None:
    """Episode return over environment steps per controller: mean and, with several runs (seeds), the band of
    one standard deviation (the paper's Figure 1)."""
    statistics = learning_curve_statistics(training)
    if not statistics:
        return None
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 4))
    for colour, (controller, (steps, mean, sd, n)) in zip(COLOURS, statistics.items(), strict=False):
        label = f"{controller} (mean ± SD of {n} runs)" if n > 1 else f"{controller} (1 run)"
        ax.plot(steps, mean, color=colour, label=label)
        if n > 1:
            ax.fill_between(steps, mean - sd, mean + sd, color=colour, alpha=0.25, linewidth=0)
    ax.set_xlabel("environment steps")
    ax.set_ylabel("episode return (10-episode moving average)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return _png(fig)


def heatmap_figure(run: Evaluation) -> str | None:
    by_phase = run.metrics.get("rmse_ratio_by_phase") or {}
    if not by_phase:
        return None
    plt = _pyplot()
    variables = [v for v in KINEMATIC_VARIABLES if v in by_phase]
    matrix = np.array([[by_phase[v].get(p, np.nan) for p in PHASES] for v in variables])
    fig, ax = plt.subplots(figsize=(6.5, 0.45 * len(variables) + 1.5))
    image = ax.imshow(np.clip(matrix, 0, 6), cmap="RdYlGn_r", vmin=0, vmax=6, aspect="auto")
    for i, j in np.ndindex(matrix.shape):
        ax.text(j, i, f"{matrix[i, j]:.1f}", ha="center", va="center", fontsize=8)
    ax.set_xticks(range(len(PHASES)), [p.replace("_", "\n") for p in PHASES])
    ax.set_yticks(range(len(variables)), variables)
    fig.colorbar(image, ax=ax, label="RMSE ratio")
    ax.set_title(f"RMSE ratio: {run.label}")
    fig.tight_layout()
    return _png(fig)


def emg_figure(runs: list[Evaluation]) -> str | None:
    muscles = [v for v in EMG_VARIABLES if any(v in (r.metrics.get("emg") or {}) for r in runs)]
    if not muscles:
        return None
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(12, 4))
    human = [next(r.metrics["emg"][m]["human_pairwise_r"] for r in runs if m in r.metrics.get("emg", {}))
             for m in muscles]
    ax.boxplot(human, positions=np.arange(len(muscles)), widths=0.5, showfliers=False)
    for k, (colour, run) in enumerate(zip(COLOURS, runs, strict=False)):
        for i, muscle in enumerate(muscles):
            values = run.metrics.get("emg", {}).get(muscle, {}).get("r_to_subjects", [])
            ax.scatter(np.full(len(values), i + 0.12 * (k + 1)), values, color=colour, s=12,
                       label=run.label if i == 0 else None)
    ax.set_xticks(range(len(muscles)), [m.removeprefix("emg_") for m in muscles])
    ax.set_ylabel("Pearson r")
    ax.set_title("EMG similarity: boxes = cross-human pairwise r, dots = r(sim, each subject)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return _png(fig)


def spatiotemporal_figure(runs: list[Evaluation], human: ReferenceSet | None) -> str | None:
    """Walking speed, cadence, stride length and stance % against the target speed on level ground, one line per
    controller; grey: the range of human walking at 0.7-1.8 m/s, and the human reference's stance % (from its
    vertical GRF) at its recorded speed, or across the panel where the speed was not recorded."""
    from synergait.evaluate.rollout import HUMAN_SPATIOTEMPORAL

    level = [(run, run.spatiotemporal[run.spatiotemporal["slope_deg"] == 0].sort_values("speed_target_m_s"))
             for run in runs]
    level = [(run, table) for run, table in level if len(table)]
    if not level:
        return None
    plt = _pyplot()
    panels = (("speed_m_s", "walking speed [m/s]"), ("cadence_steps_per_min", "cadence [steps/min]"),
              ("stride_length_m", "stride length [m]"), ("stance_pct", "stance [% of the cycle]"))
    fig, axes = plt.subplots(1, 4, figsize=(16, 3.8), sharex=True)
    targets = np.concatenate([table["speed_target_m_s"].to_numpy() for _, table in level])
    for ax, (column, label) in zip(axes, panels, strict=True):
        if column in HUMAN_SPATIOTEMPORAL:
            ax.axhspan(*HUMAN_SPATIOTEMPORAL[column], color="0.93", label="range of human walking")
        for colour, (run, table) in zip(COLOURS, level, strict=False):
            ax.plot(table["speed_target_m_s"], table[column], "o-", color=colour, label=run.label)
        ax.set_xlabel("target speed [m/s]")
        ax.set_title(label, fontsize=10)
    axes[0].plot([targets.min(), targets.max()], [targets.min(), targets.max()], color="0.5", ls="--",
                 label="target")
    if human is not None and "grf_vertical" in human.variables:
        for condition in human.conditions:
            stance = stance_percent(human.curves("grf_vertical", condition))
            mean, sd = float(np.nanmean(stance)), float(np.nanstd(stance))
            if np.isnan(condition.speed_m_s):
                axes[3].axhspan(mean - sd, mean + sd, color="0.7", alpha=0.5,
                                label=f"human ({human.name}, speed not recorded)")
            else:
                axes[3].errorbar(condition.speed_m_s, mean, yerr=sd, fmt="s", color="0.3",
                                 label=f"human ({human.name})")
    axes[0].legend(fontsize=7)
    axes[3].legend(fontsize=7)
    fig.suptitle("Spatiotemporal measures on level ground (evaluated strides)")
    fig.tight_layout()
    return _png(fig)


def quality_rows(runs: list[Evaluation]) -> str:
    """Quality profile (co-contraction, effort distribution, Laban) of each controller's mean cycle."""
    from synergait.model.catalog import EMG_CODE_MUSCLES, pairs_within
    from synergait.quality.measures import quality_profile

    rows = []
    for run in runs:
        cycles = run.cycles
        if cycles is None:
            rows.append(f"<tr><td>{html.escape(run.label)}</td><td colspan='7'>no cycles</td></tr>")
            continue
        muscles = list(EMG_CODE_MUSCLES.values())
        curves = np.column_stack([cycles.curves(f"emg_{code}").mean(axis=0) for code in EMG_CODE_MUSCLES])
        profile = quality_profile(curves, muscles, rate_hz=100.0, pairs=pairs_within(muscles))
        cells = [profile.cocontraction[p] for p in ("TA/SOL", "TA/GAS", "VAS/BF", "RF/HAM")]
        cells += [profile.laban[k] for k in ("flow", "weight", "time")]
        rows.append(f"<tr><td>{html.escape(run.label)}</td>" + "".join(f"<td>{v:.2f}</td>" for v in cells)
                    + "</tr>")
    return ("<table><tr><th>controller</th><th>CCI TA/SOL %</th><th>CCI TA/GAS %</th><th>CCI VAS/BF %</th>"
            "<th>CCI RF/HAM %</th><th>Flow</th><th>Weight</th><th>Time</th></tr>" + "".join(rows) + "</table>")


def trend_tables(runs: list[Evaluation], human: ReferenceSet | None) -> str:
    """Per group (speeds on level ground, slopes at 1.2 m/s): each variable x phase mean's direction and Spearman
    rho per controller (:func:`~synergait.evaluate.metrics.trend_directions`), with the human reference's where it
    holds 3 conditions or more, and how many directions the controllers share."""
    sources = {r.label: trend_directions(r.cycles) for r in runs if r.cycles is not None}
    human_name = None if human is None else f"human ({human.name})"
    if human is not None:
        sources = {human_name: trend_directions(human), **sources}
    parts = []
    for group, title in (("speed", "across speeds (level ground)"), ("slope", "across slopes (1.2 m/s)")):
        columns = {name: table[table["group"] == group].set_index(["variable", "phase"])
                   for name, table in sources.items() if (table["group"] == group).any()}
        controllers = [name for name in columns if name != human_name]
        if not controllers:
            continue
        keys = list(dict.fromkeys(k for column in columns.values() for k in column.index))
        rows = []
        for key in keys:
            cells = "".join(f"<td>{ARROWS[int(c.at[key, 'direction'])]} {c.at[key, 'rho']:+.2f}</td>"
                            if key in c.index else "<td>–</td>" for c in columns.values())
            rows.append(f"<tr><td>{key[0]}</td><td>{key[1]}</td>{cells}</tr>")
        directions = [[int(columns[name].at[key, "direction"]) if key in columns[name].index else 0
                       for name in controllers] for key in keys]
        moving = [d for d in directions if any(d)]
        shared = sum(1 for d in moving if d[0] != 0 and len(set(d)) == 1)
        summary = (f"{shared} of the {len(moving)} variable x phase combinations that change in some controller "
                   f"change in the same direction in all {len(controllers)}" if len(controllers) > 1 else "")
        if human is not None and human_name not in columns:
            summary += (". The human reference holds fewer than 3 conditions of this group: no human direction "
                        "to compare with")
        header = "".join(f"<th>{html.escape(name)} ({int(column['conditions'].iloc[0])} conditions)</th>"
                         for name, column in columns.items())
        parts.append(f"<h3>{html.escape(title)}</h3><p>{html.escape(summary)}</p><table><tr><th>variable</th>"
                     f"<th>phase</th>{header}</tr>{''.join(rows)}</table>")
    if not parts:
        return "<p>No controller was evaluated at 3 or more speeds or slopes.</p>"
    return ("<p>Direction of each phase mean (↑ rises, ↓ falls, – no consistent direction: |Spearman rho| &lt; 0.8) "
            "and rho.</p>" + "".join(parts))


def write_report(runs: list[Evaluation], out: str | Path, *, human: ReferenceSet | None = None,
                 training: list[TrainingRun] = (), title: str = "synergait evaluation report") -> Path:
    out = Path(out)
    headline_rows = "".join(
        f"<tr><td>{html.escape(r.label)}</td><td>{r.n_cycles}</td>"
        + "".join(f"<td>{r.metrics.get('counts_over', {}).get(t, '–')}</td>" for t in ("2", "3", "5"))
        + f"<td>{_fraction(r.metrics.get('trend_agreement', {}))}</td></tr>" for r in runs)
    images = [("Learning curves", learning_curves_figure(list(training))),
              ("Gait curves", gait_curves_figure(runs, human)),
              ("Gait curves across speeds", condition_curves_figure(runs, human, "speed")),
              ("Gait curves across slopes", condition_curves_figure(runs, human, "slope")),
              ("EMG similarity", emg_figure(runs)), ("Activation profiles", activation_profiles_figure(runs, human)),
              ("Spatiotemporal measures", spatiotemporal_figure(runs, human))]
    images += [(f"RMSE-ratio heatmap: {r.label}", heatmap_figure(r)) for r in runs]
    figures = "".join(f"<h2>{html.escape(name)}</h2><img src='data:image/png;base64,{data}' style='max-width:100%'>"
                      for name, data in images if data)
    spatial = "".join(f"<h3>{html.escape(r.label)}</h3>" + r.spatiotemporal.to_html(index=False,
                      float_format=lambda x: f"{x:.3g}", na_rep="–") for r in runs)
    notes = "".join(f"<li><b>{html.escape(r.label)}</b>: {html.escape(n)}</li>" for r in runs
                    for n in r.metrics.get("approximation", []) + r.gaps)
    page = f"""<!doctype html><html><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body{{font-family:sans-serif;max-width:1200px;margin:auto;padding:1em}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:4px 8px;text-align:right}}</style></head><body>
<h1>{html.escape(title)}</h1>
<p>Reference: {html.escape(human.name if human else 'none')}. RMSE ratio = RMSE to the human data / mean
cross-human RMSE (1 = as far as humans are from each other).</p>
<h2>Headline</h2><table><tr><th>controller</th><th>cycles</th><th>ratio &gt; 2</th><th>ratio &gt; 3</th>
<th>ratio &gt; 5</th><th>trend agreement</th></tr>{headline_rows}</table>
{figures}<h2>Trend directions</h2>{trend_tables(runs, human)}
<h2>Movement quality (mean cycle; see synergait.quality.measures)</h2>{quality_rows(runs)}
<h2>Spatiotemporal</h2>{spatial}<h2>Approximations and gaps</h2><ul>{notes or '<li>none</li>'}</ul>
</body></html>"""
    atomic_write_text(out, page)
    return out


def _fraction(trend: dict[str, Any]) -> str:
    if not trend or not trend.get("checked"):
        return "not checkable"
    return f"{trend['agreed']}/{trend['checked']}"
