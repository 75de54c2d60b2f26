"""Distilling a walker into another action space: behaviour cloning, then DAgger (Ross et al. 2011).

A walker (the teacher) labels the states a student visits with the student action nearest to the teacher's muscle
excitations: for a synergy-space student the synergy command from a bounded least-squares fit on its basis (per
leg; the trunk muscles as they are), for an every-muscle student the excitations themselves; either way expressed
as the student's action (its residual around its own feed-forward, in its mirrored frame when mirroring). How much
of the teacher's excitation the student's action keeps is the labels' VAF (1 for an every-muscle student but where
its residual's range clips). Iteration 0 is behaviour cloning: the teacher drives (its labelled actions are what
the student's env executes); each later iteration the student drives and the teacher labels the states it
reaches; the data sets accumulate and the student is refitted on all of them. Other teachers may label the
uphill and the downhill (from where the ground ahead of the walker is pitched ``uphill_from_deg`` up, or
``downhill_from_deg`` down, or more, to the episode's end): walkers of one action space, each good on its own
ground, become one student.

The student is a plain network (:class:`~synergait.walker.policy.MlpWalker`: the run's ``net_arch``, ReLU, its
observations normalised), so it can start a training run in its action space (``init_policy``).
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass

import gymnasium as gym
import numpy as np
import torch
from rich.console import Console
from rich.progress import track

from synergait.env import make_walk_env
from synergait.env.wrappers import FeedForward, PhaseMirroring, ResidualAction, SynergyAction, muscle_excitations
from synergait.errors import ParameterError
from synergait.model.catalog import FORWARD
from synergait.train.config import TrainConfig
from synergait.train.export import layer_arrays
from synergait.walker.policy import MlpWalker, NetworkSpec

#: The student's observation normalisation (SB3 VecNormalize's defaults).
CLIP_OBSERVATION, EPSILON = 10.0, 1e-8
#: How far ahead of the pelvis (m) the ground decides which teacher labels: about where the next foot lands.
SLOPE_LOOKAHEAD_M = 0.5
#: Targets below this (m/s; the evaluation's centre speed) are those a slow command shift recalibrates.
SLOW_FROM_M_S = 1.2
#: The teachers' roles: the first walker, and those of the uphill and the downhill.
TEACHER_ROLES = ("teacher", "uphill_teacher", "downhill_teacher")


def _wrapper(env: gym.Env, kind: type) -> gym.Wrapper | None:
    """The first wrapper of type ``kind`` in ``env``'s chain."""
    while isinstance(env, gym.Wrapper):
        if isinstance(env, kind):
            return env
        env = env.env
    return None


class ActionLayers:
    """An env's action wrappers between a policy's action (body frame) and the muscle excitations."""

    def __init__(self, env: gym.Env) -> None:
        self.residual: ResidualAction | None = _wrapper(env, ResidualAction)  # type: ignore[assignment]
        self.feed_forward: FeedForward | None = _wrapper(env, FeedForward)  # type: ignore[assignment]
        self.synergy: SynergyAction | None = _wrapper(env, SynergyAction)  # type: ignore[assignment]
        self.mirror = env.get_wrapper_attr("mirror_action")
        self._commanded = self.residual.env if self.residual is not None else env  # what a command is an action of

    def excitations(self, action: np.ndarray) -> np.ndarray:
        """The muscle excitations ``action`` commands now, shape ``(n_muscles,)``."""
        space: gym.spaces.Box = self._commanded.action_space  # type: ignore[assignment]
        command = (self.residual.command(action) if self.residual is not None
                   else np.clip(action, space.low, space.high))
        return np.clip(muscle_excitations(self._commanded, command), 0.0, 1.0)

    def action_for(self, excitations: np.ndarray) -> np.ndarray:
        """The action whose command is nearest ``excitations`` now (synergies: bounded least squares)."""
        command = self.synergy.command_for(excitations) if self.synergy is not None else excitations
        return self.residual.action_for(command) if self.residual is not None else command


def variance_accounted_for(residual_ss: float, total_ss: float) -> float:
    """1 - residual / total sum of squares (nan before any label)."""
    return 1.0 - residual_ss / total_ss if total_ss > 0 else float("nan")


