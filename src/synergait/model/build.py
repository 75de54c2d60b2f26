"""Build a body model with synergait's terrain, with MjSpec, before compiling.

myo-sim's models stand on a hidden ~1.05 m-radius cylinder above a floor at z = -0.4, so a walker runs off it
within a second. All world geoms are removed in the spec and replaced by terrain tiles, each a box on its own
mocap body: a new terrain moves the mocap bodies (``data.mocap_pos``/``mocap_quat``) without recompiling. Moving
geoms of a compiled model instead would leave MuJoCo's precomputed bounding volumes stale and silently lose
contacts.
"""

from __future__ import annotations

import functools
import warnings

import mujoco
import numpy as np

from synergait.model.catalog import DEFAULT_MODEL, model_info
from synergait.model.terrain import N_TILES, TILE_LENGTH_M, TILE_THICKNESS_M, TILE_WIDTH_M, Terrain

#: Physics timestep (s) and substeps per 40 Hz control step: 0.0025 s x 10 = 0.025 s. Measured stable (no NaN or
#: warnings over 20,000 random-excitation control steps); see ``benchmarks/env_throughput.py``.
DEFAULT_TIMESTEP_S = 0.0025
TILE_PREFIX = "tile_"


def load_spec(name: str = DEFAULT_MODEL) -> mujoco.MjSpec:
    """The myo-sim MjSpec of a supported model (its build warnings silenced)."""
    import myo_sim

    model_info(name)  # validates the name
    previous = mujoco.get_mju_user_warning()
    # myo-sim attaches its leg and torso fragments without a prefix; MuJoCo warns about that on stderr although
    # synergait never saves the composed spec as XML. Other MuJoCo warnings still reach Python's warnings.
    mujoco.set_mju_user_warning(
        lambda message: None if message.startswith("Attaching a spec with an empty prefix")
        else warnings.warn(f"MuJoCo: {message}", stacklevel=2))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return myo_sim.load_spec(name)
    finally:
        mujoco.set_mju_user_warning(previous)


def add_terrain_tiles(spec: mujoco.MjSpec, n_tiles: int = N_TILES) -> None:
    """Replace every world geom by ``n_tiles`` mocap tiles (contype 0, conaffinity 1: they touch the body's
    collision geoms, which have contype 1, but not each other)."""
    for geom in list(spec.worldbody.geoms):
        spec.delete(geom)
    for i in range(n_tiles):
        body = spec.worldbody.add_body(name=f"{TILE_PREFIX}{i}", mocap=True, pos=[0.0, 0.0, -10.0 - i])
        body.add_geom(name=f"{TILE_PREFIX}{i}", type=mujoco.mjtGeom.mjGEOM_BOX,
                      size=[TILE_WIDTH_M / 2, TILE_LENGTH_M / 2, TILE_THICKNESS_M / 2], contype=0, conaffinity=1,
                      rgba=[0.55, 0.6, 0.55, 1.0] if i % 2 else [0.5, 0.55, 0.5, 1.0])


@functools.lru_cache(maxsize=8)
def _compiled(name: str, n_tiles: int, timestep_s: float) -> mujoco.MjModel:
    spec = load_spec(name)
    add_terrain_tiles(spec, n_tiles)
    spec.option.timestep = timestep_s
    # No silent auto-reset on diverging physics: the environment detects the divergence and ends the episode.
    spec.option.disableflags |= mujoco.mjtDisableBit.mjDSBL_AUTORESET
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return spec.compile()


def build_model(name: str = DEFAULT_MODEL, *, n_tiles: int = N_TILES,
                timestep_s: float = DEFAULT_TIMESTEP_S) -> mujoco.MjModel:
    """A compiled copy of model ``name`` with terrain tiles (compilation is cached per process)."""
    return _compiled(name, n_tiles, float(timestep_s)).__copy__()


def place_terrain(model: mujoco.MjModel, data: mujoco.MjData, terrain: Terrain) -> None:
    """Move the mocap tiles to ``terrain`` (which must have as many tiles as the model)."""
    n_tiles = model.nmocap
    if terrain.n_tiles != n_tiles:
        raise ValueError(f"terrain has {terrain.n_tiles} tiles, model has {n_tiles}")
    centres, quats = terrain.tile_poses()
    data.mocap_pos[:] = centres
    data.mocap_quat[:] = quats


def tile_geom_ids(model: mujoco.MjModel) -> np.ndarray:
    return np.array([i for i in range(model.ngeom) if (model.geom(i).name or "").startswith(TILE_PREFIX)])
