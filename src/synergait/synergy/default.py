"""The default synergy basis and gait pattern: this pipeline run on the Rajagopal 2016 trial.

Regenerate both with ``synergait synergy default --from DIR`` (DIR: a local copy of the ``rajagopal2016`` dataset,
or omit it to fetch the data): MuJoCo inverse over 0.48-1.61 s (the window of OpenSim's Moco example) at 100 Hz
with GRF scaled to the model's mass, then NMF with k = 10 on the 40 right-leg muscles, 10 restarts, seed 0. The
gait pattern is the same activations folded onto the right leg's gait cycle (heel strikes from the GRF).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from synergait.synergy.basis import DEFAULT_BASIS_ASSET
from synergait.synergy.extract import DEFAULT_MUSCLES, SynergyExtractor
from synergait.synergy.pattern import DEFAULT_PATTERN_ASSET, GaitPattern


def build_default_basis(source: str | Path | None = None, out: str | Path | None = None,
                        progress: bool = False) -> tuple[SynergyExtractor, Path, GaitPattern]:
    """Run the pipeline and write the basis and, beside it, the gait pattern (default: the package's assets)."""
    from synergait.data.rajagopal import RajagopalTrial
    from synergait.inverse import rajagopal_activations
    from synergait.model.pose import stride_duration

    trial = RajagopalTrial.fetch(source)
    table = rajagopal_activations(trial.folder, progress=progress)
    extractor = SynergyExtractor(n_synergies=10, n_restarts=10, seed=0).fit(table)
    extractor.basis_.provenance["source_trial"] = "rajagopal2016 coordinates.sto + grf_walk.mot, 0.48-1.61 s"
    target = Path(out) if out else Path(str(resources.files("synergait.assets").joinpath(DEFAULT_BASIS_ASSET)))
    extractor.basis_.save(target)
    events = trial.events()
    strikes = events.right.heel_strikes
    pattern = GaitPattern.from_table(table, strikes[0], stride_duration(strikes, events.left.heel_strikes),
                                     DEFAULT_MUSCLES)
    pattern.save(target.with_name(DEFAULT_PATTERN_ASSET))
    return extractor, target, pattern
