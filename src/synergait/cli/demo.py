"""``synergait demo``: the whole pipeline on built-in defaults."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from synergait.cli.common import FromOption, JsonFlag, app, emit


@app.command()
def demo(out: Annotated[Path, typer.Option(help="Output folder.")] = Path("synergait-demo"),
         source: FromOption = None,
         minutes: Annotated[float, typer.Option(help="CPU-minutes of training, both controllers together.")] = 6.0,
         as_json: JsonFlag = False) -> None:
    """The whole pipeline on built-in defaults: data, inverse, synergies, training, evaluation, report, video."""
    from synergait.demo import run_demo

    result = run_demo(out, source=source, progress=not as_json, minutes=minutes,
                      video_seconds=6.0 if minutes >= 3 else 2.0)
    emit(result, as_json, "synergait demo")

