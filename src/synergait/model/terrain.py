"""Terrain of sequential tiles (the paper's: 4 m wide, 1 m long, 0.1 m thick, pitch in [-6, +6] degrees).

A terrain is a sequence of tile pitches along the walking direction. Tiles are laid end to end so that each
tile's top surface starts where the previous one ended: the walking surface is continuous, piecewise planar.
The first ``n_flat`` tiles are level (the walker starts at the origin on level ground, ``FLAT_BEHIND_M`` of it
behind). Pitch is positive uphill in the walking direction.

Tiles are MuJoCo mocap bodies (see :mod:`synergait.model.build`), so a new terrain per episode only moves them;
the model is compiled once. ``TerrainPool`` addresses 10,000 terrains by index, each generated on demand from
``(seed, index)``, so no terrain is stored.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

from synergait.errors import ParameterError
from synergait.model.catalog import FORWARD, UP

TILE_WIDTH_M = 4.0
TILE_LENGTH_M = 1.0
TILE_THICKNESS_M = 0.1
MAX_PITCH_DEG = 6.0
N_TILES = 52
N_FLAT = 4
FLAT_BEHIND_M = 2.0
#: Where a constant slope begins by default (the evaluation's), metres ahead of the start: the level tiles' end.
SLOPE_START_M = N_FLAT * TILE_LENGTH_M - FLAT_BEHIND_M


@dataclass(frozen=True)
class Terrain:
    """Tile pitches (rad) along the walking direction, first tile starting ``FLAT_BEHIND_M`` behind the origin."""

    pitches_rad: np.ndarray
    label: str = "terrain"

    @property
    def n_tiles(self) -> int:
        return int(self.pitches_rad.size)

    @functools.cached_property
    def tile_edges(self) -> np.ndarray:
        """Back edge of each tile's top surface and the front edge of the last: ``(n_tiles + 1, 2)`` as
        (forward distance, height) in metres."""
        steps = TILE_LENGTH_M * np.column_stack([np.cos(self.pitches_rad), np.sin(self.pitches_rad)])
        start = np.array([[-FLAT_BEHIND_M, 0.0]])
        return np.concatenate([start, start + np.cumsum(steps, axis=0)])

    @property
    def first_pitched_m(self) -> float:
        """Forward distance (m) where the first tile that is not level begins (inf on level ground)."""
        pitched = np.flatnonzero(np.abs(self.pitches_rad) > 1e-9)
        return float(self.tile_edges[pitched[0], 0]) if pitched.size else math.inf

    @property
    def grade_deg(self) -> float:
        """Mean pitch (degrees, + uphill) of the tiles that are not level: a constant slope's slope; 0 when level."""
        pitched = self.pitches_rad[np.abs(self.pitches_rad) > 1e-9]
        return float(np.degrees(pitched.mean())) if pitched.size else 0.0

    def pitch_deg_at(self, forward_m: float) -> float:
        """Pitch (degrees, + uphill) of the tile at forward distance ``forward_m`` (m) from the origin; the end
        tiles' beyond the terrain."""
        tile = np.searchsorted(self.tile_edges[1:-1, 0], forward_m, side="right")
        return float(np.degrees(self.pitches_rad[tile]))

    def height_at(self, forward_m: np.ndarray | float) -> np.ndarray:
        """Surface height (m) at forward distance(s) from the origin (m)."""
        edges = self.tile_edges
        return np.interp(forward_m, edges[:, 0], edges[:, 1])

    def tile_poses(self) -> tuple[np.ndarray, np.ndarray]:
        """Box centres ``(n_tiles, 3)`` and quaternions ``(n_tiles, 4)`` (w, x, y, z) in the MuJoCo world frame."""
        edges = self.tile_edges
        middle = (edges[:-1] + edges[1:]) / 2
        normal = np.column_stack([-np.sin(self.pitches_rad), np.cos(self.pitches_rad)])  # (forward, up)
        centre_2d = middle - TILE_THICKNESS_M / 2 * normal
        centres = centre_2d[:, :1] * FORWARD + centre_2d[:, 1:] * UP
        # Box length lies along local y; rotating by -pitch about x tilts +y (backward) down when pitch > 0.
        half = -self.pitches_rad / 2
        quats = np.column_stack([np.cos(half), np.sin(half), np.zeros_like(half), np.zeros_like(half)])
        return centres, quats


def flat_terrain(n_tiles: int = N_TILES) -> Terrain:
    return Terrain(np.zeros(n_tiles), label="flat")


def level_tiles(slope_start_m: float) -> int:
    """Level tiles before a slope that begins ``slope_start_m`` ahead of the start (on a tile edge, >= 0)."""
    tiles = (FLAT_BEHIND_M + slope_start_m) / TILE_LENGTH_M
    if slope_start_m < 0 or not tiles.is_integer():
        raise ParameterError("slope_start_m", f"{slope_start_m} m ahead of the start is not a tile edge at or ahead "
                             f"of it ({TILE_LENGTH_M:g} m tiles from {-FLAT_BEHIND_M:g} m)")
    return int(tiles)


def slope_terrain(slope_deg: float, n_tiles: int = N_TILES, slope_start_m: float = SLOPE_START_M) -> Terrain:
    """Level start, then a constant slope (degrees, uphill positive) from ``slope_start_m`` ahead of the start."""
    if abs(slope_deg) > 30:
        raise ParameterError("slope_deg", f"must be within +/-30 degrees, got {slope_deg}")
    pitches = np.full(n_tiles, math.radians(slope_deg))
    pitches[:level_tiles(slope_start_m)] = 0.0
    return Terrain(pitches, label=f"slope {slope_deg:+g} deg")


@dataclass(frozen=True)
class TerrainPool:
    """``size`` random terrains addressed by index; terrain ``i`` depends only on ``(seed, i)``."""

    size: int = 10_000
    seed: int = 0
    max_pitch_deg: float = MAX_PITCH_DEG
    n_tiles: int = N_TILES
    n_flat: int = N_FLAT

    def __getitem__(self, index: int) -> Terrain:
        if not 0 <= index < self.size:
            raise ParameterError("terrain index", f"must be in [0, {self.size}), got {index}")
        rng = np.random.default_rng([self.seed, index])
        limit = math.radians(self.max_pitch_deg)
        pitches = rng.uniform(-limit, limit, self.n_tiles)
        pitches[: self.n_flat] = 0.0
        return Terrain(pitches, label=f"random #{index}")

    def __len__(self) -> int:
        return self.size
