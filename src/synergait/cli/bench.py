"""``synergait bench ...``: throughput and inverse-analysis benchmarks."""

from __future__ import annotations

from typing import Annotated

import typer

from synergait.cli.common import FromOption, JsonFlag, command_group, emit, measuring

bench_app = command_group("bench", "Benchmarks: figures measured on this machine, with references from the same run.")


@bench_app.command("env")
def bench_env(steps: Annotated[int, typer.Option(help="Control steps per measurement.")] = 2000,
              repeats: Annotated[int, typer.Option(help="Best of this many runs.")] = 3,
              myosuite_python: Annotated[str | None, typer.Option(help="Python of a venv with myosuite (it pins "
                                                                       "gymnasium < 1.3).")] = None,
              as_json: JsonFlag = False) -> None:
    """Environment throughput vs the raw physics loop (and MyoSuite when installed), in simulated s per s."""
    from synergait.env.bench import measure_env_throughput

    with measuring(as_json):
        result = measure_env_throughput(steps, repeats=repeats, myosuite_python=myosuite_python)
    emit(result, as_json, "env throughput")


@bench_app.command("train")
def bench_train(sac_steps: Annotated[int, typer.Option(help="Timed SAC steps (after learning_starts).")] = 300,
                ppo_steps: Annotated[int, typer.Option(help="Timed PPO steps.")] = 4096,
                as_json: JsonFlag = False) -> None:
    """Training steps/s per preset vs SB3's stock SAC, and the hours 1 M and 75 M steps would take."""
    from synergait.train.bench import measure_train_throughput

    with measuring(as_json):
        result = measure_train_throughput(sac_steps, ppo_steps)
    emit(result, as_json, "training throughput")


@bench_app.command("inverse")
def bench_inverse(source: FromOption = None,
                  moco: Annotated[bool, typer.Option(help="Also run MocoInverse (needs opensim).")] = True,
                  as_json: JsonFlag = False) -> None:
    """MuJoCo inverse vs MocoInverse on the Rajagopal stride: wall times, ratio, per-muscle and EMG agreement."""
    from synergait.inverse.bench import measure_inverse

    with measuring(as_json):
        result = measure_inverse(source, moco=moco)
    emit(result, as_json, "inverse benchmark")
