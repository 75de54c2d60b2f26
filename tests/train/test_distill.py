"""Distillation between the action spaces, with shipped walkers as the teachers, on the real model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from synergait.env import make_walk_env
from synergait.errors import ParameterError
from synergait.synergy.basis import SynergyBasis, default_basis
from synergait.train.config import TrainConfig
from synergait.train.distill import Distiller, Labeller, student_config
from synergait.train.warmstart import starting_walker
from synergait.walker import load_walker

TEACHER = "independent-default"


def config(basis: str | None = None, **changes: object) -> TrainConfig:
    return student_config(load_walker(TEACHER), "synergy", basis, **changes)


def labelled_vaf(student: TrainConfig, teacher: str = TEACHER, steps: int = 30) -> float:
    """The labels' VAF over ``steps`` states visited with the teacher's labelled actions."""
    env = make_walk_env(student.controller, basis=student.basis, mirroring=student.spec.mirrored,
                        config=student.env)
    labeller = Labeller(load_walker(teacher), env)
    observation, _ = env.reset(seed=0)
    for _ in range(steps):
        observation, _, terminated, _, _ = env.step(labeller.label(observation))
        if terminated:
            break
    return labeller.vaf


def test_an_identity_basis_keeps_the_teachers_excitations_and_a_real_basis_does_not(tmp_path: Path) -> None:
    identity = tmp_path / "identity.npz"
    SynergyBasis.identity(default_basis().muscles).save(identity)
    assert labelled_vaf(config(str(identity))) == pytest.approx(1.0, abs=1e-6)
    assert labelled_vaf(config()) < 0.95


def test_an_every_muscle_student_keeps_a_synergy_teachers_excitations() -> None:
    student = student_config(load_walker("synergy-imitation"))
    assert student.controller == "independent" and student.basis is None
    assert labelled_vaf(student, "synergy-imitation") == pytest.approx(1.0, abs=1e-6)


def test_distillation_fits_a_student_that_starts_a_synergy_run(tmp_path: Path) -> None:
    student = config(net_arch=[32, 32])
    distiller = Distiller(student, iterations=2, steps_per_iteration=150, epochs=5).fit(load_walker(TEACHER))
    assert [r.driver for r in distiller.history_] == ["teacher", "student"]
    assert [r.samples for r in distiller.history_] == [150, 300]
    assert all(0.0 < r.vaf < 1.0 and np.isfinite(r.loss) for r in distiller.history_)
    walker = load_walker(distiller.student_.save(tmp_path / "student"))
    assert walker.controller == "synergy" and walker.meta["distilled_from"] == TEACHER
    observation, _ = walker.make_env().reset(seed=0)
    assert walker.act(observation).shape == walker.make_env().action_space.shape
    starting_walker(student.model_copy(update={"init_policy": str(tmp_path / "student")}))  # accepted


def test_the_episodes_go_through_the_speed_curriculum() -> None:
    teacher = load_walker(TEACHER)  # trained at 1.2 m/s: freed here to the curriculum, which it walks for a while
    env = teacher.spec.env.model_copy(update={"fixed_speed_m_s": None, "fixed_slope_deg": None})
    student = student_config(teacher, "synergy", env=env, net_arch=[16])
    distiller = Distiller(student, iterations=1, steps_per_iteration=400, epochs=1).fit(teacher)
    speeds = distiller.history_[0].episode_speeds_m_s
    curriculum = env.speed_curriculum  # gone through, not restarted at each episode
    assert len(speeds) > 2 and speeds == [curriculum[i % len(curriculum)] for i in range(len(speeds))]


def test_noise_on_the_drivers_actions_takes_the_data_off_the_teachers_path() -> None:
    teacher = load_walker("synergy-imitation")  # its every-muscle labels are its own excitations: it walks on them
    student = student_config(teacher, net_arch=[16])
    clean, noisy = (Distiller(student, iterations=1, steps_per_iteration=300, epochs=1, action_noise=noise)
                    .fit(teacher).history_[0].episode_steps for noise in (0.0, 0.5))
    assert clean == [300] and len(noisy) > 1  # the teacher walks; perturbed, it falls and starts again
    with pytest.raises(ParameterError, match="action_noise: must be at least 0"):
        Distiller(student, action_noise=-0.1)


def test_a_teacher_in_other_settings_is_refused() -> None:
    with pytest.raises(ParameterError, match="teacher: 'independent-default' acts in other environment settings"):
        Distiller(config(mirroring=False)).fit(load_walker(TEACHER))  # the teacher mirrors
    with pytest.raises(ParameterError, match="controller: must be 'independent' or 'synergy', got 'muscles'"):
        student_config(load_walker(TEACHER), "muscles")


def test_a_student_starts_from_no_walker_even_when_its_teacher_was_anchored_to_one() -> None:
    teacher = load_walker(TEACHER)
    assert teacher.training["policy_anchor"] > 0 and teacher.training["init_policy"]
    student = config()
    assert student.init_policy is None and student.policy_anchor == 0 and student.critic_warmup_steps == 0


def test_slope_teachers_label_their_own_slopes_only() -> None:
    teacher, uphill = load_walker("synergy-imitation"), load_walker("independent-imitation")  # one way of acting
    downhill = load_walker("synergy-imitation")
    # The evaluation's slopes begin 2 m ahead: the teacher walks the first 1.2 m in 40 control steps, 3 m in 100.
    for slope_deg, steps, labelled_by in ((5.0, 100, "uphill_teacher"), (1.0, 100, "teacher"), (5.0, 40, "teacher"),
                                          (-5.0, 100, "downhill_teacher"), (-1.0, 100, "teacher")):
        env = teacher.spec.env.model_copy(update={"fixed_speed_m_s": 1.2, "fixed_slope_deg": slope_deg})
        student = student_config(teacher, "independent", env=env, net_arch=[16])
        distiller = Distiller(student, iterations=1, steps_per_iteration=steps, epochs=1).fit(
            teacher, uphill_teacher=uphill, downhill_teacher=downhill)
        assert distiller.history_[0].episode_teachers == [labelled_by]  # the level approach is the first teacher's
        assert 0.99 < distiller.history_[0].vaf <= 1.0  # every-muscle labels: the teachers' own
    assert distiller.student_.meta["uphill_teacher"]["from_deg"] == 2.0
    assert distiller.student_.meta["downhill_teacher"]["from_deg"] == -2.0
    with pytest.raises(ParameterError, match="uphill_teacher: 'independent-default' acts in other environment"):
        Distiller(student).fit(teacher, uphill_teacher=load_walker(TEACHER))
    with pytest.raises(ParameterError, match="downhill_teacher: 'independent-default' acts in other environment"):
        Distiller(student).fit(teacher, downhill_teacher=load_walker(TEACHER))


def test_walkers_that_differ_only_in_their_episodes_act_alike() -> None:
    settings = load_walker("synergy-imitation").spec.env
    other_episodes = settings.model_copy(update={"slope_fraction": 0.5, "fixed_speed_m_s": 0.8})
    assert other_episodes.acting() == settings.acting() and other_episodes != settings
    assert settings.model_copy(update={"control_hz": 20.0}).acting() != settings.acting()


def test_a_student_learns_on_another_tasks_episodes_in_its_teachers_way_of_acting() -> None:
    teacher = load_walker("synergy-imitation")  # trained on level ground
    task = teacher.spec.env.model_copy(update={"fixed_speed_m_s": 0.8, "fixed_slope_deg": -5.0,
                                               "lumbar_stiffness_nm_per_rad": 0.0})
    episodes = teacher.spec.env.with_episodes_of(task)
    assert episodes.fixed_slope_deg == -5.0 and episodes.fixed_speed_m_s == 0.8
    assert episodes.acting() == teacher.spec.env.acting()  # the lumbar stiffness is how it acts: not taken
    student = student_config(teacher, "independent", env=episodes, net_arch=[16])
    distiller = Distiller(student, iterations=1, steps_per_iteration=40, epochs=1).fit(teacher)
    assert distiller.history_[0].episode_speeds_m_s == [0.8]
    assert distiller.student_.spec.env.fixed_slope_deg == -5.0  # and fine-tunes on that task


@pytest.mark.parametrize(("shift", "value", "meta_key", "teacher", "shifted", "unshifted"), [
    # downhill: -5 degrees at 1.2 m/s labelled as if asked for 1.05 m/s; level ground untouched
    ("downhill_command_shift", 0.03, "downhill_command_shift_m_s_per_deg", "synergy-imitation", (1.2, -5.0),
     (1.2, 0.0)),
    # slow: 0.8 m/s labelled as if asked for 0.6 m/s (a teacher trained across speeds); 1.2 m/s untouched
    ("slow_command_shift", 0.5, "slow_command_shift", "synergy-default", (0.8, 0.0), (1.2, 0.0)),
])
def test_a_command_shift_relabels_its_own_episodes_only(shift: str, value: float, meta_key: str, teacher: str,
                                                         shifted: tuple[float, float],
                                                         unshifted: tuple[float, float]) -> None:
    walker = load_walker(teacher)
    students = {}
    for speed, slope_deg in (shifted, unshifted):
        env = walker.spec.env.model_copy(update={"fixed_speed_m_s": speed, "fixed_slope_deg": slope_deg})
        student = student_config(walker, "independent", env=env, net_arch=[16])
        students[speed, slope_deg] = [Distiller(student, iterations=1, steps_per_iteration=40, epochs=1,
                                                **{shift: amount}).fit(walker).student_ for amount in (0.0, value)]
    plain, relabelled = students[shifted]
    assert relabelled.meta[meta_key] == value
    assert not np.allclose(plain.layers[0][0], relabelled.layers[0][0])
    plain, untouched = students[unshifted]
    assert all(np.array_equal(a[0], b[0]) for a, b in zip(plain.layers, untouched.layers, strict=True))
    with pytest.raises(ParameterError, match=f"{shift}: must be at least 0"):
        Distiller(student, **{shift: -0.01})


def test_a_student_started_as_its_teachers_copy_stays_it_where_the_teacher_labels() -> None:
    teacher = load_walker("synergy-imitation")
    student = student_config(teacher, "synergy", teacher.spec.basis)
    copied = Distiller(student, iterations=1, steps_per_iteration=60, epochs=3, learning_rate=1e-5,
                       start_from_teacher=True).fit(teacher).student_  # Adam's steps move a copy by about lr
    fresh = Distiller(student.model_copy(update={"net_arch": [16]}), iterations=1, steps_per_iteration=60,
                      epochs=3).fit(teacher).student_
    env = teacher.make_env()
    observation, _ = env.reset(seed=1)
    gaps = {"copied": 0.0, "fresh": 0.0}
    for _ in range(30):
        action = teacher.act(observation)
        for name, walker in (("copied", copied), ("fresh", fresh)):
            gaps[name] = max(gaps[name], float(np.abs(walker.act(observation) - action).max()))
        observation, *_ = env.step(action)
    assert gaps["copied"] < 0.02 < gaps["fresh"]
    assert copied.meta["start_from_teacher"] is True
    with pytest.raises(ParameterError, match="start_from_teacher: 'synergy-imitation' acts in another action space"):
        Distiller(student_config(teacher, "independent"), start_from_teacher=True).fit(teacher)


def test_balanced_teachers_weigh_alike_however_few_their_labels() -> None:
    from synergait.train.distill import StudentNetwork, _balanced

    # One state labelled 0 by the first teacher 90 times and 1 by a slope teacher 10 times: the fit's answer is the
    # weighted mean of the labels, 0.1 plain and 0.5 balanced.
    observations = np.zeros((100, 3))
    labels = np.r_[np.zeros(90), np.ones(10)].astype(np.float32)[:, None]
    groups = np.r_[np.zeros(90, int), np.full(10, 2)]
    assert np.allclose(_balanced(groups)[[0, -1]], [100 / 180, 100 / 20])
    answers = []
    for weights in (None, _balanced(groups)):
        network = StudentNetwork([3, 8, 1], np.array([-2.0]), np.array([2.0]))
        network.fit(observations, labels, weights, epochs=300, batch_size=100, learning_rate=1e-2, seed=0)
        answers.append(float(network.act(np.zeros(3))[0]))
    assert answers == pytest.approx([0.1, 0.5], abs=0.03)
