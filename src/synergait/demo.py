"""``synergait demo``: the pipeline on built-in defaults, as far as it is built.

Today it runs the human-data stage on the Rajagopal 2016 trial: gait events from GRF, right-leg cycles of GRF
and EMG normalised to 0-100 %, the ReferenceSet, a figure and a small HTML page. Without the data (no local
copy, no network) it says what it skipped and how to get the data.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from rich.progress import Progress

from synergait.errors import InputFileError


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


def run_demo(out: Path, *, source: Path | None = None, progress: bool = True) -> dict[str, Any]:
    """Run every built stage on defaults into ``out``; returns what was done and skipped."""
    from synergait.data.events import detect_gait_events
    from synergait.data.fetch import DATASETS, fetch
    from synergait.data.io import read_storage

    out.mkdir(parents=True, exist_ok=True)
    result: dict[str, Any] = {"out": str(out), "done": [], "skipped": []}
    with Progress(disable=not progress, transient=True) as bar:
        task = bar.add_task("human data", total=4)
        try:
            folder = fetch("rajagopal2016", source=source)
        except InputFileError as exc:
            result["skipped"].append(f"human-data stage: Rajagopal 2016 trial unavailable ({exc}). Get it with "
                                     "`synergait data fetch rajagopal2016` or pass --from DIR.")
            return result
        bar.advance(task)
        events = detect_gait_events(read_storage(folder / "grf_walk.mot"), loads_xml=folder / "grf_walk.xml")
        result["events"] = events.to_dict()
        bar.advance(task)
        reference = DATASETS["rajagopal2016"].reference(folder)
        reference.to_csv(out / "reference_rajagopal2016.csv")
        bar.advance(task)
        _figure(reference, out / "human_cycles.png")
        bar.advance(task)
    result["done"] += ["gait events", "cycles + ReferenceSet (reference_rajagopal2016.csv)",
                       "figure (human_cycles.png)"]
    result["skipped"] += ["inverse analysis, synergies, training, evaluation, video: not built yet"]
    rows = "".join(f"<li>{html.escape(str(item))}</li>" for item in result["done"])
    skipped = "".join(f"<li>{html.escape(str(item))}</li>" for item in result["skipped"])
    (out / "report.html").write_text(
        f"<html><head><meta charset='utf-8'><title>synergait demo</title></head><body>"
        f"<h1>synergait demo</h1><h2>Done</h2><ul>{rows}</ul><h2>Skipped</h2><ul>{skipped}</ul>"
        f"<h2>Human reference: Rajagopal 2016</h2><img src='human_cycles.png' width='100%'>"
        f"<p>{'<br>'.join(html.escape(n) for n in reference.notes)}</p></body></html>", encoding="utf-8")
    result["report"] = str(out / "report.html")
    return result