def _balanced(groups: np.ndarray) -> np.ndarray:
    """Per-sample weights (mean 1) under which every group present weighs alike, shape ``groups.shape``."""
    present, index, counts = np.unique(groups, return_inverse=True, return_counts=True)
    return (len(groups) / (len(present) * counts))[index]


class Labeller:
    """The student action nearest to the teacher's, for the state the student's env is in now.

    A teacher acting in the student's action space (:attr:`same_action_space`) labels with its own action: any
    action that commands the same excitations would do (clipped excitations have many), and the teacher's own
    is the one its network computes, so a student can copy that network exactly.

    Args:
        teacher: a walker in the student's environment settings, in any action space.
        student_env: the student's env: its wrappers give the frame, the feed-forward phase and the action layout.
    """

    def __init__(self, teacher: MlpWalker, student_env: gym.Env) -> None:
        self.teacher = teacher
        self._mirroring: PhaseMirroring | None = _wrapper(student_env, PhaseMirroring)  # type: ignore[assignment]
        self._student = ActionLayers(student_env)
        self._teacher = ActionLayers(teacher.make_env())  # lends its action layers; never stepped
        if (self._teacher.feed_forward is None) != (self._student.feed_forward is None):
            raise ParameterError("teacher", f"'{teacher.name}' and its student differ in env.action.feed_forward")
        self.same_action_space = self._same_action_space(student_env)
        self.residual_ss = self.total_ss = 0.0

    def _same_action_space(self, student_env: gym.Env) -> bool:
        """Whether the teacher's actions mean what the student's do (one controller, one basis, one way of acting)."""
        if student_env.unwrapped.config.acting() != self.teacher.spec.env.acting():
            return False
        teacher, student = self._teacher.synergy, self._student.synergy
        if teacher is None or student is None:
            return teacher is student
        return all(a.muscles == b.muscles and np.array_equal(a.weights, b.weights)
                   for a, b in ((teacher.right_basis, student.right_basis), (teacher.left_basis, student.left_basis)))

    @property
    def vaf(self) -> float:
        """Variance of the teacher's excitations accounted for by the student's labels since the last reset of the
        sums (nan before any label)."""
        return variance_accounted_for(self.residual_ss, self.total_ss)

    def _mirrored(self) -> bool:
        return self._mirroring is not None and self._mirroring.mirrored

    def label(self, observation: np.ndarray) -> np.ndarray:
        """The student's action (in its own frame) nearest to the teacher's command for ``observation``."""
        action = self.teacher.act(observation)
        body_action = self._teacher.mirror(action) if self._mirrored() else action
        if self._teacher.feed_forward is not None and self._student.feed_forward is not None:
            self._teacher.feed_forward.phase_percent = self._student.feed_forward.phase_percent.copy()
        excitations = self._teacher.excitations(body_action)  # body frame, shape (n_muscles,)
        if not self.same_action_space:
            body_action = self._student.action_for(excitations)
            action = self._student.mirror(body_action) if self._mirrored() else body_action
        self.residual_ss += float(np.sum((self._student.excitations(body_action) - excitations) ** 2))
        self.total_ss += float(np.sum(excitations**2))
        return action.astype(np.float32)


