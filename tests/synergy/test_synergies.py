from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from synergait.errors import ParameterError
from synergait.inverse.table import ActivationTable
from synergait.synergy.basis import SynergyBasis, default_basis
from synergait.synergy.extract import DEFAULT_MUSCLES, SynergyExtractor, match_bases, sweep


@pytest.fixture(scope="module")
def table(rajagopal_activations: ActivationTable) -> ActivationTable:
    return rajagopal_activations


def test_k10_vaf_and_scaling(table: ActivationTable) -> None:
    extractor = SynergyExtractor(10, n_restarts=5, seed=0).fit(table)
    assert extractor.components_.shape == (10, 40)
    assert extractor.vaf_ > 0.99
    np.testing.assert_allclose(extractor.components_.max(axis=1), 1.0)  # each synergy peaks at 1
    reconstruction = extractor.activations_ @ extractor.components_
    np.testing.assert_allclose(1 - np.sum((table.select(DEFAULT_MUSCLES) - reconstruction) ** 2)
                               / np.sum(table.select(DEFAULT_MUSCLES) ** 2), extractor.vaf_)
    assert extractor.reachable.max() == 1.0


def test_same_seed_same_basis_and_transform(table: ActivationTable) -> None:
    a = SynergyExtractor(4, n_restarts=3, seed=7).fit(table)
    b = SynergyExtractor(4, n_restarts=3, seed=7).fit(table)
    np.testing.assert_array_equal(a.components_, b.components_)
    w = a.transform(table)
    assert w.shape == (table.time.size, 4)
    np.testing.assert_allclose(w @ a.components_, a.activations_ @ a.components_, atol=0.02)


def test_sweep_picks_k_by_the_rule(table: ActivationTable) -> None:
    result = sweep(table, 11, n_restarts=2)
    vafs = [row["vaf"] for row in result["rows"]]
    assert vafs[0] < 0.85 < vafs[-1]
    assert result["chosen_k"] is not None and 3 <= result["chosen_k"] <= 11


def test_matching_recovers_a_permutation() -> None:
    basis = SynergyBasis.random(DEFAULT_MUSCLES, 6, seed=3)
    permuted = SynergyBasis(basis.weights[[3, 0, 5, 1, 4, 2]], basis.muscles)
    result = match_bases(basis, permuted)
    assert {(p["a"], p["b"]) for p in result["pairs"]} == {(3, 0), (0, 1), (5, 2), (1, 3), (4, 4), (2, 5)}
    assert result["mean_cosine"] == pytest.approx(1.0)


def test_basis_save_load_and_mirror(tmp_path: Path) -> None:
    basis = SynergyBasis.random(DEFAULT_MUSCLES, 5, seed=1)
    basis.save(tmp_path / "b.npz")
    back = SynergyBasis.load(tmp_path / "b.npz")
    np.testing.assert_array_equal(back.weights, basis.weights)
    assert back.muscles == basis.muscles and back.provenance == basis.provenance
    assert basis.mirrored().muscles[0] == "addbrev_l"


def test_bad_parameters(table: ActivationTable) -> None:
    with pytest.raises(ParameterError, match="between 1 and the number of muscles"):
        SynergyExtractor(41).fit(table)
    with pytest.raises(ParameterError, match="not in the activation table: nope_r"):
        SynergyExtractor(2, muscles=("soleus_r", "nope_r")).fit(table)


def test_shipped_default_basis_is_reproducible(table: ActivationTable) -> None:
    shipped = default_basis()
    assert shipped.n_synergies == 10 and shipped.muscles == DEFAULT_MUSCLES
    fresh = SynergyExtractor(10, n_restarts=10, seed=0).fit(table).basis_
    assert match_bases(shipped, fresh)["mean_cosine"] > 0.999


def test_activations_for_excitations_within_a_ceiling() -> None:
    basis = default_basis()
    target = np.clip(1.5 * basis.weights[0] + 0.5 * basis.weights[3], 0, None)  # synergy 0 beyond its ceiling
    free = basis.activations_for(target)[0]
    bounded = basis.activations_for(target, ceiling=1.0)[0]
    assert free[0] == pytest.approx(1.5, abs=1e-6) and free[3] == pytest.approx(0.5, abs=1e-6)
    assert bounded.max() <= 1.0 + 1e-9 and bounded[0] == pytest.approx(1.0, abs=1e-6)
