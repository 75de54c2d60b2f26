"""Training with Stable-Baselines3: runs that checkpoint atomically, resume after a kill, and keep the best policy.

The run directory's layout is in :mod:`synergait.train.run`. A checkpoint directory is complete before
``latest.json`` points to it, so a kill at any moment leaves the previous checkpoint usable; on resume, curve rows
logged after that checkpoint are dropped so the curve stays continuous (a run killed before its first checkpoint
restarts from step 0 with empty curves).
"""

from __future__ import annotations

import contextlib
import csv
import json
import math
import os
import shutil
import signal
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import torch
from filelock import FileLock, Timeout
from stable_baselines3 import PPO, SAC
from stable_baselines3.common.base_class import BaseAlgorithm
from stable_baselines3.common.callbacks import BaseCallback, CallbackList
from stable_baselines3.common.monitor import Monitor
from stable_baselines3.common.vec_env import DummyVecEnv, SubprocVecEnv, VecEnv, VecEnvWrapper, VecNormalize

from synergait.errors import InputFileError, ParameterError
from synergait.fileio import atomic_path, atomic_write_text
from synergait.train.callbacks import (
    ActionBoundPenalty,
    AdaptiveLearningRate,
    CriticWarmup,
    EnvSchedule,
    PolicyAnchor,
)
from synergait.train.config import PPOConfig, SACConfig, TrainConfig
from synergait.train.export import model_walker
from synergait.train.run import (
    BEST_MODEL_FILE,
    BEST_NORMALISER_FILE,
    CONFIG_FILE,
    EPISODE_FIELDS,
    EPISODES_FILE,
    EVAL_FIELDS,
    EVALUATIONS_FILE,
    SNAPSHOTS_DIR,
    RunSummary,
    latest_checkpoint,
)
from synergait.train.warmstart import start_from, starting_walker
from synergait.walker.policy import MlpWalker

ALGORITHMS: dict[str, type[BaseAlgorithm]] = {"sac": SAC, "ppo": PPO}


def _make_env(config: TrainConfig):
    def factory():
        return Monitor(config.spec.make_env(training=True))
    return factory


def env_schedules(config: TrainConfig) -> dict[str, Callable[[float], float]]:
    """The environment attributes a run changes with its training steps, and each one's value at a step."""
    env = config.env
    schedules: dict[str, Callable[[float], float]] = {}
    if env.imitation is not None and env.imitation.fade_steps is not None:
        schedules["imitation_fraction"] = env.imitation.fraction
    if env.widening is not None:
        schedules["condition_spread"] = env.widening.fraction
    return schedules


def make_vec_env(config: TrainConfig) -> VecEnv:
    factories = [_make_env(config) for _ in range(config.n_envs)]
    envs: VecEnv = (SubprocVecEnv(factories) if config.vec_env == "subproc"
                    else DummyVecEnv(factories))
    envs.seed(config.seed)
    if config.normalize_observations or config.normalize_rewards:
        envs = VecNormalize(envs, norm_obs=config.normalize_observations, norm_reward=config.normalize_rewards,
                            gamma=config.gamma)
    return envs


def _schedule(config: TrainConfig) -> Callable[[float], float]:
    """The learning rate as SB3 schedules it: a function of the remaining training fraction (1 -> 0)."""
    rate = float(config.learning_rate)
    if config.lr_schedule == "constant":
        return lambda progress_remaining: rate
    return lambda progress_remaining: float(progress_remaining) * rate  # linear decay to 0 over total_steps


