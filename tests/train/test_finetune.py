"""Fine-tuning: a run started from a walker, the critic warm-up and the imitation fade, on the real walker."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from stable_baselines3 import PPO

from synergait.env.config import ConditionWidening, ImitationConfig
from synergait.errors import ParameterError
from synergait.train.callbacks import ActionBoundPenalty, EnvSchedule, PolicyAnchor
from synergait.train.config import TrainConfig
from synergait.train.trainer import make_algorithm, make_vec_env, train
from synergait.train.warmstart import start_from, starting_walker
from synergait.walker import load_walker

SHORT = {"total_steps": 512, "n_envs": 1, "n_steps": 256, "batch_size": 64, "eval_every_steps": 100_000,
         "checkpoint_every_steps": 100_000}


def from_shipped(**changes: Any) -> TrainConfig:
    """The shipped independent walker's own training configuration, started from that walker."""
    walker = load_walker("independent-default")
    return TrainConfig.model_validate({**walker.training, "init_policy": "independent-default", **SHORT, **changes})


def test_a_run_started_from_a_walker_acts_as_the_walker() -> None:
    config = from_shipped()
    walker = starting_walker(config)
    envs = make_vec_env(config)
    model = make_algorithm(config, envs)
    start_from(model, envs, walker)
    envs.reset()
    for _ in range(5):
        raw = envs.get_original_obs()
        action, _ = model.predict(envs.normalize_obs(raw), deterministic=True)
        np.testing.assert_allclose(action[0], walker.act(raw[0]), atol=1e-4)
        envs.step(action)
    envs.close()


def test_a_walker_on_the_task_alone_is_not_started_with_the_imitation_back() -> None:
    config = from_shipped()
    starting_walker(config)  # its own run's configuration: the imitation gone after the first update
    imitation = config.env.imitation.model_copy(update={"fade_steps": 800_000})
    with pytest.raises(ParameterError, match=r"env\.imitation\.fade_steps.*faded out by step 250000"):
        starting_walker(config.model_copy(update={"env": config.env.model_copy(update={"imitation": imitation})}))


def test_the_predictive_preset_steps_as_the_shipped_walkers_environment() -> None:
    """The preset's gait clock (speed-scaled) and reward are the shipped walker's: its fine-tuning starts where it
    walks, at a speed off the clock's centre and on a slope."""
    walker = load_walker("independent-default")
    config = TrainConfig.preset("predictive", controller="independent", init_policy="independent-default")
    for speed, slope in ((0.8, 0.0), (1.2, -5.0)):
        own, preset = (spec.make_env(speed_m_s=speed, slope_deg=slope, episode_steps=40)
                       for spec in (walker.spec, config.spec))
        ours, _ = own.reset(seed=3)
        theirs, _ = preset.reset(seed=3)
        for _ in range(40):
            np.testing.assert_array_equal(ours, theirs)
            action = walker.act(ours)
            ours, reward, *_ = own.step(action)
            theirs, preset_reward, *_ = preset.step(action)
            assert reward == preset_reward


def test_an_observation_constant_for_the_walker_starts_with_no_weight_and_unit_scale() -> None:
    """The finetune walker saw one target speed: a new one must not reach the normaliser's clip."""
    config = TrainConfig.preset("predictive", controller="independent", seed=0,
                                init_policy="independent-imitation", **SHORT)
    walker = starting_walker(config)
    envs = make_vec_env(config)
    model = make_algorithm(config, envs)
    start_from(model, envs, walker)
    speed = envs.env_method("get_wrapper_attr", "observation_labels")[0].index("target_speed")
    assert walker.obs_var[speed] < 1e-9  # trained at 1.2 m/s only
    assert envs.obs_rms.var[speed] == 1.0
    layers = model.policy.mlp_extractor.policy_net
    assert float(layers[0].weight[:, speed].detach().abs().max()) == 0.0
    envs.reset()
    raw = envs.get_original_obs().copy()
    for target in (0.7, 1.6):  # the policy acts as the walker at the walker's speed, at any target speed
        raw[0, speed] = target
        action, _ = model.predict(envs.normalize_obs(raw), deterministic=True)
        raw[0, speed] = 1.2
        np.testing.assert_allclose(action[0], walker.act(raw[0]), atol=1e-4)
    envs.close()


def test_a_walker_that_does_not_fit_the_run_is_refused() -> None:
    with pytest.raises(ParameterError, match="init_policy: 'independent-default' acts with controller independent"):
        starting_walker(from_shipped(controller="synergy"))
    with pytest.raises(ParameterError, match=r"acts with env\.action"):
        starting_walker(from_shipped(env={**load_walker("independent-default").spec.env.model_dump(),
                                          "action": {"residual": False}}))
    config = from_shipped(net_arch=[64, 64])
    envs = make_vec_env(config)
    with pytest.raises(ParameterError, match="set net_arch to the walker's hidden sizes"):
        start_from(make_algorithm(config, envs), envs, starting_walker(config))
    envs.close()


