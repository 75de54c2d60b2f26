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
    files: dict[str, str]  # file name -> SHA-256
    citation: str
    license: str
    reference: Callable[[Path], ReferenceSet]


DATASETS: dict[str, Dataset] = {
    "rajagopal2016": Dataset(
        name="rajagopal2016", folder="rajagopal2016_walk",
        base_url=_OPENSIM_CORE + "OpenSim/Examples/Moco/example3DWalking/",
        files={
            "coordinates.sto": "981e94b5d7bb6fcae403a381fee8c3011533d8c683b17460096b400d20044cdb",
            "electromyography.sto": "0746a08b1107f816ef35183d7639ca46dc863b60e178404d822ddc42fbb58061",
            "grf_walk.mot": "372d59855f80d7de81303cb7d3a5c5878ef8e0cb82a53a27cfce44e93357e42c",
            "grf_walk.xml": "3c5313d5680c52fd130a0ed86620472fe3c576a5a9599ed08a53652b84dd82e6",
            "id_walk.sto": "5eabf736a0f239b24eed4725289b5217b30d7fa0d88ad6f0f994cb33bdfd4515",
            "markers_walk.trc": "fb2757ff812c6cc18d942aba7e9f9acfb3d921fd2d4ccafd5fdf47bb90aaa50e",
            "subject_walk_scaled.osim": "806ad1b248c6b2bc48ab43b58865915d1664e144b4ff6846457d80adacc23ce5",
            "subject_walk_scaled_FunctionBasedPathSet.xml":
                "932ac403e4d6d0d10d9a9da551e43d0ded94dd2b99c370f9b25053ee9232f8a5",
        },
        citation="Rajagopal et al. (2016) IEEE TBME 63(10):2068-2079; data from the OpenSim Moco example3DWalking",
        license="Apache-2.0",
        reference=load_rajagopal2016,
    ),
    "falisse2019": Dataset(
        name="falisse2019", folder="falisse2019_subject1",
        base_url="https://raw.githubusercontent.com/antoinefalisse/3dpredictsim/"
                 "5fa3929fa9ba29d5c057c16b18671a017d8f15c1/ExperimentalData/",
        files={"ExperimentalData.mat": "40732396d504bf56b201b507eb819d9a1759b0c04fc537d43dacb8e817a1baf8"},
        citation="Falisse et al. (2019) J R Soc Interface 16:20190402",
        license="MIT",
        reference=lambda d: load_falisse2019(d / "ExperimentalData.mat"),
    ),
    "gait2354_subject01": Dataset(
        name="gait2354_subject01", folder="opensim_gait2354_subject01",
        base_url=_OPENSIM_CORE + "Bindings/Python/tutorials/resources/Tutorial%205/",
        files={
            "subject01_walk1_grf.mot": "c3b5b46c64e958832f402687c328ca0f6fe132ebd8ccdf613600c5422d4a2a81",
            "subject01_walk1_grf.xml": "49158c0ab39a7692ed99144a12b369aa9573805c9431cdfe9e6c268fc67f89ab",
            "subject01_walk1.trc": "b7ff1d0fee39a6b035f898b38c55d4f58ac3c941be5f83c3b4849e9bc5f9aad4",
            "gait2354_Setup_Scale.xml": "a94d5eb88f18f6ff13914758d8bca26777cd9589fe10da1fdbc7adb7a69767dc",
        },
        citation="OpenSim tutorial 5 (Delp et al. 2007 IEEE TBME)",
        license="Apache-2.0",
        reference=load_gait2354_subject01,
    ),
}


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
    return ReferenceSet.from_csv(name)