def _hyperparameters(config: TrainConfig) -> dict[str, Any]:
    """The algorithm's settings from ``config``, at creation and again on resume (so that editing them in a run's
    ``config.yaml`` takes effect, e.g. fewer steps per environment when a resumed run has more environments)."""
    algorithm = config.algorithm
    if isinstance(algorithm, SACConfig):
        return {"gamma": config.gamma, "buffer_size": algorithm.buffer_size,
                "learning_starts": algorithm.learning_starts, "batch_size": algorithm.batch_size,
                "train_freq": algorithm.train_freq, "gradient_steps": algorithm.gradient_steps}
    return {"gamma": config.gamma, "n_steps": algorithm.n_steps, "batch_size": algorithm.batch_size,
            "n_epochs": algorithm.n_epochs, "gae_lambda": algorithm.gae_lambda, "clip_range": algorithm.clip_range,
            "ent_coef": algorithm.ent_coef}


def make_algorithm(config: TrainConfig, envs: VecEnv, tensorboard_dir: Path | None = None) -> BaseAlgorithm:
    net = list(config.net_arch)
    common: dict[str, Any] = {"learning_rate": _schedule(config), "seed": config.seed, "device": config.device,
                              "verbose": 0, "tensorboard_log": str(tensorboard_dir) if tensorboard_dir else None,
                              **_hyperparameters(config)}
    if isinstance(config.algorithm, SACConfig):
        return SAC("MlpPolicy", envs,
                   policy_kwargs={"net_arch": {"pi": net, "qf": net}, "activation_fn": torch.nn.ReLU}, **common)
    return PPO("MlpPolicy", envs,
               policy_kwargs={"net_arch": {"pi": net, "vf": net}, "activation_fn": torch.nn.ReLU,
                              "log_std_init": config.algorithm.log_std_init}, **common)


class _CsvLog:
    """Append-only CSV with a header; ``truncate_after(step)`` drops rows logged after a checkpoint. A resumed run
    whose file predates some of ``fields`` gets them appended to its header, empty in the rows logged before."""

    def __init__(self, path: Path, fields: list[str]) -> None:
        self.path, self.fields = path, fields
        if not path.exists():
            atomic_write_text(path, ",".join(fields) + "\n")
            return
        with path.open(newline="") as f:
            reader = csv.DictReader(f)
            header = list(reader.fieldnames or [])
            self.fields = header + [name for name in fields if name not in header]
            rows = list(reader) if self.fields != header else None  # read the rows only to rewrite them
        if rows is not None:
            self._rewrite(rows)

    def _rewrite(self, rows: list[dict[str, str]]) -> None:
        with atomic_path(self.path) as tmp, tmp.open("w", newline="") as f:
            writer = csv.DictWriter(f, self.fields)
            writer.writeheader()
            writer.writerows(rows)

    def append(self, row: dict[str, Any]) -> None:
        with self.path.open("a", newline="") as f:
            csv.DictWriter(f, self.fields, extrasaction="ignore").writerow(row)

    def truncate_after(self, step: int) -> None:
        with self.path.open(newline="") as f:
            self._rewrite([r for r in csv.DictReader(f) if int(float(r["step"])) <= step])


def cpu_clock(envs: VecEnv) -> Callable[[], float]:
    """CPU seconds used so far by this process and, for environments in their own processes, by those too
    (read from ``/proc``; where there is none only this process is counted, with a warning)."""
    base = envs.unwrapped if isinstance(envs, VecEnvWrapper) else envs
    pids = [process.pid for process in getattr(base, "processes", [])]
    if pids and not Path("/proc/self/stat").exists():
        warnings.warn("CPU-hours count the training process only: the environments' processes cannot be read "
                      "on this system", stacklevel=2)
        pids = []
    ticks = os.sysconf("SC_CLK_TCK") if pids else 1

    def worker_cpu_s(pid: int) -> float:
        try:  # utime and stime, after the command name (which may hold spaces) in parentheses
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / ticks

    return lambda: time.process_time() + sum(worker_cpu_s(pid) for pid in pids)


