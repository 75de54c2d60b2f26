"""The gait pattern: inverse activations folded onto the gait cycle, and its synergy activations."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from synergait.errors import InputFileError, ParameterError
from synergait.inverse.table import ActivationTable
from synergait.synergy.basis import default_basis
from synergait.synergy.extract import DEFAULT_MUSCLES
from synergait.synergy.pattern import GaitPattern

RIGHT_HEEL_STRIKE_S, STRIDE_S = 0.263, 1.144  # Rajagopal 2016 (PROVENANCE, GRF at 15 N)


def test_pattern_from_the_rajagopal_stride(rajagopal_activations: ActivationTable, tmp_path: Path) -> None:
    pattern = GaitPattern.from_table(rajagopal_activations, RIGHT_HEEL_STRIKE_S, STRIDE_S, DEFAULT_MUSCLES)
    assert pattern.activations.shape == (101, 40) and pattern.stride_s == STRIDE_S
    np.testing.assert_allclose(pattern.activations[0], pattern.activations[100], atol=0.05)  # a cycle closes
    soleus = pattern.activations[:, pattern.muscles.index("soleus_r")]
    tibant = pattern.activations[:, pattern.muscles.index("tibant_r")]
    assert 30 <= np.argmax(soleus) < 67  # plantarflexors peak in late stance, before toe-off (67 %)
    assert tibant[:10].mean() > tibant[30:50].mean()  # tibialis anterior: loading response, quiet in mid-stance
    # The sample at 1.0 s is folded to (1.0 - 0.263) / 1.144 = 64.4 % of the cycle.
    i = int(np.argmin(np.abs(rajagopal_activations.time - 1.0)))
    at_one_second = rajagopal_activations.select(DEFAULT_MUSCLES)[i]
    np.testing.assert_allclose(pattern.at((rajagopal_activations.time[i] - 0.263) / 1.144 * 100), at_one_second,
                               atol=0.02)
    pattern.save(tmp_path / "p.npz")
    again = GaitPattern.load(tmp_path / "p.npz")
    np.testing.assert_array_equal(again.activations, pattern.activations)
    assert again.muscles == pattern.muscles and again.provenance == pattern.provenance
    shipped = GaitPattern.load()
    np.testing.assert_allclose(shipped.activations, pattern.activations, atol=1e-9)  # the shipped one is this


def test_synergy_activations_reconstruct_the_pattern() -> None:
    pattern, basis = GaitPattern.load(), default_basis()
    weights = pattern.synergy_activations(basis)
    assert weights.shape == (101, 10) and (weights >= 0).all()
    columns = [pattern.muscles.index(m) for m in basis.muscles]
    residual = pattern.activations[:, columns] - weights @ basis.weights
    assert 1 - np.sum(residual**2) / np.sum(pattern.activations[:, columns] ** 2) > 0.99


def test_activation_error_reads_the_left_leg_half_a_cycle_on() -> None:
    pattern = GaitPattern.load()
    assert pattern.activation_error(pattern.at(20.0), pattern.at(70.0), 20.0) == pytest.approx(0.0, abs=1e-12)
    swapped = pattern.activation_error(pattern.at(70.0), pattern.at(20.0), 20.0)
    expected = 2 * np.sum((pattern.at(70.0) - pattern.at(20.0)) ** 2)
    assert swapped == pytest.approx(expected) and swapped > 0.1


def test_bad_patterns(tmp_path: Path, rajagopal_activations: ActivationTable) -> None:
    short = ActivationTable(rajagopal_activations.time[:20], rajagopal_activations.activations[:20],
                            rajagopal_activations.muscles)
    with pytest.raises(ParameterError, match="not a whole gait cycle"):
        GaitPattern.from_table(short, RIGHT_HEEL_STRIKE_S, STRIDE_S, DEFAULT_MUSCLES)
    with pytest.raises(ParameterError, match="shape"):
        GaitPattern(np.zeros((50, 2)), ("a", "b"), 1.0)
    (tmp_path / "bad.npz").write_bytes(b"nope")
    with pytest.raises(InputFileError, match="not a synergait GaitPattern"):
        GaitPattern.load(tmp_path / "bad.npz")
