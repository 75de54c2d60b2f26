"""Configuration of the walking environment: every constant of the paper's environment and reward.

Defaults are the paper's (SPEC "The paper's method, as numbers"). The paper does not publish its reward
*weights*; synergait's defaults below are documented choices, signed as they enter the sum.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from synergait.data.events import HEEL_STRIKE_THRESHOLD_N
from synergait.fileio import read_yaml_model
from synergait.model.terrain import SLOPE_START_M, level_tiles

#: The paper's deterministic speed curriculum, one value per episode, repeating.
PAPER_SPEED_CURRICULUM = tuple(round(0.7 + 0.1 * i, 1) for i in range(10)) + tuple(
    round(1.6 - 0.1 * i, 1) for i in range(10))


def drop_retired(raw: object, retired: dict[str, Callable[[object], bool]]) -> object:
    """Remove options that synergait no longer has from a raw configuration mapping (files written before they
    were removed: runs, shipped walkers) when they hold a value that means "off" (``retired[name](value)``);
    an option that was on is refused, since its behaviour is gone."""
    if not isinstance(raw, dict):
        return raw
    kept = dict(raw)
    for name, is_off in retired.items():
        if name in kept and not is_off(kept.pop(name)):
            raise ValueError(f"option '{name}' was removed from synergait (docs/walking-recipe.md has what it "
                             "did and measured); this configuration turns it on")
    return kept


def _is(expected: object) -> Callable[[object], bool]:
    return lambda value: value == expected


def _anything(value: object) -> bool:
    return True


class RewardConfig(BaseModel):
    """R = w_vel R_vel + w_effort R_effort + w_rom R_rom + w_fall R_fall (weights carry their sign)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    w_vel: float = 1.0
    w_effort: float = -0.02
    w_rom: float = -1.0
    w_fall: float = -10.0
    c: float = 0.06
    delta_m_s: float = 0.05
    sigma_vx_m_s: float = 0.07
    sigma_vz_m_s: float = 0.10
    sigma_omega_rad_s: tuple[float, float, float] = (0.60, 0.65, 1.40)
    lumbar_min_deg: float = -20.0
    lumbar_max_deg: float = 10.0
    #: Quality conditioning (not in the paper; off by default): R_quality = -(CCI - target)^2, CCI the mean
    #: instantaneous co-contraction index (Falconer & Winter) of the legs' agonist/antagonist pairs, as a fraction.
    #: A positive weight with a high target trains "bound" walking, with a low target "free" walking.
    w_quality: float = 0.0
    cocontraction_target: float = 0.0

    @model_validator(mode="before")
    @classmethod
    def _retired(cls, raw: object) -> object:
        return drop_retired(raw, {"w_step": _is(0.0), "step_length_cap_m": _anything, "w_alive": _is(0.0)})


