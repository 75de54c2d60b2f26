"""Regenerate the derived assets shipped in ``synergait/assets`` from the Rajagopal 2016 trial, in one place.

* ``default_basis.npz`` (``synergait synergy default --from DIR``): the default SynergyBasis. MuJoCo inverse
  over 0.48-1.61 s (the window of OpenSim's Moco example) at 100 Hz with the GRF scaled to the model's mass, then
  NMF with k = 10 on the 40 right-leg muscles, 10 restarts, seed 0.
* ``default_pattern.npz`` (the same command): those activations folded onto the right leg's gait cycle (heel
  strikes from the GRF), the feed-forward.
* ``initial_pose.json`` and ``gait_cycle_poses.json`` (``synergait env make-pose --from DIR``): the pose at the
  trial's right heel strike (the paper-like reset state) and poses every 20 ms across the trial (reset states
  and the imitation reference).
* ``policies/``: the shipped walkers (``synergait walker export`` / ``walker import --trust``; provenance in each
  ``walker.yaml``).

``DIR`` is a local copy of the ``rajagopal2016`` dataset; without it the data are fetched (checksums verified).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from synergait.data.io import read_storage
from synergait.data.rajagopal import RajagopalTrial
from synergait.inverse import rajagopal_activations
from synergait.model.pose import (
    POSE_ASSET,
    POSE_LIBRARY_ASSET,
    annotated_pose,
    pose_library,
    save_pose_library,
    stride_duration,
)
from synergait.synergy.basis import DEFAULT_BASIS_ASSET
from synergait.synergy.extract import DEFAULT_MUSCLES, SynergyExtractor
from synergait.synergy.pattern import DEFAULT_PATTERN_ASSET, GaitPattern


def _packaged(asset: str) -> Path:
    return Path(str(resources.files("synergait.assets").joinpath(asset)))


def build_default_basis(source: str | Path | None = None, out: str | Path | None = None,
                        progress: bool = False) -> tuple[SynergyExtractor, Path, GaitPattern]:
    """Run the pipeline and write the basis and, beside it, the gait pattern (default: the package's assets)."""
    trial = RajagopalTrial.fetch(source)
    table = rajagopal_activations(trial.folder, progress=progress)
    extractor = SynergyExtractor(n_synergies=10, n_restarts=10, seed=0).fit(table)
    extractor.basis_.provenance["source_trial"] = "rajagopal2016 coordinates.sto + grf_walk.mot, 0.48-1.61 s"
    target = Path(out) if out else _packaged(DEFAULT_BASIS_ASSET)
    extractor.basis_.save(target)
    events = trial.events()
    strikes = events.right.heel_strikes
    pattern = GaitPattern.from_table(table, strikes[0], stride_duration(strikes, events.left.heel_strikes),
                                     DEFAULT_MUSCLES)
    pattern.save(target.with_name(DEFAULT_PATTERN_ASSET))
    return extractor, target, pattern


def make_pose_assets(trial: RajagopalTrial, out: str | Path | None = None) -> dict[str, object]:
    """Write the initial pose (the trial's first right heel strike within its coordinates) to ``out`` (default:
    the packaged asset) and the gait-cycle pose library beside it; returns what was written."""
    events = trial.events()
    coordinates = read_storage(trial.coordinates)
    strike = next(t for t in events.right.heel_strikes if coordinates.time[0] <= t <= coordinates.time[-1])
    strikes = events.right.heel_strikes, events.left.heel_strikes
    pose = annotated_pose(coordinates, strike, *strikes, stride_duration(*strikes))
    target = Path(out) if out else _packaged(POSE_ASSET)
    pose.save(target)
    library = pose_library(coordinates, *strikes)
    library_path = target.with_name(POSE_LIBRARY_ASSET)
    save_pose_library(library, library_path)
    return {"out": str(target), "time_s": strike, "forward_speed_m_s": pose.forward_speed_m_s,
            "library": str(library_path), "library_poses": len(library)}
