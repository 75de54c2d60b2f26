"""What every command group shares: the top-level app, JSON or table output, and common options."""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from synergait.errors import InputFileError
from synergait.fileio import to_jsonable

app = typer.Typer(help="synergait: predictive musculoskeletal locomotion simulation with muscle-synergy priors.",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
console = Console()

JsonFlag = Annotated[bool, typer.Option("--json", help="Print exactly one JSON object on stdout.")]


def measuring(as_json: bool) -> contextlib.AbstractContextManager[Any]:
    """A spinner for people; nothing when the output is JSON."""
    return contextlib.nullcontext() if as_json else console.status("measuring", spinner="dots")


def emit(result: dict[str, Any], as_json: bool, render: str | Callable[[dict[str, Any]], None], *,
         rows: Callable[[dict[str, Any]], dict[str, Any]] | None = None) -> None:
    """Print ``result`` as one JSON object, or for people: a key-value table titled ``render`` (of ``rows(result)``
    when given, else of all of it), or through the function ``render``."""
    if as_json:
        sys.stdout.write(json.dumps(to_jsonable(result)) + "\n")
    elif isinstance(render, str):
        console.print(key_value_table(render, rows(result) if rows else result))
    else:
        render(result)


def command_group(name: str, help: str) -> typer.Typer:
    """A ``synergait NAME ...`` group of commands."""
    group = typer.Typer(help=help, no_args_is_help=True)
    app.add_typer(group, name=name)
    return group


def key_value_table(title: str, rows: dict[str, Any]) -> Table:
    table = Table(title=title, show_header=False, title_justify="left")
    for key, value in rows.items():
        table.add_row(key, str(value))
    return table


LoadsOption = Annotated[Path | None, typer.Option("--loads", help="OpenSim ExternalLoads XML naming the force "
                                                                     "columns of each side.")]
FromOption = Annotated[Path | None, typer.Option("--from", help="Use a local copy in this folder instead of "
                                                                  "downloading (also: SYNERGAIT_DATA_DIR).")]


def read_activations(path: Path):
    from synergait.inverse.table import ActivationTable

    if not path.is_file():
        raise InputFileError(path, "file not found")
    return ActivationTable.load(path)


MusclesOption = Annotated[str | None, typer.Option(help="Comma-separated muscles (default: the 40 right-leg).")]


ControllerOption = Annotated[str, typer.Option(help="independent or synergy.")]
BasisOption = Annotated[Path | None, typer.Option(help="Right-leg SynergyBasis .npz (default: the shipped basis).")]
ConfigOption = Annotated[Path | None, typer.Option("--config", help="YAML file with environment settings.")]
OptionalControllerOption = Annotated[str | None, typer.Option(
    help="independent or synergy (default: the walker's own; independent for random/zero).")]
POLICY_HELP = ("synergy-default, independent-default, independent-imitation, synergy-imitation (shipped walkers), a "
               "walker directory (`walker export` writes one from a run), random or zero.")
PolicyOption = Annotated[str, typer.Option(help=POLICY_HELP)]
PolicyArgument = Annotated[str, typer.Argument(help=POLICY_HELP)]


def walk_config_from(config: Path | None):
    from synergait.env.config import WalkConfig

    return WalkConfig.from_yaml(config) if config else WalkConfig()