class ActionConfig(BaseModel):
    """How the policy's action becomes the controller's command (CPU-training levers; the paper: ``residual``
    off, the action is the excitation or synergy activation itself, clipped to [0, 1]).

    With ``residual`` on, the action lives in [-1, 1] and is an offset from a baseline command:
    ``command = clip(baseline + residual_scale * action, 0, 1)``, so that a zero action (where a fresh Gaussian
    policy starts) means the baseline, not a mid-range excitation of every muscle. The baseline is
    ``baseline_excitation`` for every command or, with ``feed_forward``, each leg's command from a human gait
    pattern at that leg's gait-cycle phase (time since its last simulated heel strike over the pattern's stride;
    trunk muscles keep ``baseline_excitation``).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    residual: bool = False
    residual_scale: float = Field(0.5, gt=0)
    baseline_excitation: float = Field(0.05, ge=0, le=1)
    feed_forward: bool = False
    #: GaitPattern .npz for the feed-forward (None: the shipped Rajagopal 2016 pattern).
    pattern: str | None = None
    #: At reset, the muscles start at the baseline's excitation (with ``feed_forward``: the human pattern at the
    #: reset pose's phase) instead of at rest.
    start_active: bool = False
    #: Upper bound of a synergy activation (synergy controller; the paper's range is [0, 1]). The basis's synergies
    #: peak at 1, so at 1 muscles whose activity the basis shares among synergies cannot be fully excited.
    synergy_ceiling: float = Field(1.0, ge=1)

    @model_validator(mode="before")
    @classmethod
    def _retired(cls, raw: object) -> object:
        return drop_retired(raw, {"observe_phase": _is(False), "contralateral_phase_percent": _is(None)})

    @model_validator(mode="after")
    def _feed_forward_is_a_baseline(self) -> ActionConfig:
        if self.feed_forward and not self.residual:
            raise ValueError("feed_forward is the baseline of a residual action: set residual: true as well")
        return self


def _ramp(step: float, after_steps: int, steps: int) -> float:
    """0 until training step ``after_steps`` of a run, then rising linearly to 1 ``steps`` later (the schedules'
    shape)."""
    return min(1.0, max(0.0, (step - after_steps) / steps))


class ImitationConfig(BaseModel):
    """Imitation of a human gait cycle (a training stage, not the paper's task; see :mod:`synergait.env.imitation`).

    Per step: ``task_weight * task + f (weight * sum_i w_i exp(-k_i e_i) + w_knee_lock * n_locked)``, with the
    tracking errors e_i (squared, summed over components) of the joint angles (pose, rad), joint velocities
    (rad/s), pelvis height (m), orientation (rad) and, with ``k_lateral``, sideways distance from the start line
    (m), feet relative to the pelvis (m), centre-of-mass velocity against the target speed (m/s) and, with
    ``w_activation``, the legs' muscle activations against the human pattern (dimensionless). Term weights
    and scales follow DeepMimic (Peng et al. 2018). While f > 0 the episode ends when the walker leaves the
    reference by more than the ``max_*`` bounds, which the task term counts as a fall (``task_weight *
    reward.w_fall``). The fade f is 1, or with ``fade_steps`` falls linearly from 1 at step ``fade_after_steps`` of a
    run to 0 (the task alone) ``fade_steps`` later.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    #: Gait-cycle pose library (JSON, ``synergait env make-pose``); None: the shipped Rajagopal 2016 stride.
    reference: str | None = None
    weight: float = Field(1.0, ge=0)
    task_weight: float = 0.0
    w_pose: float = 0.5
    w_velocity: float = 0.05
    w_root: float = 0.15
    w_feet: float = 0.15
    w_com: float = 0.15
    k_pose: float = Field(2.0, ge=0)
    k_velocity: float = Field(0.02, ge=0)
    k_height: float = Field(100.0, ge=0)
    k_orientation: float = Field(10.0, ge=0)
    #: Root term's weight on the pelvis's sideways distance from the line it started on (m); 0: not tracked.
    k_lateral: float = Field(0.0, ge=0)
    k_feet: float = Field(40.0, ge=0)
    k_com: float = Field(10.0, ge=0)
    #: Tracking of the legs' muscle activations against the human gait pattern (``action.pattern``) at the clock's
    #: phase (the left leg half a cycle on); the squared errors are summed over both legs' muscles. Not in
    #: DeepMimic: without it a walker may track the kinematics while co-contracting (0: not tracked).
    w_activation: float = Field(0.0, ge=0)
    k_activation: float = Field(1.0, ge=0)
    #: A loaded knee flexed less than this (rad; human stance 0.05-0.5) is "locked" on its extension limit.
    knee_lock_rad: float = Field(0.035, ge=0)
    w_knee_lock: float = -0.3
    max_height_error_m: float = Field(0.15, gt=0)
    max_orientation_error_rad: float = Field(0.6, gt=0)
    #: Distance (m) of the pelvis from where the reference would be, moving at the target speed since reset.
    max_path_error_m: float = Field(1.0, gt=0)
    #: Training steps over which a fine-tuning run fades the imitation out (None: no fade) ...
    fade_steps: int | None = Field(None, gt=0)
    #: ... starting after this many steps of the run (imitation and task together until then).
    fade_after_steps: int = Field(0, ge=0)

    def fraction(self, step: float) -> float:
        """The fade f in [0, 1] at training step ``step`` of a run."""
        if self.fade_steps is None:
            return 1.0
        return 1.0 - _ramp(step, self.fade_after_steps, self.fade_steps)


class ConditionWidening(BaseModel):
    """Widen the training conditions from one speed on level ground to the paper's curriculum and terrain (a
    fine-tuning lever, not in the paper): with the spread ``s`` in [0, 1], an episode's target speed is
    ``centre + s (v - centre)`` for the curriculum's speed ``v``, and its terrain's tile pitches are ``s`` times the
    drawn ones. ``s`` rises linearly from 0 at step ``after_steps`` of a run to 1 ``steps`` later. With ``speeds``
    off only the terrain widens (for a walker that already follows the curriculum's speeds on level ground)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    steps: int = Field(gt=0)
    after_steps: int = Field(0, ge=0)
    centre_speed_m_s: float = Field(1.2, gt=0, le=5)
    speeds: bool = True

    def fraction(self, step: float) -> float:
        """The spread s in [0, 1] at training step ``step`` of a run."""
        return _ramp(step, self.after_steps, self.steps)


class StrideScaling(BaseModel):
    """The human stride adapted to the episode's target speed v (a training lever, not in the paper): one recorded
    stride cannot teach several speeds, since at any speed but the recording's its cadence and stride length
    contradict the target. With the speed ratio r = v / ``centre_speed_m_s``, the cadence scales by r^beta
    (``cadence_exponent``) and the stride length by r^(1 - beta); the excursions of the ``stretched_joints``
    (names without the side suffix) and the feet's fore-aft excursions relative to the pelvis scale about their
    cycle means with the stride length, every other angle keeps its shape. Applied to the gait clock, the
    feed-forward pattern's cadence, the imitation reference and the reset states' velocities. At the centre speed
    nothing changes, so walkers that imitated the recording at that speed start where they were.

    Human cadence rises with speed less than proportionally (about 95, 110 and 120 steps/min at 0.8, 1.2 and
    1.6 m/s in healthy adults), i.e. beta near 0.4 over the paper's speeds."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    centre_speed_m_s: float = Field(1.2, gt=0, le=5)
    cadence_exponent: float = Field(0.4, ge=0, le=1)
    stretched_joints: tuple[str, ...] = ("hip_flexion",)

    def cadence_ratio(self, speed_m_s: float) -> float:
        """Cadence at ``speed_m_s`` over the recording's."""
        return (speed_m_s / self.centre_speed_m_s) ** self.cadence_exponent

    def length_ratio(self, speed_m_s: float) -> float:
        """Stride length (and the stretched excursions) at ``speed_m_s`` over the recording's."""
        return (speed_m_s / self.centre_speed_m_s) ** (1.0 - self.cadence_exponent)

    def excursion_ratio(self, joint: str, speed_m_s: float) -> float:
        """How much ``joint``'s (a MuJoCo name, with or without its ``_r``/``_l`` suffix) excursions about its cycle
        mean scale at ``speed_m_s``: the stride-length ratio for a stretched joint, else 1."""
        stretched = joint.removesuffix("_r").removesuffix("_l") in self.stretched_joints
        return self.length_ratio(speed_m_s) if stretched else 1.0

    def stride_s(self, recorded_stride_s: float, speed_m_s: float) -> float:
        """Duration of a stride recorded as ``recorded_stride_s`` when scaled to ``speed_m_s``, s."""
        return recorded_stride_s / self.cadence_ratio(speed_m_s)


#: Settings that choose a run's episodes (target speeds, ground, reset states) and score them (reward, falls), not
#: what a policy observes or how its actions act.
EPISODE_SETTINGS = ("speed_curriculum", "fixed_speed_m_s", "fixed_slope_deg", "terrain_pool_size", "terrain_seed",
                    "max_pitch_deg", "slope_fraction", "max_slope_deg", "min_slope_deg", "slope_start_m", "widening",
                    "init_pose", "init_angle_noise_rad", "init_velocity_noise_rad_s", "fall_pelvis_height_m",
                    "fall_on_body_contact", "episode_steps", "reward")


class WalkConfig(BaseModel):
    """The predictive walking environment."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    model: str = "myolegs_abdomen"
    control_hz: float = 40.0
    timestep_s: float = 0.0025
    episode_steps: int = Field(1000, gt=0)
    speed_curriculum: tuple[float, ...] = PAPER_SPEED_CURRICULUM
    #: Fixed-condition mode (evaluation): constant target speed (m/s) and slope (degrees) instead of the
    #: curriculum and random terrain.
    fixed_speed_m_s: float | None = Field(None, gt=0, le=5)
    fixed_slope_deg: float | None = Field(None, ge=-30, le=30)
    terrain_pool_size: int = Field(10_000, gt=0)
    terrain_seed: int = 0
    max_pitch_deg: float = 6.0
    #: Fraction of training episodes on one constant slope drawn uniformly within ``max_slope_deg`` (the kind of
    #: ground the evaluation's slopes are), the others on random tiles, whose pitches average out over a stride;
    #: not in the paper (0: the paper's random tiles only).
    slope_fraction: float = Field(0.0, ge=0, le=1)
    #: Upper end of those constant slopes, degrees, signed (None: ``max_pitch_deg``): e.g. -3 for downhill
    #: slopes of 3 degrees and steeper only; with ``max_pitch_deg`` 0 the other episodes are on level ground.
    max_slope_deg: float | None = Field(None, ge=-30, le=30)
    #: Lower end of those slopes, degrees, signed (None: minus the upper end): e.g. 2 for uphill slopes of 2
    #: degrees to the upper end only, where the walkers fail (a training lever, not in the paper).
    min_slope_deg: float | None = Field(None, ge=-30, le=30)
    #: Where those training slopes begin, metres ahead of the start, in whole tiles: 2 as the evaluation's; 0
    #: puts every step of a sloped episode on the slope (a training lever, not in the paper: at 2 m about 40 % of
    #: a falling walker's uphill episode is the level approach).
    slope_start_m: float = Field(SLOPE_START_M, ge=0, le=10)
    #: Start a run near one condition and widen to the curriculum and terrain (None: the full range throughout).
    widening: ConditionWidening | None = None
    #: Initial state: the Rajagopal right heel strike (the paper-like default), or a pose drawn from the whole
    #: gait cycle (the shipped library; a CPU-training lever, not in the paper).
    init_pose: Literal["heel_strike", "gait_cycle"] = "heel_strike"
    #: Standard deviations of the seeded perturbation of the initial pose (rad, rad/s).
    init_angle_noise_rad: float = 0.02
    init_velocity_noise_rad_s: float = 0.05
    #: Passive rotational stiffness of the lumbar joint's three DOFs, N m/rad (not in the paper; 0 = the model's
    #: joint, which has damping only, so that a trunk without muscle tone folds).
    lumbar_stiffness_nm_per_rad: float = Field(0.0, ge=0)
    #: Fall: pelvis lower than this above the terrain beneath it (m), or any non-foot body part on the ground.
    fall_pelvis_height_m: float = 0.6
    fall_on_body_contact: bool = True
    #: Vertical GRF above which a foot counts as loaded, N: a heel strike is a foot becoming loaded while it is
    #: ahead of the other foot (a trailing foot scuffing the ground at toe-off is not one).
    heel_strike_threshold_n: float = HEEL_STRIKE_THRESHOLD_N
    reward: RewardConfig = RewardConfig()
    action: ActionConfig = ActionConfig()
    #: Imitation stage (None: the paper's predictive task).
    imitation: ImitationConfig | None = None
    #: Observe the gait clock (the reference stride's phase as sin/cos, advancing at its cadence) without the
    #: imitation reward: what a walker fine-tuned from an imitation walker keeps observing. Implied by
    #: ``imitation``; not in the paper.
    gait_clock: bool = False
    #: Cadence and stride length of the gait clock, feed-forward, imitation reference and reset states follow the
    #: target speed (None: the recorded stride at every speed).
    stride_scaling: StrideScaling | None = None

    @model_validator(mode="before")
    @classmethod
    def _retired(cls, raw: object) -> object:
        return drop_retired(raw, {"speed_ramp_episodes": _is(0), "speed_ramp_start_m_s": _anything,
                                  "heel_strike_foot_ahead": _is(True), "slope_speed_m_s": _is(None),
                                  "step_shaping": _is(None),
                                  "assist": lambda value: not (value or {}).get("initial_level", 0.0)})

    @model_validator(mode="after")
    def _slopes_within_their_bound(self) -> WalkConfig:
        low, high = self.slope_range_deg
        if low > high:
            raise ValueError(f"min_slope_deg ({low}) is above the slopes' upper end max_slope_deg ({high})")
        return self

    @model_validator(mode="after")
    def _slope_start_on_a_tile_edge(self) -> WalkConfig:
        level_tiles(self.slope_start_m)  # raises where the slope would begin mid-tile
        return self

    @property
    def slope_range_deg(self) -> tuple[float, float]:
        """The constant slopes' range, degrees: up to ``max_slope_deg`` (else ``max_pitch_deg``), from
        ``min_slope_deg`` (else minus that bound)."""
        high = self.max_pitch_deg if self.max_slope_deg is None else self.max_slope_deg
        return (-high if self.min_slope_deg is None else self.min_slope_deg), high

    def acting(self) -> dict[str, object]:
        """The settings that decide what a policy observes and what its actions do: all but
        :data:`EPISODE_SETTINGS`, so two walkers equal in these act alike in one state."""
        return self.model_dump(exclude=set(EPISODE_SETTINGS))

    def with_episodes_of(self, other: WalkConfig) -> WalkConfig:
        """These acting settings with ``other``'s :data:`EPISODE_SETTINGS` (its speeds, slopes, terrain, length,
        reward): the same walker, set other episodes."""
        return self.model_validate({**self.model_dump(), **other.model_dump(include=set(EPISODE_SETTINGS))})

    @property
    def substeps(self) -> int:
        """Physics steps per control step (the control period must be a whole number of timesteps)."""
        ratio = 1.0 / (self.control_hz * self.timestep_s)
        if abs(ratio - round(ratio)) > 1e-9:
            raise ValueError(f"control period 1/{self.control_hz} s is not a multiple of timestep {self.timestep_s} s")
        return round(ratio)

    @classmethod
    def from_yaml(cls, path: str | Path) -> WalkConfig:
        """From a YAML file of environment settings, or the ``env:`` section of a training config."""
        return read_yaml_model(cls, path, section="env")