class StudentNetwork(torch.nn.Module):
    """A ReLU perceptron from normalised observations to actions, fitted by mean squared error."""

    def __init__(self, sizes: list[int], low: np.ndarray, high: np.ndarray) -> None:
        super().__init__()
        self.layers = torch.nn.ModuleList(torch.nn.Linear(a, b) for a, b in itertools.pairwise(sizes))
        self.low, self.high = low, high
        self.obs_mean, self.obs_var = np.zeros(sizes[0]), np.ones(sizes[0])
        self.fixed_normalisation = False

    @classmethod
    def copy_of(cls, walker: MlpWalker, low: np.ndarray, high: np.ndarray) -> StudentNetwork:
        """A network acting as ``walker`` does (a ReLU policy, observations normalised), its observation
        normalisation kept through every refit, so that it stays the walker wherever the labels agree."""
        network = walker.network
        if network.activation != "relu" or not network.normalize_observations or network.output != "clip" or (
                network.clip_observation, network.epsilon) != (CLIP_OBSERVATION, EPSILON):
            raise ParameterError("teacher", f"'{walker.name}' is not a ReLU policy on normalised observations: a "
                                            "student cannot start as its copy")
        student = cls([walker.layers[0][0].shape[1], *(w.shape[0] for w, _ in walker.layers)], low, high)
        with torch.no_grad():
            for layer, (weight, bias) in zip(student.layers, walker.layers, strict=True):
                layer.weight.copy_(torch.as_tensor(weight))
                layer.bias.copy_(torch.as_tensor(bias))
        student.obs_mean, student.obs_var = walker.obs_mean.copy(), walker.obs_var.copy()
        student.fixed_normalisation = True
        return student

    def forward(self, observations: np.ndarray) -> torch.Tensor:
        normalised = np.clip((observations - self.obs_mean) / np.sqrt(self.obs_var + EPSILON),
                             -CLIP_OBSERVATION, CLIP_OBSERVATION)
        x = torch.as_tensor(normalised, dtype=torch.float32)
        for layer in self.layers[:-1]:
            x = torch.relu(layer(x))
        return self.layers[-1](x)

    def act(self, observation: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            return np.clip(self(observation[None])[0].numpy(), self.low, self.high)

    def fit(self, observations: np.ndarray, labels: np.ndarray, weights: np.ndarray | None = None, *, epochs: int,
            batch_size: int, learning_rate: float, seed: int) -> float:
        """Refit on the whole data set (normalisation statistics included unless fixed); returns the final mean
        squared error of the actions executed (the output clipped to the action bounds), each label weighted by
        ``weights`` (shape ``(n_labels,)``, mean 1; None: alike)."""
        if not self.fixed_normalisation:
            self.obs_mean, self.obs_var = observations.mean(axis=0), observations.var(axis=0)
        targets = torch.as_tensor(labels)
        weight = torch.ones(len(labels)) if weights is None else torch.as_tensor(weights, dtype=torch.float32)
        optimiser = torch.optim.Adam(self.parameters(), lr=learning_rate)
        generator = torch.Generator().manual_seed(seed)
        for _ in range(epochs):
            for rows in torch.randperm(len(labels), generator=generator).split(batch_size):
                error = self._executed_error(observations[rows.numpy()], targets[rows])
                loss = torch.mean(weight[rows, None] * error**2)
                optimiser.zero_grad()
                loss.backward()
                optimiser.step()
        with torch.no_grad():
            return float(torch.mean(weight[:, None] * self._executed_error(observations, targets) ** 2))

    def _executed_error(self, observations: np.ndarray, targets: torch.Tensor) -> torch.Tensor:
        """Output minus label, zero where both lie at or beyond the same action bound (the clip executes the label
        there: a copied PPO policy's means beyond its bounds stay as they are)."""
        output = self(observations)
        low, high = torch.as_tensor(self.low), torch.as_tensor(self.high)
        executed = ((targets >= high) & (output >= high)) | ((targets <= low) & (output <= low))
        return torch.where(executed, 0.0, output - targets)

    def arrays(self) -> dict[str, np.ndarray]:
        """The weights as a walker stores them (``w0, b0, ...``, ``obs_mean``, ``obs_var``)."""
        return {**layer_arrays(list(self.layers)), "obs_mean": self.obs_mean.astype(np.float64),
                "obs_var": self.obs_var.astype(np.float64)}


@dataclass
class DistillationRound:
    """One iteration: who drove, its episodes' control steps (the last one cut at the iteration's budget), target
    speeds (m/s) and labelling teachers (one of :data:`TEACHER_ROLES`: who labelled where each episode ended), the
    labels' VAF, the data set's size after it and the student's mean squared action error on all of it."""

    iteration: int
    driver: str
    episode_steps: list[int]
    episode_speeds_m_s: list[float]
    episode_teachers: list[str]
    vaf: float
    samples: int
    loss: float


def student_config(teacher: MlpWalker, controller: str | None = None, basis: str | None = None,
                   **changes: object) -> TrainConfig:
    """The teacher's own training configuration with the student's ``controller`` (default: the other one than
    the teacher's), ``basis`` (synergy students; None for the shipped one) and the teacher's mirroring: a student
    in the teacher's environment, starting from no walker (no ``init_policy``, critic warm-up or anchor)."""
    if not isinstance(teacher, MlpWalker):
        raise ParameterError("teacher", f"'{teacher.name}' is a baseline walker, not a trained policy")
    controller = controller or ("independent" if teacher.controller == "synergy" else "synergy")
    if controller not in ("independent", "synergy"):
        raise ParameterError("controller", f"must be 'independent' or 'synergy', got '{controller}'")
    # The student starts from no walker, so the teacher's ties to its own start walker go too.
    fresh_start = {"init_policy": None, "critic_warmup_steps": 0, "policy_anchor": 0.0,
                   "policy_anchor_fade_steps": None}
    raw = {**teacher.training, "controller": controller, "basis": basis if controller == "synergy" else None,
           "mirroring": teacher.spec.mirrored, **fresh_start, **changes}
    try:
        return TrainConfig.model_validate(raw)
    except ValueError as exc:
        raise ParameterError("teacher", f"'{teacher.name}': its training configuration does not make a student's "
                                        f"({' '.join(str(exc).split())[:200]})") from None


class Distiller:
    """Behaviour cloning then DAgger from a teacher into a student in another action space.

    Args:
        config: the student's run configuration: its controller (and basis) and mirroring, the teacher's
            acting settings (:meth:`WalkConfig.acting`), episode settings (the teacher's, or another task's:
            :meth:`WalkConfig.with_episodes_of`), ``net_arch`` and ``seed``. Its episodes are the task a walker is
            judged on: they end at a fall or the episode's length, never at an imitation's early termination (a
            predictive teacher has left the reference behind; the student is to learn what it does walking on).
        iterations: iterations, the first one behaviour cloning (the teacher drives).
        steps_per_iteration: control steps collected per iteration.
        epochs, batch_size, learning_rate: the refit of the student after each iteration (Adam, squared error).
        action_noise: standard deviation of Gaussian noise added to the driver's action (in the student's action
            units) while collecting, never to the labels (DART, Laskey et al. 2017): the data then hold the states a
            perturbed walker reaches and the teacher's way back from them (where the teacher itself recovers:
            measured on a synergy teacher driven on every muscle, it walks through 0.01, not 0.02).
        uphill_from_deg: with an ``uphill_teacher`` in :meth:`fit`, the pitch (degrees) of the ground
            ``SLOPE_LOOKAHEAD_M`` ahead of the pelvis from which it labels the rest of an episode (and drives it, in
            behaviour cloning); the level approach to a slope stays the teacher's.
        downhill_from_deg: the same for a ``downhill_teacher``, the ground pitched down by this many degrees or
            more.
        downhill_command_shift: m/s per degree of downhill grade: on a slope of grade g < 0 the teacher labels each
            state as if asked for the target speed minus ``downhill_command_shift * |g|`` (the student still
            observes the real target). A walker that overshoots its target downhill by a steady offset, and walks
            steadily at the target when asked for less, becomes a student that walks the target it is given;
            a walker distilled into its own action space this way is a copy recalibrated downhill.
        slow_command_shift: m/s per m/s of target speed below ``SLOW_FROM_M_S``: there the teacher labels each
            state as if asked for the target minus ``slow_command_shift * (SLOW_FROM_M_S - target)`` (the same
            recalibration for a walker that overshoots slow targets).
        start_from_teacher: the student starts as a copy of the first teacher (which must act in the student's
            action space with the student's ``net_arch``), observation normalisation included and kept: it then
            departs from the teacher only where the labels (the other teachers', on their slopes) ask it to, rather
            than refitting all of the teacher's behaviour with a fit's error (best with a small ``learning_rate``).
        balance_teachers: each teacher's labels weigh alike in the refits, however few of the states its ground
            holds (slope teachers label only past the level approach, and the student falls there soonest).

    Attributes (after :meth:`fit`): ``student_`` (an :class:`MlpWalker`), ``history_`` (one
    :class:`DistillationRound` per iteration), ``cpu_hours_``.
    """

    def __init__(self, config: TrainConfig, *, iterations: int = 6, steps_per_iteration: int = 20_000,
                 epochs: int = 10, batch_size: int = 256, learning_rate: float = 1e-3,
                 action_noise: float = 0.0, uphill_from_deg: float = 2.0, downhill_from_deg: float = 2.0,
                 downhill_command_shift: float = 0.0, slow_command_shift: float = 0.0,
                 start_from_teacher: bool = False,
                 balance_teachers: bool = False) -> None:
        for name, value in (("iterations", iterations), ("steps_per_iteration", steps_per_iteration),
                            ("epochs", epochs), ("batch_size", batch_size)):
            if value < 1:
                raise ParameterError(name, f"must be at least 1, got {value}")
        for name, value in (("action_noise", action_noise), ("downhill_from_deg", downhill_from_deg),
                            ("downhill_command_shift", downhill_command_shift),
                            ("slow_command_shift", slow_command_shift)):
            if value < 0:
                raise ParameterError(name, f"must be at least 0, got {value}")
        if not learning_rate > 0:
            raise ParameterError("learning_rate", f"must be above 0, got {learning_rate}")
        self.config, self.iterations, self.steps_per_iteration = config, iterations, steps_per_iteration
        self.epochs, self.batch_size, self.learning_rate = epochs, batch_size, learning_rate
        self.action_noise, self.uphill_from_deg = action_noise, uphill_from_deg
        self.downhill_from_deg, self.downhill_command_shift = downhill_from_deg, downhill_command_shift
        self.slow_command_shift = slow_command_shift
        self.start_from_teacher, self.balance_teachers = start_from_teacher, balance_teachers

    def fit(self, teacher: MlpWalker, progress: bool = False, *, uphill_teacher: MlpWalker | None = None,
            downhill_teacher: MlpWalker | None = None) -> Distiller:
        """Distil ``teacher`` (any controller; the student's acting settings and mirroring) on the student's
        episodes, with ``uphill_teacher`` and ``downhill_teacher`` (the same) labelling them from where they climb
        ``uphill_from_deg`` or descend ``downhill_from_deg``."""
        config = self.config
        teachers = {role: walker for role, walker in zip(TEACHER_ROLES, (teacher, uphill_teacher, downhill_teacher),
                                                          strict=True) if walker is not None}
        for role, walker in teachers.items():
            if walker.spec.env.acting() != config.env.acting() or walker.spec.mirrored != config.spec.mirrored:
                raise ParameterError(role, f"'{walker.name}' acts in other environment settings or mirroring than "
                                           "the student's (its episodes may differ)")
        start = time.process_time()
        torch.manual_seed(config.seed)
        torch.set_num_threads(config.torch_threads)  # as the trainer: more threads collapse beside other work
        env = make_walk_env(config.controller, basis=config.basis, mirroring=config.spec.mirrored,
                            config=config.env, training=False)
        target_index = env.unwrapped.observation_labels.index("target_speed")
        labellers = {role: Labeller(walker, env) for role, walker in teachers.items()}
        student = self._start(teacher, labellers["teacher"], env)
        observations: list[np.ndarray] = []
        labels: list[np.ndarray] = []
        labelled_by: list[str] = []  # each label's teacher's role
        self.history_: list[DistillationRound] = []
        noise = np.random.default_rng(config.seed)
        seed: int | None = config.seed  # the first reset only: later ones go on through the speed curriculum
        for iteration in track(range(self.iterations), description="distilling", disable=not progress,
                               console=Console(stderr=True)):
            driver = "teacher" if iteration == 0 else "student"
            for labeller in labellers.values():
                labeller.residual_ss = labeller.total_ss = 0.0
            lengths: list[int] = []
            speeds: list[float] = []
            roles: list[str] = []
            collected = 0
            while collected < self.steps_per_iteration:
                observation, _ = env.reset(seed=seed)
                seed = None
                target_speed = float(env.unwrapped.target_speed)
                speeds.append(target_speed)
                terrain, body = env.unwrapped.terrain, env.unwrapped.body
                command_shift = (self.downhill_command_shift * max(0.0, -terrain.grade_deg)
                                 + self.slow_command_shift * max(0.0, SLOW_FROM_M_S - target_speed))
                length, done, role = 0, False, "teacher"
                while not done and collected < self.steps_per_iteration:
                    if role == "teacher" and len(labellers) > 1:
                        role = self._slope_role(terrain.pitch_deg_at(float(body.pelvis_position() @ FORWARD)
                                                                     + SLOPE_LOOKAHEAD_M), labellers)
                    asked = observation
                    if command_shift:
                        asked = observation.copy()
                        asked[target_index] -= command_shift
                    label = labellers[role].label(asked)
                    observations.append(observation.astype(np.float32))
                    labels.append(label)
                    labelled_by.append(role)
                    action = label if driver == "teacher" else student.act(observation)
                    if self.action_noise > 0:
                        action = np.clip(action + self.action_noise * noise.standard_normal(action.shape),
                                         env.action_space.low, env.action_space.high)
                    observation, _, terminated, truncated, _ = env.step(action)
                    done = terminated or truncated
                    length += 1
                    collected += 1
                lengths.append(length)
                roles.append(role)
            weights = _balanced(np.array(labelled_by)) if self.balance_teachers else None
            loss = student.fit(np.array(observations), np.array(labels), weights, epochs=self.epochs,
                               batch_size=self.batch_size, learning_rate=self.learning_rate, seed=config.seed)
            vaf = variance_accounted_for(sum(labeller.residual_ss for labeller in labellers.values()),
                                         sum(labeller.total_ss for labeller in labellers.values()))
            self.history_.append(DistillationRound(iteration, driver, lengths, speeds, roles, vaf, len(labels),
                                                    loss))
        env.close()
        self.cpu_hours_ = (time.process_time() - start) / 3600.0
        network = NetworkSpec(activation="relu", output="clip", normalize_observations=True,
                              clip_observation=CLIP_OBSERVATION, epsilon=EPSILON)
        from_deg = {"uphill_teacher": self.uphill_from_deg, "downhill_teacher": -self.downhill_from_deg}
        slope_teachers = {role: {"name": walker.name, "from_deg": from_deg[role], **walker.meta}
                          for role, walker in teachers.items() if role != "teacher"}
        meta = {"distilled_from": teacher.name, "teacher": teacher.meta, **slope_teachers, "seed": config.seed,
                "iterations": self.iterations, "steps_per_iteration": self.steps_per_iteration,
                "action_noise": self.action_noise, "downhill_command_shift_m_s_per_deg": self.downhill_command_shift,
                "slow_command_shift": self.slow_command_shift,
                "start_from_teacher": self.start_from_teacher, "balance_teachers": self.balance_teachers,
                "learning_rate": self.learning_rate,
                "vaf_last_iteration": round(self.history_[-1].vaf, 4), "cpu_hours": round(self.cpu_hours_, 4)}
        self.student_ = MlpWalker("distilled", config.spec, network, student.arrays(), meta,
                                  config.model_dump(mode="json"))
        return self

    def _start(self, teacher: MlpWalker, labeller: Labeller, env: gym.Env) -> StudentNetwork:
        """The student before the first fit: a fresh network, or the teacher's copy."""
        low, high = env.action_space.low, env.action_space.high
        if not self.start_from_teacher:
            return StudentNetwork([env.observation_space.shape[0], *self.config.net_arch, env.action_space.shape[0]],
                                  low, high)
        hidden = [weight.shape[0] for weight, _ in teacher.layers[:-1]]
        if not labeller.same_action_space or hidden != list(self.config.net_arch):
            raise ParameterError("start_from_teacher", f"'{teacher.name}' acts in another action space or network "
                                                       f"(hidden layers {hidden}) than the student's")
        return StudentNetwork.copy_of(teacher, low, high)

    def _slope_role(self, pitch_deg: float, labellers: dict[str, Labeller]) -> str:
        """Who labels where the ground just ahead is pitched ``pitch_deg`` (degrees, up positive)."""
        if "uphill_teacher" in labellers and pitch_deg >= self.uphill_from_deg:
            return "uphill_teacher"
        if "downhill_teacher" in labellers and pitch_deg <= -self.downhill_from_deg:
            return "downhill_teacher"
        return "teacher"
