"""The default synergy basis: this pipeline run on the Rajagopal 2016 trial.

Regenerate with ``synergait synergy default --from DIR`` (DIR: a local copy of the ``rajagopal2016`` dataset, or
omit it to fetch the data): MuJoCo inverse over 0.48-1.61 s (the window of OpenSim's Moco example) at 100 Hz with
GRF scaled to the model's mass, then NMF with k = 10 on the 40 right-leg muscles, 10 restarts, seed 0.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from synergait.inverse import rajagopal_activations
from synergait.synergy.basis import DEFAULT_BASIS_ASSET
from synergait.synergy.extract import SynergyExtractor


def build_default_basis(source: str | Path | None = None, out: str | Path | None = None,
                        progress: bool = False) -> tuple[SynergyExtractor, Path]:
    """Run the pipeline and write the basis (default: into the installed package's assets)."""
    extractor = SynergyExtractor(n_synergies=10, n_restarts=10, seed=0).fit(
        rajagopal_activations(source, progress=progress))
    extractor.basis_.provenance["source_trial"] = "rajagopal2016 coordinates.sto + grf_walk.mot, 0.48-1.61 s"
    target = Path(out) if out else Path(str(resources.files("synergait.assets").joinpath(DEFAULT_BASIS_ASSET)))
    extractor.basis_.save(target)
    return extractor, target
