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


#: The trial's files synergait reads, by role.
FILES = {"coordinates": "coordinates.sto", "grf": "grf_walk.mot", "loads": "grf_walk.xml",
         "emg": "electromyography.sto", "osim_model": "subject_walk_scaled.osim"}


@dataclass(frozen=True)
class RajagopalTrial:
    """Paths of the Rajagopal 2016 trial's files (verified against their checksums by :func:`fetch`): OpenSim
    coordinates (IK), ground reaction forces and the ExternalLoads XML naming each side's columns, EMG envelopes,
    the scaled OpenSim model."""

    folder: Path
    coordinates: Path
    grf: Path
    loads: Path
    emg: Path
    osim_model: Path

    @classmethod
    def at(cls, folder: str | Path) -> RajagopalTrial:
        """The trial in ``folder`` (not verified)."""
        folder = Path(folder)
        return cls(folder, **{role: folder / name for role, name in FILES.items()})

    @classmethod
    def fetch(cls, source: str | Path | None = None) -> RajagopalTrial:
        """From a local copy (``source`` or ``$SYNERGAIT_DATA_DIR``) or the download cache, verified."""
        return cls.at(fetch("rajagopal2016", source=source))

    def events(self) -> GaitEvents:
        """Heel strikes and toe-offs of both feet from the force plates named in ``grf_walk.xml``."""
        return detect_gait_events(read_storage(self.grf), loads_xml=self.loads)