class RunCallback(BaseCallback):
    """Learning curve, periodic evaluation with best-model keeping, atomic checkpoints, CPU-hour accounting."""

    def __init__(self, run: Path, config: TrainConfig, state: dict[str, Any], time_limit_s: float | None = None,
                 cpu_s: Callable[[], float] = time.process_time) -> None:
        super().__init__()
        self.run, self.config, self.state, self._cpu_s = run, config, state, cpu_s
        self._deadline = time.perf_counter() + time_limit_s if time_limit_s else None
        self.episodes = _CsvLog(run / EPISODES_FILE, EPISODE_FIELDS)
        self.evals = _CsvLog(run / EVALUATIONS_FILE, EVAL_FIELDS)
        self._wall0, self._cpu0 = time.perf_counter(), self._cpu_s()
        start = state["num_timesteps"]
        self._next_eval = self._next_multiple(config.eval_every_steps, start)
        self._next_checkpoint = self._next_multiple(config.checkpoint_every_steps, start)
        self._snapshot_every = config.snapshot_every_steps or 0
        self._next_snapshot = self._next_multiple(self._snapshot_every, start) if self._snapshot_every else 0
        self._checkpoint_due = time.perf_counter() + config.checkpoint_every_minutes * 60
        self._eval_env: VecEnv | None = None
        self._last_eval_step: int | None = None
        #: Set by a signal handler (see :func:`_stop_on_signals`): the run stops at the next step, with a checkpoint.
        self.stopped_by: str | None = None

    @staticmethod
    def _next_multiple(every: int, step: int) -> int:
        """The first multiple of ``every`` after ``step`` (the step now, not the last checkpoint's)."""
        return (step // every + 1) * every

    def _elapsed(self) -> tuple[float, float]:
        return (self.state["wall_s"] + time.perf_counter() - self._wall0,
                self.state["cpu_s"] + self._cpu_s() - self._cpu0)

    def _on_step(self) -> bool:
        step = self.num_timesteps
        for env_index, info in enumerate(self.locals.get("infos", [])):
            if "episode" in info:
                wall, cpu = self._elapsed()
                self.episodes.append({"step": step, "env": env_index, "return": info["episode"]["r"],
                                      "length": info["episode"]["l"], "wall_s": round(wall, 3),
                                      "cpu_s": round(cpu, 3), "target_speed_m_s": info.get("target_speed"),
                                      "terrain": info.get("terrain")})
        if step >= self._next_eval:
            self._next_eval += self.config.eval_every_steps
            self.evaluate()
        if self._snapshot_every and step >= self._next_snapshot:
            self._next_snapshot = self._next_multiple(self._snapshot_every, step)
            self.snapshot()
        if step >= self._next_checkpoint or time.perf_counter() >= self._checkpoint_due:
            if step >= self._next_checkpoint:
                self._next_checkpoint = self._next_multiple(self.config.checkpoint_every_steps, step)
            self.checkpoint()
        if self.stopped_by is not None:
            return False  # stop (and checkpoint)
        return self._deadline is None or time.perf_counter() < self._deadline

    def _on_training_end(self) -> None:
        if self._last_eval_step != self.num_timesteps:
            self.evaluate()
        self.checkpoint()

    def evaluate(self) -> None:
        """Deterministic episodes on a fresh env (same task); keep the policy if its mean return is the best.
        A run with schedules (the imitation fade, the widening) is scored on the task it ends on
        (each schedule at its end), so that returns compare across them."""
        self._last_eval_step = self.num_timesteps
        if self._eval_env is None:
            self._eval_env = DummyVecEnv([_make_env(self.config)])
            self._eval_env.seed(self.config.seed + 10_000)
            for name, fraction in env_schedules(self.config).items():
                self._eval_env.env_method("set_wrapper_attr", name, fraction(math.inf))
        normaliser = self.model.get_vec_normalize_env()
        returns, lengths = [], []
        for _ in range(self.config.eval_episodes):
            observation, done, total, length = self._eval_env.reset(), False, 0.0, 0
            while not done:
                if normaliser is not None:
                    observation = normaliser.normalize_obs(observation)
                action, _ = self.model.predict(observation, deterministic=True)
                observation, reward, dones, _ = self._eval_env.step(action)
                total, length, done = total + float(reward[0]), length + 1, bool(dones[0])
            returns.append(total)
            lengths.append(length)
        mean = float(np.mean(returns))
        wall, _ = self._elapsed()
        self.evals.append({"step": self.num_timesteps, "mean_return": mean, "std_return": float(np.std(returns)),
                           "mean_length": float(np.mean(lengths)), "wall_s": round(wall, 3)})
        self.logger.record("eval/mean_return", mean)
        self.logger.record("eval/mean_length", float(np.mean(lengths)))
        if self.state.get("best_mean_return") is None or mean > self.state["best_mean_return"]:
            self.state["best_mean_return"], self.state["best_step"] = mean, self.num_timesteps
            with atomic_path(self.run / BEST_MODEL_FILE) as tmp:
                self.model.save(tmp)
            if normaliser is not None:
                with atomic_path(self.run / BEST_NORMALISER_FILE) as tmp:
                    normaliser.save(str(tmp))

    def snapshot(self) -> None:
        """The policy now as a walker directory ``snapshots/step_N``."""
        step = self.num_timesteps
        _, cpu = self._elapsed()
        meta = {"source_run": self.run.name, "controller": self.config.controller, "seed": self.config.seed,
                "run_steps": step, "policy": "snapshot", "policy_step": step, "cpu_hours": cpu / 3600}
        walker = model_walker(self.model, self.config, self.model.get_vec_normalize_env(),
                              name=f"{self.run.name}@{step}", meta=meta)
        walker.save(self.run / SNAPSHOTS_DIR / f"step_{step}")

    def checkpoint(self) -> None:
        step = self.num_timesteps
        root = self.run / "checkpoints"
        target = root / f"step_{step}"
        staging = root / f".step_{step}.partial"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        self.model.save(staging / "model.zip")
        normaliser = self.model.get_vec_normalize_env()
        if normaliser is not None:
            normaliser.save(str(staging / "vecnormalize.pkl"))
        if isinstance(self.config.algorithm, SACConfig) and self.config.algorithm.save_replay_buffer:
            self.model.save_replay_buffer(staging / "replay_buffer.pkl")
        wall, cpu = self._elapsed()
        state = {**self.state, "num_timesteps": step, "wall_s": wall, "cpu_s": cpu, "cpu_hours": cpu / 3600,
                 **curriculum_state(self.training_env)}
        (staging / "state.json").write_text(json.dumps(state, indent=1))
        shutil.rmtree(target, ignore_errors=True)
        staging.rename(target)
        previous = latest_checkpoint(self.run)
        atomic_write_text(root / "latest.json", json.dumps({"checkpoint": target.name, "num_timesteps": step}))
        if previous is not None and previous != target:
            shutil.rmtree(previous, ignore_errors=True)
        self.state.update(state)
        self._wall0, self._cpu0 = time.perf_counter(), self._cpu_s()  # the totals now live in self.state
        self._checkpoint_due = self._wall0 + self.config.checkpoint_every_minutes * 60
        self.summary().save(self.run)

    def summary(self, resumed_from: str | None = None) -> RunSummary:
        return RunSummary(str(self.run), int(self.state["num_timesteps"]), self.config.total_steps,
                          self.state["cpu_s"] / 3600, self.state["wall_s"] / 3600,
                          self.state.get("best_mean_return"), self.state.get("best_step"), resumed_from,
                          self.state.get("lost_cpu_s", 0.0) / 3600, self.stopped_by)


@contextlib.contextmanager
def _stop_on_signals(callback: RunCallback) -> Iterator[None]:
    """SIGTERM (``kill``, a scheduler's preemption) and SIGINT (Ctrl-C) end the run at its next step with a
    checkpoint instead of losing the work since the last one. A SIGINT the process ignores (a background job's)
    stays ignored; handlers can only be set from the main thread, elsewhere signals keep their behaviour."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught = [signal.SIGTERM] + ([signal.SIGINT] if signal.getsignal(signal.SIGINT) is not signal.SIG_IGN else [])
    previous = {number: signal.getsignal(number) for number in caught}

    def request_stop(number: int, _frame: object) -> None:
        callback.stopped_by = signal.Signals(number).name

    for number in caught:
        signal.signal(number, request_stop)
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def curriculum_state(envs: VecEnv) -> dict[str, list[int]]:
    """Each environment's position in the speed curriculum (read through Monitor and wrappers)."""
    return {"episode_index": [int(v) for v in envs.get_attr("episode_index")]}


def restore_curriculum(envs: VecEnv, state: dict[str, Any]) -> None:
    """Put each environment's curriculum position back from a checkpoint's ``state``."""
    for index, value in enumerate(state.get("episode_index", [])):
        envs.env_method("set_wrapper_attr", "episode_index", int(value), indices=[index])


def _lost_cpu_s(episodes: Path, checkpoint_cpu_s: float) -> float:
    """CPU seconds logged in the learning curve after the checkpoint a resume starts from (work lost by a kill)."""
    if not episodes.exists():
        return 0.0
    with episodes.open(newline="") as f:
        last = None
        for last in csv.DictReader(f):  # noqa: B007 - the last row is the one wanted
            pass
    return max(0.0, float(last["cpu_s"]) - checkpoint_cpu_s) if last else 0.0


def train(config: TrainConfig, run: str | Path, *, resume: bool = False, progress: bool = True,
          time_limit_s: float | None = None, total_steps: int | None = None) -> RunSummary:
    """Train (or resume) the run in directory ``run``; returns where it stands (steps, CPU hours, best return).

    Args:
        config: the run's configuration (ignored on resume: the run's own ``config.yaml`` is read back; its
            learning rate, environments and algorithm settings apply to the resumed run, so editing them there goes
            on with other ones, e.g. a lower learning rate, or more environments in their own processes).
        resume: continue from the run's latest checkpoint.
        time_limit_s: stop (with a checkpoint) after this much wall time; resume later to go on.
        total_steps: on resume, a new step budget for the run (e.g. to extend it), recorded in ``config.yaml``.
    """
    run = Path(run)
    # A walker that does not fit is refused before anything is written.
    start = starting_walker(config) if config.init_policy is not None and not resume else None
    if resume and not (run / CONFIG_FILE).exists():
        raise InputFileError(run, "no config.yaml: not a synergait run directory")
    if not resume and (run / "checkpoints" / "latest.json").exists():
        raise ParameterError("--out", f"{run} already holds a run; pass --resume to continue it")
    run.mkdir(parents=True, exist_ok=True)
    # Two processes training one run would interleave its curves and overwrite each other's checkpoints.
    lock = FileLock(run / ".lock")
    try:
        lock.acquire(timeout=0)
    except Timeout:
        raise ParameterError("--out", f"{run} is being trained by another process (it holds {run / '.lock'}); "
                             "stop that process first") from None
    try:
        return _train(config, run, resume=resume, progress=progress, time_limit_s=time_limit_s,
                      total_steps=total_steps, start=start)
    finally:
        lock.release()


def _train(config: TrainConfig, run: Path, *, resume: bool, progress: bool, time_limit_s: float | None,
           total_steps: int | None, start: MlpWalker | None) -> RunSummary:
    torch.set_num_threads(config.torch_threads)
    if resume:
        config = TrainConfig.from_yaml(run / CONFIG_FILE)
        if total_steps is not None and total_steps != config.total_steps:
            config = config.model_copy(update={"total_steps": total_steps})
            atomic_write_text(run / CONFIG_FILE, config.to_yaml())
    else:
        atomic_write_text(run / CONFIG_FILE, config.to_yaml())
    envs = make_vec_env(config)
    latest = latest_checkpoint(run) if resume else None
    state: dict[str, Any] = {"num_timesteps": 0, "wall_s": 0.0, "cpu_s": 0.0, "best_mean_return": None,
                             "best_step": None}
    if latest is not None:
        state.update(json.loads((latest / "state.json").read_text()))
    # SB3 resets the environments before any callback runs: the schedules' values at the run's step come first, so
    # that the first episodes already follow them.
    fractions = env_schedules(config)
    for name, fraction in fractions.items():
        envs.env_method("set_wrapper_attr", name, fraction(state["num_timesteps"]))
    if latest is not None:
        if isinstance(envs, VecNormalize) and (latest / "vecnormalize.pkl").exists():
            envs = VecNormalize.load(str(latest / "vecnormalize.pkl"), envs.venv)
        # The learning rate and the other settings come from config.yaml, so that a resumed run can go on with
        # other ones (another learning rate, more environments).
        rate = _schedule(config)
        model = ALGORITHMS[config.algo].load(latest / "model.zip", env=envs, device=config.device,
                                             tensorboard_log=str(run / "tensorboard"),
                                             custom_objects={"learning_rate": rate, "lr_schedule": rate},
                                             **_hyperparameters(config))
        if (latest / "replay_buffer.pkl").exists() and hasattr(model, "load_replay_buffer"):
            model.load_replay_buffer(latest / "replay_buffer.pkl")
        envs.reset()  # consumes the seeds (a seeded reset restarts the curriculum), so restore after it
        restore_curriculum(envs, state)
    else:
        model = make_algorithm(config, envs, run / "tensorboard")
        if start is not None:
            start_from(model, envs, start)
    if resume:  # curve rows logged after the checkpoint (all of them when there is none yet) are dropped
        lost = _lost_cpu_s(run / EPISODES_FILE, state["cpu_s"])
        state["lost_cpu_s"] = state.get("lost_cpu_s", 0.0) + lost
        if latest is None:
            warnings.warn(f"{run} has no checkpoint yet: training restarts from step 0 "
                          f"({lost / 3600:.3f} CPU-hours of work before the kill are lost)", stacklevel=2)
        for log, columns in ((EPISODES_FILE, EPISODE_FIELDS), (EVALUATIONS_FILE, EVAL_FIELDS)):
            if (run / log).exists():
                _CsvLog(run / log, columns).truncate_after(state["num_timesteps"])
    remaining = config.total_steps - state["num_timesteps"]
    callback = RunCallback(run, config, state, time_limit_s, cpu_clock(envs))
    schedules: list[BaseCallback] = [EnvSchedule(name, fraction) for name, fraction in fractions.items()]
    if config.critic_warmup_steps:
        schedules.append(CriticWarmup(config.critic_warmup_steps))
    if isinstance(config.algorithm, PPOConfig) and config.algorithm.adaptive_kl is not None:
        schedules.append(AdaptiveLearningRate(config.learning_rate, config.algorithm.adaptive_kl))
    if config.policy_anchor > 0:
        assert isinstance(config.algorithm, PPOConfig)
        schedules.append(PolicyAnchor(start or starting_walker(config), config.policy_anchor,
                                      config.policy_anchor_fade_steps, config.algorithm.batch_size))
    if config.action_bound_penalty > 0:
        assert isinstance(config.algorithm, PPOConfig)
        schedules.append(ActionBoundPenalty(config.action_bound_penalty, config.algorithm.batch_size))
    if remaining > 0:
        with _stop_on_signals(callback):
            model.learn(total_timesteps=remaining, reset_num_timesteps=latest is None,
                        callback=CallbackList([*schedules, callback]), progress_bar=progress, tb_log_name="sb3")
    envs.close()
    return callback.summary(resumed_from=latest.name if latest else None)
