"""Why walkers fall at slow speeds, and whether anything short of training steadies them: the recipe's probes.

    python experiments/slow_walking.py trace WALKER [--speed 0.8] [--episodes 5]
    python experiments/slow_walking.py grid WALKER [--speed 0.8] [--asked 0.55,...,0.8] [--clock 0.8,...,1.1]
    python experiments/slow_walking.py governor WALKER [--speed 0.8] --gain 1 [--tau 1.0] [--shift 0]
    python experiments/slow_walking.py clock WALKER [--speed 0.8] [--sync 1.0 | --offset 10]
    python experiments/slow_walking.py timing WALKER [--speed 0.8]
    python experiments/slow_walking.py amplitude WALKER [--speed 0.8] [--scale 0.8,0.9,1.1,1.2]
    python experiments/slow_walking.py noise WALKER [--speed 0.8] [--std 0.01,0.05,0.1]
    python experiments/slow_walking.py sweep WALKER [WALKER ...] [--speed 0.8]

Every probe runs ``--episodes`` (10 unless said) episodes of 1000 control steps on level ground (``--slope`` for
others), seeds 0, 1, ..., deterministic actions, and prints the episodes that walked 25 s, the mean walking speed
of those (pelvis travel over time, m/s), the mean step length (the feet's fore-aft distance at each heel strike
after the first second, m) and cadence (steps/min), and each episode's length in control steps.

``trace``: the walking speed over each second of each episode (how a fall begins).
``grid``: the walker asked for another speed than the target (its observed target speed) while its gait clock and
feed-forward pattern run at the cadence of a third speed (``--clock``): can input alone make it walk slowly?
``governor``: the observed target speed set by a speed feedback, ``target - shift + gain (target - v)``, v the
centre of mass's forward velocity smoothed with time constant ``tau`` (s).
``clock``: the gait clock pulled ``--sync`` of the way to the heel strike's phase (0 % right, 50 % left) at each heel
strike, or observed ``--offset`` % of a cycle ahead.
``timing``: where the heel strikes fall on the gait clock (histogram of clock phase minus the strike's own phase).
``amplitude``: the feed-forward pattern (the baseline below the residual action) scaled by each ``--scale``.
``noise``: the policy's actions sampled as in training, Gaussian noise of each ``--std`` on the network's output.
``sweep``: the walking count of many walkers at one speed.

The probes reach into the walker's :class:`~synergait.env.imitation.GaitClock` and
:class:`~synergait.env.wrappers.FeedForward` (their cadence is private to them: the library never changes it
within an episode).
"""

from __future__ import annotations

import argparse
import math
import types
from collections.abc import Callable

import gymnasium as gym
import numpy as np

from synergait.env.imitation import GaitClock
from synergait.env.wrappers import FeedForward
from synergait.model.catalog import FORWARD
from synergait.walker import Walker, load_walker

EPISODE_STEPS = 1000
TOLERANCE_M_S = 0.15
#: Heel strikes of the first second (the landing from the reset pose) are left out of the step lengths, s.
SETTLING_S = 1.0


def _wrappers(env: gym.Env, kind: type) -> list:
    found = []
    while isinstance(env, gym.Wrapper):
        if isinstance(env, kind):
            found.append(env)
        env = env.env
    return found


def _set_cadence(env: gym.Env, speed_m_s: float) -> None:
    """Run the gait clock and the feed-forward pattern at the cadence the stride scaling gives ``speed_m_s``."""
    period_s = env.unwrapped.control_period_s
    for clock in _wrappers(env, GaitClock):
        clock._advance = period_s / clock.scaling.stride_s(clock.stride_s, speed_m_s) * 100.0
    for feed in _wrappers(env, FeedForward):
        feed._period = period_s / feed.scaling.stride_s(feed.stride_s, speed_m_s) * 100.0


