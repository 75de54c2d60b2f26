from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np
import pytest

from synergait.data.io import read_storage
from synergait.data.loads import external_loads_from_xml
from synergait.env import WalkConfig, make_walk_env
from synergait.env.config import RewardConfig
from synergait.env.reward import walk_reward
from synergait.errors import ParameterError
from synergait.quality.measures import quality_profile, sparc, temporal_profile
from synergait.quality.redundancy import explore, summarise
from synergait.stats import cocontraction_index
from synergait.synergy.basis import SynergyBasis, default_basis


def test_cocontraction_index_by_hand() -> None:
    a = np.array([0.0, 0.5, 1.0, 0.5])
    b = np.array([0.5, 0.5, 0.0, 0.0])
    # Falconer & Winter: 2 * sum(min) / sum(a + b) * 100 = 2 * 0.5 / 3.0 * 100
    assert cocontraction_index(a, b) == pytest.approx(100 / 3)
    assert cocontraction_index(a, a) == pytest.approx(100.0)
    assert cocontraction_index(a, np.zeros(4)) == 0.0


def test_temporal_profile_and_smoothness_by_hand() -> None:
    t = np.linspace(0, 1, 101)
    burst = np.where((t >= 0.3) & (t <= 0.5), 1.0, 0.0)
    profile = temporal_profile(burst, rate_hz=100.0)
    assert profile["onset_pct"] == pytest.approx(30.0) and profile["offset_pct"] == pytest.approx(50.0)
    assert profile["duration_pct"] == pytest.approx(100 * 21 / 101)
    smooth = np.exp(-((t - 0.4) / 0.1) ** 2)
    jerky = smooth + 0.3 * np.sin(2 * np.pi * 3 * t) ** 2  # a 6 Hz ripple, inside the 10 Hz SPARC band
    assert sparc(smooth, 100.0) > sparc(jerky, 100.0)  # closer to zero = smoother


def test_profile_on_real_activations(rajagopal_activations) -> None:
    table = rajagopal_activations
    muscles = [m for m in table.muscles if m.endswith("_r")]
    profile = quality_profile(table.select(muscles), muscles, 100.0)
    assert profile.cocontraction["TA/SOL"] < 5  # static optimisation avoids co-contraction
    shares = profile.distribution
    assert shares["hip_share"] + shares["knee_share"] + shares["ankle_share"] == pytest.approx(1.0)
    assert 0 <= profile.laban["flow"] <= 1 and 0 <= profile.laban["weight"] <= 1 and 0 <= profile.laban["time"] <= 1
    assert 25 < profile.timing["soleus_r"]["peak_pct"] < 60  # soleus bursts in stance, mid window
    with pytest.raises(ParameterError, match="does not match"):
        quality_profile(table.activations, muscles, 100.0)


def test_redundancy_explorer_same_moments_different_quality(rajagopal: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        solutions = explore(read_storage(rajagopal / "coordinates.sto"), read_storage(rajagopal / "grf_walk.mot"),
                            loads=external_loads_from_xml(rajagopal / "grf_walk.xml"), start_s=0.48, stop_s=1.61,
                            subject_mass_kg=85.27)
    summary = summarise(solutions)
    assert len(summary) == 5
    for name, row in summary.items():
        assert row["max_abs_reserve_nm"] < 0.5, name  # every solution reproduces the same joint moments
        assert row["max_abs_required_nm"] > 50
    cci = {name: row["cocontraction_pct"]["TA/SOL"] for name, row in summary.items()}
    assert cci["cocontraction"] > 15 > 2 > cci["min_sum_a2"]
    assert summary["distal_effort"]["distribution"]["distal_index"] > summary["min_sum_a2"]["distribution"][
        "distal_index"] + 0.05
    base = solutions["min_sum_a2"]
    np.testing.assert_allclose(solutions["cocontraction"].required, base.required, atol=1e-9)


def test_synergy_variants_load_in_the_environment(tmp_path: Path) -> None:
    basis = default_basis()
    merged = basis.merged(0, 1)
    assert merged.n_synergies == 9 and merged.weights.max() == pytest.approx(1.0)
    with pytest.raises(ParameterError, match="two different synergy indices"):
        basis.merged(2, 2)
    env = make_walk_env("synergy", basis=merged)
    assert env.action_space.shape == (9 + 9 + 6,)
    impaired = make_walk_env("synergy", basis=basis, left_basis=merged, mirroring=False)
    assert impaired.action_space.shape == (10 + 9 + 6,)
    impaired.reset(seed=0)
    impaired.step(impaired.action_space.sample())
    merged.save(tmp_path / "merged.npz")
    assert SynergyBasis.load(tmp_path / "merged.npz").provenance["variant"] == "merged 0+1"


def test_quality_conditioned_reward() -> None:
    config = RewardConfig(w_quality=2.0, cocontraction_target=0.6)
    terms = walk_reward(forward_velocity=1.2, target_speed=1.2, lateral_velocity=0.0,
                        head_angular_velocity=np.zeros(3), activations=np.zeros(3), knee_angles=(0.2, 0.2),
                        lumbar_extension=0.0, fell=False, config=config, cocontraction=0.1)
    assert terms.quality == pytest.approx(-0.25)
    assert terms.total == pytest.approx(1.0 + 2.0 * -0.25)
    env = make_walk_env("independent", config=WalkConfig(reward=config))
    env.reset(seed=0)
    action = np.zeros(86, dtype=np.float32)
    _, _, _, _, info = env.step(action)
    assert info["quality"] == pytest.approx(-0.36)  # no activation: co-contraction 0, target 0.6
    assert not math.isnan(info["total"])