def test_the_critic_warmup_leaves_the_starting_policy_as_it_was(tmp_path: Path) -> None:
    config = from_shipped(critic_warmup_steps=10_000)  # longer than the run: every update is a warm-up one
    walker = starting_walker(config)
    untrained_value = make_algorithm(config, make_vec_env(config)).policy.value_net.weight.detach().clone()
    train(config, tmp_path / "run", progress=False)
    latest = json.loads((tmp_path / "run" / "checkpoints" / "latest.json").read_text())["checkpoint"]
    model = PPO.load(tmp_path / "run" / "checkpoints" / latest / "model.zip", device="cpu")
    head_weight, head_bias = walker.layers[-1]
    np.testing.assert_allclose(model.policy.action_net.weight.detach().numpy(), head_weight, atol=1e-6)
    np.testing.assert_allclose(model.policy.action_net.bias.detach().numpy(), head_bias, atol=1e-6)
    assert not np.allclose(model.policy.value_net.weight.detach().numpy(), untrained_value.numpy())


def test_the_imitation_fades_out_over_its_steps() -> None:
    imitation = ImitationConfig(fade_steps=512)
    assert [imitation.fraction(s) for s in (0, 256, 512, 2000)] == [1.0, 0.5, 0.0, 0.0]
    assert ImitationConfig().fraction(10**9) == 1.0
    delayed = ImitationConfig(fade_steps=100, fade_after_steps=50)
    assert [delayed.fraction(s) for s in (0, 50, 100, 150, 500)] == [1.0, 1.0, 0.5, 0.0, 0.0]
    config = TrainConfig.preset("imitation", controller="independent", total_steps=512, n_envs=1, n_steps=256,
                                batch_size=64, net_arch=[32, 32])
    config = config.model_copy(update={"env": config.env.model_copy(update={"imitation": imitation})})
    envs = make_vec_env(config)
    model = make_algorithm(config, envs)
    model.learn(512, callback=EnvSchedule("imitation_fraction", imitation.fraction))
    assert envs.env_method("get_wrapper_attr", "imitation_fraction") == [0.5]  # set before the second rollout
    envs.close()


def test_a_runs_first_episodes_already_follow_its_schedules(tmp_path: Path) -> None:
    config = TrainConfig.preset("imitation", controller="independent", total_steps=256, n_envs=2, n_steps=128,
                                batch_size=64, net_arch=[32, 32], seed=0)
    widening = ConditionWidening(steps=10**6, centre_speed_m_s=1.0)  # spread 0 throughout: every target at 1.0
    env = config.env.model_copy(update={"widening": widening, "speed_curriculum": [0.7, 1.6],
                                         "fixed_speed_m_s": None, "fixed_slope_deg": None})
    train(config.model_copy(update={"env": env}), tmp_path / "run", progress=False)
    with (tmp_path / "run" / "episodes.csv").open() as file:
        speeds = {float(row["target_speed_m_s"]) for row in csv.DictReader(file)}
    assert speeds == {1.0}  # a schedule set only by the callbacks leaves each env's first episode at 0.7 m/s


@pytest.mark.parametrize(("target_kl", "factor"), [(1e-9, 1 / 1.5), (1e9, 1.5)])
def test_the_adaptive_learning_rate_follows_the_updates_kl(target_kl: float, factor: float) -> None:
    from synergait.train.callbacks import AdaptiveLearningRate

    config = TrainConfig.preset("imitation", controller="independent", n_envs=1, n_steps=256, batch_size=64,
                                net_arch=[32, 32], learning_rate=1e-4, adaptive_kl=target_kl)
    envs = make_vec_env(config)
    model = make_algorithm(config, envs)
    model.learn(1024, callback=AdaptiveLearningRate(config.learning_rate, target_kl))  # four updates
    assert model.lr_schedule(1.0) == pytest.approx(1e-4 * factor**3)  # adapted before updates 2, 3 and 4
    assert model.policy.optimizer.param_groups[0]["lr"] == pytest.approx(1e-4 * factor**3)
    envs.close()


def test_the_adaptive_learning_rate_waits_while_the_policy_is_frozen() -> None:
    from synergait.train.callbacks import AdaptiveLearningRate, CriticWarmup

    config = TrainConfig.preset("imitation", controller="independent", n_envs=1, n_steps=256, batch_size=64,
                                net_arch=[32, 32], learning_rate=1e-4, adaptive_kl=1e-9)
    envs = make_vec_env(config)
    model = make_algorithm(config, envs)
    model.learn(1024, callback=[CriticWarmup(10_000), AdaptiveLearningRate(config.learning_rate, 1e-9)])
    assert model.lr_schedule(1.0) == pytest.approx(1e-4)  # every update's KL was 0: the rate stays
    envs.close()