def rollouts(walker: Walker, speed: float, slope: float, episodes: int, *,
             asked: Callable[[float], float] | None = None, clock_speed: float | None = None,
             tau_s: float = 1.0, setup: Callable[[gym.Env], None] | None = None,
             per_second: bool = False, noise_std: float = 0.0) -> dict:
    """Episodes at ``speed`` m/s on ``slope`` degrees. ``asked(v)`` gives the observed target speed from the
    smoothed forward velocity v; ``clock_speed`` sets the clock's cadence after each reset; ``noise_std`` adds
    Gaussian noise to the network's action before the clip to the action bounds (as a PPO policy's sampling does)."""
    env = walker.make_env(speed_m_s=speed, slope_deg=slope)
    body, period_s = env.unwrapped.body, env.unwrapped.control_period_s
    target_index = list(env.get_wrapper_attr("observation_labels")).index("target_speed")
    if setup is not None:
        setup(env)
    smoothing = period_s / tau_s
    steps, speeds, seconds, step_lengths, step_times = [], [], [], [], []
    for seed in range(episodes):
        observation, _ = env.reset(seed=seed)
        rng = np.random.default_rng(seed)
        if clock_speed is not None:
            _set_cadence(env, clock_speed)
        x = [float(body.pelvis_position() @ FORWARD)]
        velocity, last_strike_s = speed, None
        for _ in range(EPISODE_STEPS):
            if asked is not None:
                observation = observation.copy()
                observation[target_index] = asked(velocity)
            if noise_std:
                mean = walker.action_mean(observation)
                action = np.clip(mean + rng.normal(0.0, noise_std, mean.shape), walker.action_low,
                                 walker.action_high).astype(np.float32)
            else:
                action = walker.act(observation)
            observation, _, terminated, truncated, info = env.step(action)
            velocity += smoothing * (float(body.com_velocity() @ FORWARD) - velocity)
            if info.get("heel_strike") is not None and len(x) * period_s > SETTLING_S:
                feet = body.feet_position() @ FORWARD
                step_lengths.append(abs(float(feet[0] - feet[1])))
                if last_strike_s is not None:
                    step_times.append(body.time_s - last_strike_s)
                last_strike_s = body.time_s
            x.append(float(body.pelvis_position() @ FORWARD))
            if terminated or truncated:
                break
        steps.append(len(x) - 1)
        speeds.append((x[-1] - x[0]) / ((len(x) - 1) * period_s))
        per = round(1.0 / period_s)
        seconds.append([(x[min(i + per, len(x) - 1)] - x[i]) / ((min(i + per, len(x) - 1) - i) * period_s)
                        for i in range(0, len(x) - 1, per)] if per_second else [])
    walked = [s for s, n in zip(speeds, steps, strict=True) if n == EPISODE_STEPS]
    return {"steps": steps, "speeds": speeds, "walked": len(walked), "seconds": seconds,
            "within": sum(abs(s - speed) <= TOLERANCE_M_S for s in walked),
            "walked_speed": float(np.mean(walked)) if walked else float("nan"),
            "step_length_m": float(np.mean(step_lengths)) if step_lengths else float("nan"),
            "cadence_per_min": 60.0 / float(np.mean(step_times)) if step_times else float("nan")}


def _line(label: str, result: dict, episodes: int) -> str:
    return (f"{label}: walked 25 s {result['walked']}/{episodes} at {result['walked_speed']:.2f} m/s "
            f"({result['within']} within ±{TOLERANCE_M_S}); steps of {result['step_length_m']:.3f} m at "
            f"{result['cadence_per_min']:.0f}/min; control steps {result['steps']}")


