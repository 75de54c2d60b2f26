"""The ``synergait`` command: a thin layer over the stage APIs, one module per command group.

Every command that reports figures takes ``--json`` and then prints exactly one JSON object on stdout.
User errors (bad files, bad parameters) print one line on stderr and exit with code 2.
"""

from __future__ import annotations

import sys
import warnings

from synergait import __version__
from synergait.cli import bench, data, demo, env, evaluate, inverse, quality, synergy, train  # noqa: F401 - commands
from synergait.cli.common import JsonFlag, app, console, emit
from synergait.errors import SynergaitError


@app.command()
def version(as_json: JsonFlag = False) -> None:
    """Show the synergait version."""
    emit({"version": __version__}, as_json, lambda r: console.print(f"synergait {r['version']}"))


def main() -> None:
    """Entry point: run the CLI; user errors become one line on stderr and exit code 2."""
    warnings.simplefilter("default")
    warnings.formatwarning = lambda message, category, *args, **kwargs: f"warning: {message}\n"
    try:
        app()  # usage errors: typer prints them and exits 2
    except SynergaitError as exc:
        sys.stderr.write(f"error: {exc}\n")
        sys.exit(2)
