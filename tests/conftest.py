"""Shared fixtures: the real human data in ``../shared/data`` (override with ``SYNERGAIT_SHARED_DATA``)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from synergait.data.reference import ReferenceSet

REPO = Path(__file__).resolve().parents[1]


def shared_data_dir() -> Path:
    path = Path(os.environ.get("SYNERGAIT_SHARED_DATA") or REPO.parent / "shared" / "data")
    if not (path / "rajagopal2016_walk").is_dir():
        pytest.fail(f"shared test data not found at {path}; set SYNERGAIT_SHARED_DATA", pytrace=False)
    return path


@pytest.fixture(scope="session")
def shared_data() -> Path:
    return shared_data_dir()


@pytest.fixture(scope="session")
def rajagopal(shared_data: Path) -> Path:
    return shared_data / "rajagopal2016_walk"


@pytest.fixture(scope="session")
def falisse_mat(shared_data: Path) -> Path:
    return shared_data / "falisse2019_subject1" / "ExperimentalData.mat"


@pytest.fixture(scope="session")
def gait2354(shared_data: Path) -> Path:
    return shared_data / "opensim_gait2354_subject01"


@pytest.fixture(scope="session")
def rajagopal_activations(rajagopal: Path):
    """MuJoCo-inverse activations of the Rajagopal stride (0.48-1.61 s), computed once per test session."""
    import warnings

    from synergait.inverse import rajagopal_activations

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return rajagopal_activations(rajagopal)


@pytest.fixture(scope="session")
def across_speeds(falisse_mat: Path) -> Callable[..., ReferenceSet]:
    """A factory of ``ReferenceSet`` s: the Falisse subject's first cycle repeated at ``speeds`` (m/s) on level
    ground, each variable named in ``deg_per_m_s`` shifted by that many degrees per m/s of speed."""
    import pandas as pd

    from synergait.data.reference import ReferenceSet, load_falisse2019

    table = load_falisse2019(falisse_mat).table
    cycle = table[table["cycle"] == 0].assign(subject="x")

    def build(name: str, speeds: tuple[float, ...], **deg_per_m_s: float) -> ReferenceSet:
        tables = []
        for speed in speeds:
            at_speed = cycle.assign(speed_m_s=speed, slope_deg=0.0)
            for variable, shift in deg_per_m_s.items():
                at_speed.loc[at_speed["variable"] == variable, "value"] += shift * speed
            tables.append(at_speed)
        return ReferenceSet.from_table(pd.concat(tables), name=name)

    return build
