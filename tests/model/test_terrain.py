from __future__ import annotations

import itertools
import math

import mujoco
import numpy as np
import pytest

from synergait.model.build import build_model, place_terrain, tile_geom_ids
from synergait.model.terrain import (
    MAX_PITCH_DEG,
    N_FLAT,
    TILE_LENGTH_M,
    TILE_THICKNESS_M,
    TILE_WIDTH_M,
    TerrainPool,
    flat_terrain,
    slope_terrain,
)


def test_pool_is_deterministic_and_within_pitch_limits() -> None:
    pool = TerrainPool(seed=7)
    assert len(pool) == 10_000
    a, b = pool[1234], TerrainPool(seed=7)[1234]
    np.testing.assert_array_equal(a.pitches_rad, b.pitches_rad)
    assert not np.array_equal(pool[1].pitches_rad, pool[2].pitches_rad)
    pitches = np.concatenate([pool[i].pitches_rad for i in range(50)])
    assert np.abs(pitches).max() <= math.radians(MAX_PITCH_DEG)
    assert np.abs(pitches).max() > math.radians(MAX_PITCH_DEG) * 0.9  # the range is actually used
    assert (pool[5].pitches_rad[:N_FLAT] == 0).all()
    with pytest.raises(ValueError, match="terrain index"):
        pool[10_000]


def _tile_top_corners(data: mujoco.MjData, geom: int, size: np.ndarray) -> np.ndarray:
    """Back and front edge midpoints of a tile's top face, world frame."""
    rotation, centre = data.geom_xmat[geom].reshape(3, 3), data.geom_xpos[geom]
    return np.array([centre + rotation @ np.array([0.0, sign * size[1], size[2]]) for sign in (1.0, -1.0)])


@pytest.mark.parametrize("terrain", [TerrainPool(seed=3)[42], slope_terrain(5.0), slope_terrain(-5.0)])
def test_placed_tiles_have_the_paper_geometry(terrain) -> None:
    model = build_model()
    data = mujoco.MjData(model)
    place_terrain(model, data, terrain)
    mujoco.mj_kinematics(model, data)
    geoms = tile_geom_ids(model)
    assert len(geoms) == terrain.n_tiles
    np.testing.assert_allclose(model.geom_size[geoms], [[TILE_WIDTH_M / 2, TILE_LENGTH_M / 2,
                                                         TILE_THICKNESS_M / 2]] * len(geoms))
    edges = []
    for geom, pitch in zip(geoms, terrain.pitches_rad, strict=True):
        back, front = _tile_top_corners(data, geom, model.geom_size[geom])
        rise, run = front[2] - back[2], back[1] - front[1]  # forward is -y
        assert math.atan2(rise, run) == pytest.approx(pitch, abs=1e-9)
        assert math.hypot(rise, run) == pytest.approx(TILE_LENGTH_M)
        edges.append((back, front))
    for (_, front), (back, _) in itertools.pairwise(edges):
        np.testing.assert_allclose(front, back, atol=1e-9)  # continuous walking surface
    forward = -np.array([e[0][1] for e in edges])
    np.testing.assert_allclose(terrain.height_at(forward), [e[0][2] for e in edges], atol=1e-9)


def test_flat_terrain_is_level_at_zero() -> None:
    terrain = flat_terrain()
    assert terrain.height_at(np.array([-2.0, 0.0, 30.0])) == pytest.approx([0.0, 0.0, 0.0])


def test_the_grade_is_a_slopes_slope_and_about_zero_on_random_tiles() -> None:
    assert slope_terrain(-5.0).grade_deg == pytest.approx(-5.0)
    assert flat_terrain().grade_deg == 0.0
    grades = [TerrainPool(size=50, seed=1)[i].grade_deg for i in range(50)]
    assert max(abs(g) for g in grades) < 2.0  # pitches in +/-6 degrees average out over the tiles


def test_the_pitch_under_a_point_is_its_tiles() -> None:
    terrain = slope_terrain(5.0)  # level to 2 m ahead of the start, then +5 degrees
    assert [terrain.pitch_deg_at(x) for x in (-3.0, 0.0, 1.99, 2.01, 40.0, 1e3)] == pytest.approx(
        [0.0, 0.0, 0.0, 5.0, 5.0, 5.0])
    random = TerrainPool(seed=3)[42]
    x = float(random.tile_edges[7:9, 0].mean())  # the middle of tile 7
    assert random.pitch_deg_at(x) == pytest.approx(np.degrees(random.pitches_rad[7]))
