"""Public datasets synergait knows: pinned URLs, SHA-256 checksums, a cache, and a local-copy override.

``fetch("rajagopal2016")`` downloads once into the cache (``$SYNERGAIT_CACHE`` or the OS cache directory) with
pooch, verifying every file's SHA-256. ``fetch(name, source=DIR)`` or ``$SYNERGAIT_DATA_DIR`` use a local copy
instead (``DIR`` may be the dataset folder itself or a folder holding it under its usual name); its files are
verified the same way and never copied.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from synergait.data.reference import ReferenceSet, load_falisse2019, load_gait2354_subject01, load_rajagopal2016
from synergait.errors import InputFileError, ParameterError

_OPENSIM_CORE = ("https://raw.githubusercontent.com/opensim-org/opensim-core/"
                 "0435b081dc383498e217f92ca63bb97616145c14/")


@dataclass(frozen=True)
class Dataset:
    """A public dataset: where its files live, their checksums, and how to read it as a ReferenceSet."""

    name: str
    folder: str
    base_url: str
    citation: str
    license: str
    reference: Callable[[Path], ReferenceSet]

    @property
    def files(self) -> dict[str, str]:
        """File name -> SHA-256, from the package's ``checksums.txt``."""
        text = resources.files("synergait.data").joinpath("checksums.txt").read_text()
        rows = (line.split() for line in text.splitlines() if line and not line.startswith("#"))
        return {file: sha for dataset, file, sha in rows if dataset == self.name}


DATASETS: dict[str, Dataset] = {d.name: d for d in (
    Dataset("rajagopal2016", "rajagopal2016_walk", _OPENSIM_CORE + "OpenSim/Examples/Moco/example3DWalking/",
            "Rajagopal et al. (2016) IEEE TBME 63(10):2068-2079; data from the OpenSim Moco example3DWalking",
            "Apache-2.0", load_rajagopal2016),
    Dataset("falisse2019", "falisse2019_subject1", "https://raw.githubusercontent.com/antoinefalisse/3dpredictsim/"
            "5fa3929fa9ba29d5c057c16b18671a017d8f15c1/ExperimentalData/",
            "Falisse et al. (2019) J R Soc Interface 16:20190402", "MIT",
            lambda d: load_falisse2019(d / "ExperimentalData.mat")),
    Dataset("gait2354_subject01", "opensim_gait2354_subject01",
            _OPENSIM_CORE + "Bindings/Python/tutorials/resources/Tutorial%205/",
            "OpenSim tutorial 5 (Delp et al. 2007 IEEE TBME)", "Apache-2.0", load_gait2354_subject01),
)}


def dataset(name: str) -> Dataset:
    try:
        return DATASETS[name]
    except KeyError:
        raise ParameterError("dataset", f"unknown dataset '{name}' (known: {', '.join(DATASETS)})") from None


def cache_dir() -> Path:
    """Where downloads go: ``$SYNERGAIT_CACHE`` or the OS user cache directory."""
    import pooch

    return Path(os.environ.get("SYNERGAIT_CACHE") or pooch.os_cache("synergait"))


def _sha256(path: Path) -> str:
    import pooch

    return pooch.file_hash(str(path), alg="sha256")


def local_copy(name: str, source: str | Path | None = None) -> Path | None:
    """The verified local copy of dataset ``name`` in ``source`` / ``$SYNERGAIT_DATA_DIR``, or None if absent."""
    spec = dataset(name)
    root = source or os.environ.get("SYNERGAIT_DATA_DIR")
    if not root:
        return None
    root = Path(root)
    candidates = [root, root / spec.folder, root / spec.name]
    folder = next((c for c in candidates if all((c / f).is_file() for f in spec.files)), None)
    if folder is None:
        if source is not None:
            missing = [f for f in spec.files if not (root / spec.folder / f).is_file() and not (root / f).is_file()]
            raise InputFileError(root, f"no local copy of '{name}': missing {', '.join(missing)}")
        return None
    for file, expected in spec.files.items():
        if _sha256(folder / file) != expected:
            raise InputFileError(folder / file, f"SHA-256 does not match the pinned '{name}' release "
                                                "(modified or different version)")
    return folder


def fetch(name: str, *, source: str | Path | None = None, progress: bool = False) -> Path:
    """Directory holding the verified files of dataset ``name`` (a local copy, the cache, or a fresh download)."""
    spec = dataset(name)
    local = local_copy(name, source)
    if local is not None:
        return local
    import pooch

    target = cache_dir() / spec.folder
    for file, sha in spec.files.items():
        try:
            pooch.retrieve(spec.base_url + file, known_hash=f"sha256:{sha}", fname=file, path=target,
                           progressbar=progress)
        except ValueError as exc:  # checksum mismatch
            raise InputFileError(target / file, str(exc).splitlines()[0]) from None
        except Exception as exc:  # network errors come in many types (requests, urllib3, OSError)
            raise InputFileError(spec.base_url + file, f"download failed ({type(exc).__name__}); no network? "
                                 f"use a local copy with --from DIR or SYNERGAIT_DATA_DIR") from None
    return target


def load_reference(name: str | Path, *, source: str | Path | None = None) -> ReferenceSet:
    """The ReferenceSet of a known dataset (from a local copy or the cache, downloading if needed), or of a
    ReferenceSet CSV file when ``name`` is not a known dataset."""
    if str(name) in DATASETS:
        return dataset(str(name)).reference(fetch(str(name), source=source))
    if not Path(name).is_file():
        raise ParameterError("reference", f"'{name}' is neither a known dataset ({', '.join(DATASETS)}) nor a "
                                          "ReferenceSet CSV file")
    return ReferenceSet.from_csv(name)