def _distance_to_walker(model: PPO, anchor: PolicyAnchor) -> float:
    """RMS distance of the policy's action means from the starting walker's, over the last rollout."""
    buffer = model.rollout_buffer
    observations = buffer.observations.reshape(-1, buffer.observations.shape[-1])
    with torch.no_grad():
        means = model.policy.get_distribution(torch.as_tensor(observations)).distribution.mean
    return float(torch.sqrt(((means.clamp(-1, 1) - anchor.walker_actions(observations)) ** 2).mean()))


def _moved_after_one_update(coef: float) -> float:
    """Distance from the walker after one PPO update from a policy whose action means were shifted by 0.3."""
    config = from_shipped(learning_rate=1e-3, lr_schedule="constant", total_steps=256, n_steps=256)
    walker = starting_walker(config)
    envs = make_vec_env(config)
    model = make_algorithm(config, envs)
    start_from(model, envs, walker)
    with torch.no_grad():
        model.policy.action_net.bias += 0.3  # as if the fine-tuning had moved it
    anchor = PolicyAnchor(walker, coef, fade_steps=None, batch_size=64)
    model.learn(256, callback=anchor)  # one rollout, one update of 5 epochs x 4 minibatches
    envs.close()
    return _distance_to_walker(model, anchor)


def test_the_policy_anchor_pulls_a_moved_policy_back_to_its_walker() -> None:
    free, anchored = _moved_after_one_update(0.0), _moved_after_one_update(10.0)
    assert free > 0.25  # PPO alone: 0.42
    # Measured 0.31 after 20 Adam steps of 1e-3: many of the walker's means lie beyond the action bounds, where
    # the anchor's pull towards the clipped action does not shorten the clipped distance at first.
    assert anchored < 0.8 * free


def test_the_policy_anchor_fades_and_needs_a_walker() -> None:
    anchor = PolicyAnchor(starting_walker(from_shipped()), 2.0, fade_steps=1000, batch_size=64)
    assert [anchor.coefficient(s) for s in (0, 500, 1000, 5000)] == [2.0, 1.0, 0.0, 0.0]
    with pytest.raises(ValueError, match="policy_anchor needs init_policy"):
        TrainConfig.preset("imitation", policy_anchor=1.0)


@pytest.mark.parametrize("coef", [0.0, 10.0])
def test_the_action_bound_penalty_brings_clipped_means_back_inside_the_bounds(coef: float) -> None:
    config = from_shipped(learning_rate=1e-3, lr_schedule="constant", total_steps=256, n_steps=256)
    envs = make_vec_env(config)
    model = make_algorithm(config, envs)
    start_from(model, envs, starting_walker(config))
    with torch.no_grad():
        model.policy.action_net.bias += 2.0  # means far beyond the bound of 1: every one of them clipped

    def excess() -> float:
        observations = model.rollout_buffer.observations.reshape(-1, model.rollout_buffer.observations.shape[-1])
        with torch.no_grad():
            means = model.policy.get_distribution(torch.as_tensor(observations)).distribution.mean
        return float(torch.relu(means - 1.0).mean())

    model.learn(256, callback=ActionBoundPenalty(coef, batch_size=64))
    if coef:
        assert excess() < 0.5  # 20 Adam steps of 1e-3 on the penalty alone bring the means most of the way
    else:
        assert excess() > 1.0  # no reward moves a clipped mean: PPO alone leaves them out
    envs.close()
    with pytest.raises(ValueError, match="action_bound_penalty is for PPO"):
        TrainConfig.preset("paper", action_bound_penalty=1.0)


def test_a_synergy_walker_carries_its_basis_and_starts_runs_through_it(tmp_path: Path) -> None:
    import yaml

    from synergait.synergy.basis import SynergyBasis, default_basis

    own = SynergyBasis.random(default_basis().muscles, 10, seed=3)
    own.save(tmp_path / "other.npz")
    load_walker("synergy-default").save(tmp_path / "first")
    content = yaml.safe_load((tmp_path / "first" / "walker.yaml").read_text())
    content["spec"]["basis"] = str(tmp_path / "other.npz")  # trained elsewhere through its own basis
    (tmp_path / "first" / "walker.yaml").write_text(yaml.safe_dump(content))
    load_walker(tmp_path / "first").save(tmp_path / "walker")
    (tmp_path / "other.npz").unlink()  # the walker directory alone must be enough
    loaded = load_walker(tmp_path / "walker")
    np.testing.assert_array_equal(SynergyBasis.load(loaded.spec.basis).weights, own.weights)
    config = TrainConfig.model_validate({**loaded.training, **SHORT, "init_policy": str(tmp_path / "walker")})
    with pytest.raises(ParameterError, match="acts through the basis"):
        starting_walker(config.model_copy(update={"basis": None}))  # the run's basis is the shipped one
    own.save(tmp_path / "copy.npz")  # the same basis under another name is the same basis
    starting_walker(config.model_copy(update={"basis": str(tmp_path / "copy.npz")}))