def _floats(text: str) -> list[float]:
    return [float(v) for v in text.split(",")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("probe", choices=["trace", "grid", "governor", "clock", "timing", "amplitude",
                                          "noise", "sweep"])
    parser.add_argument("walkers", nargs="+")
    parser.add_argument("--speed", type=float, default=0.8, help="target speed, m/s")
    parser.add_argument("--slope", type=float, default=0.0, help="degrees")
    parser.add_argument("--episodes", type=int, default=10)
    parser.add_argument("--asked", default="0.55,0.6,0.65,0.7,0.75,0.8", help="grid: observed target speeds, m/s")
    parser.add_argument("--clock", default="0.8,0.85,0.9,0.95,1.0,1.1", help="grid: clock cadences as at, m/s")
    parser.add_argument("--gain", type=float, default=1.0)
    parser.add_argument("--tau", type=float, default=1.0, help="governor: smoothing time constant, s")
    parser.add_argument("--shift", type=float, default=0.0, help="governor: m/s below the target")
    parser.add_argument("--sync", type=float, default=0.0, help="clock: fraction of the phase error removed")
    parser.add_argument("--offset", type=float, default=0.0, help="clock: observed phase ahead, %% of a cycle")
    parser.add_argument("--scale", default="0.8,0.9,1.1,1.2", help="amplitude: factors on the feed-forward pattern")
    parser.add_argument("--std", default="0.01,0.05,0.1", help="noise: std of the action noise")
    args = parser.parse_args()
    walker, n = load_walker(args.walkers[0]), args.episodes
    if args.probe == "trace":
        result = rollouts(walker, args.speed, args.slope, n, per_second=True)
        for seed, (steps, seconds) in enumerate(zip(result["steps"], result["seconds"], strict=True)):
            print(f"seed {seed}: {steps} steps; m/s per second: " + " ".join(f"{v:.2f}" for v in seconds))
    elif args.probe == "grid":
        for clock in _floats(args.clock):
            for asked in _floats(args.asked):
                result = rollouts(walker, args.speed, args.slope, n, asked=lambda v, a=asked: a, clock_speed=clock)
                print(_line(f"asked {asked} m/s, clock as at {clock} m/s", result, n))
    elif args.probe == "governor":
        def asked(v: float) -> float:
            return float(np.clip(args.speed - args.shift + args.gain * (args.speed - v), 0.5, 1.8))
        result = rollouts(walker, args.speed, args.slope, n, asked=asked, tau_s=args.tau)
        print(_line(f"governor gain {args.gain}, tau {args.tau} s, shift {args.shift} m/s", result, n))
    elif args.probe == "clock":
        result = rollouts(walker, args.speed, args.slope, n, setup=lambda env: _adjust_clock(env, args.sync,
                                                                                             args.offset))
        print(_line(f"clock sync {args.sync}, offset {args.offset} %", result, n))
    elif args.probe == "timing":
        errors: list[float] = []
        rollouts(walker, args.speed, args.slope, n, setup=lambda env: _adjust_clock(env, 0.0, 0.0, errors))
        counts, _ = np.histogram(errors, bins=10, range=(-50, 50))
        print(f"clock phase minus the strike's phase at {len(errors)} heel strikes, % of a cycle, "
              f"bins of 10 from -50 to 50: {counts.tolist()}")
    elif args.probe == "amplitude":
        for scale in _floats(args.scale):
            result = rollouts(walker, args.speed, args.slope, n, setup=lambda env, s=scale: _scale_pattern(env, s))
            print(_line(f"feed-forward x {scale}", result, n))
    elif args.probe == "noise":
        for std in _floats(args.std):
            print(_line(f"action noise std {std}", rollouts(walker, args.speed, args.slope, n, noise_std=std), n))
    else:
        for path in args.walkers:
            print(_line(path, rollouts(load_walker(path), args.speed, args.slope, n), n))


def _scale_pattern(env: gym.Env, scale: float) -> None:
    """Scale each leg's feed-forward pattern by ``scale``."""
    for feed in _wrappers(env, FeedForward):
        feed._patterns = tuple(scale * pattern for pattern in feed._patterns)


def _adjust_clock(env: gym.Env, sync: float, offset: float, errors: list[float] | None = None) -> None:
    """Pull the gait clock ``sync`` of the way to each heel strike's phase, observe it ``offset`` % ahead, and
    collect the phase errors at the strikes into ``errors``."""
    (clock,) = _wrappers(env, GaitClock)

    def step(self: GaitClock, action: np.ndarray) -> tuple:
        observation, reward, terminated, truncated, info = self.env.step(action)
        self.gait_phase_percent = (self.gait_phase_percent + self._advance) % 100.0
        strike = info.get("heel_strike")
        if strike is not None:
            error = (self.gait_phase_percent - (0.0 if strike == "right" else 50.0) + 50.0) % 100.0 - 50.0
            if errors is not None:
                errors.append(error)
            self.gait_phase_percent = (self.gait_phase_percent - sync * error) % 100.0
        info["gait_phase_percent"] = self.gait_phase_percent
        return self._observe(observation), reward, terminated, truncated, info

    def observe(self: GaitClock, observation: np.ndarray) -> np.ndarray:
        angle = 2 * math.pi * (self.gait_phase_percent + offset) / 100.0
        return np.append(observation, [math.sin(angle), math.cos(angle)]).astype(np.float32)

    clock.step = types.MethodType(step, clock)
    clock._observe = types.MethodType(observe, clock)


if __name__ == "__main__":
    main()
