"""The Rajagopal 2016 walking trial as synergait uses it: its files, its gait events, and its one stride.

One place for what several stages read from this trial (the inverse analysis and its benchmark, the default
synergy basis and gait pattern, the reset poses, the demo).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from synergait.data.events import GaitEvents, detect_gait_events
from synergait.data.fetch import fetch
from synergait.data.io import read_storage

#: The stride analysed (s): the window of OpenSim's ``example3DWalking``.
RAJAGOPAL_WINDOW_S = (0.48, 1.61)


@dataclass(frozen=True)
class RajagopalTrial:
    """Paths of the Rajagopal 2016 trial's files (verified against their checksums by :func:`fetch`)."""

    folder: Path

    @classmethod
    def fetch(cls, source: str | Path | None = None) -> RajagopalTrial:
        """From a local copy (``source`` or ``$SYNERGAIT_DATA_DIR``) or the download cache."""
        return cls(fetch("rajagopal2016", source=source))

    @property
    def coordinates(self) -> Path:
        return self.folder / "coordinates.sto"

    @property
    def grf(self) -> Path:
        return self.folder / "grf_walk.mot"

    @property
    def loads(self) -> Path:
        return self.folder / "grf_walk.xml"

    @property
    def emg(self) -> Path:
        return self.folder / "electromyography.sto"

    @property
    def osim_model(self) -> Path:
        return self.folder / "subject_walk_scaled.osim"

    def events(self) -> GaitEvents:
        """Heel strikes and toe-offs of both feet from the force plates named in ``grf_walk.xml``."""
        return detect_gait_events(read_storage(self.grf), loads_xml=self.loads)
