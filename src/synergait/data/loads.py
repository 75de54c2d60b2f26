"""External loads (ground reaction force, centre of pressure, free moment) per foot from a GRF recording."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from synergait.data.trial import Trial
from synergait.errors import InputFileError

SIDES = ("right", "left")
_SIDE_TOKENS = {"right": re.compile(r"(^|[_\-. ])(r|right)([_\-. ]|$)", re.IGNORECASE),
                "left": re.compile(r"(^|[_\-. ])(l|left)([_\-. ]|$)", re.IGNORECASE)}


def side_of(name: str) -> str | None:
    """``"right"``/``"left"`` when a body or column name carries a side token (``calcn_r``, ``R_GRF``, ...)."""
    return next((s for s in SIDES if _SIDE_TOKENS[s].search(name)), None)


@dataclass(frozen=True)
class ExternalLoad:
    """Column names of one foot's load: force ``<force>x/y/z`` (N), point ``<point>x/y/z`` (m), torque
    ``<torque>x/y/z`` (N*m), all in the laboratory (OpenSim ground) frame, applied to ``body``."""

    side: str
    body: str
    force: str
    point: str
    torque: str | None
    expressed_in: str = "ground"

    def columns(self) -> list[str]:
        prefixes = [self.force, self.point] + ([self.torque] if self.torque else [])
        return [f"{p}{axis}" for p in prefixes for axis in "xyz"]

    def arrays(self, grf: Trial) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Force, point and torque, each ``(T, 3)``."""
        missing = [c for c in self.columns() if c not in grf]
        if missing:
            raise InputFileError(grf.source, f"missing GRF column(s) for the {self.side} foot: {', '.join(missing)}")

        def triple(prefix: str | None) -> np.ndarray:
            if prefix is None:
                return np.zeros((grf.n_samples, 3))
            return np.column_stack([grf[f"{prefix}{axis}"] for axis in "xyz"])

        return triple(self.force), triple(self.point), triple(self.torque)


def read_external_loads(path: str | Path) -> list[ExternalLoad]:
    """Every ExternalForce of an OpenSim ExternalLoads file that has a force identifier and acts on a right or
    left body, in file order."""
    path = Path(path)
    try:
        root = ET.parse(path).getroot()
    except (ET.ParseError, OSError) as exc:
        raise InputFileError(path, f"not a readable ExternalLoads XML ({exc})") from None
    loads = []
    for force in root.iter("ExternalForce"):
        body = (force.findtext("applied_to_body") or "").strip()
        identifier = (force.findtext("force_identifier") or "").strip()
        side = side_of(body)
        if side is None or not identifier:
            continue
        loads.append(ExternalLoad(
            side=side, body=body, force=identifier, point=(force.findtext("point_identifier") or "").strip(),
            torque=(force.findtext("torque_identifier") or "").strip() or None,
            expressed_in=(force.findtext("force_expressed_in_body") or "ground").strip()))
    if not loads:
        raise InputFileError(path, "no ExternalForce with a force_identifier applied to a right or left body")
    return loads


def external_loads_from_xml(path: str | Path) -> list[ExternalLoad]:
    """Loads of an OpenSim ExternalLoads file, which must be expressed in ground (as synergait applies them)."""
    loads = read_external_loads(path)
    for load in loads:
        if load.expressed_in != "ground":
            raise InputFileError(path, f"force of {load.body} is expressed in '{load.expressed_in}'; synergait "
                                       "needs 'ground'")
    return loads


def external_loads_from_names(grf: Trial) -> list[ExternalLoad]:
    """Loads recognised from OpenSim-style column names (``ground_force_r_vx``, ``ground_force_r_px``,
    ``ground_torque_r_x``; and the same with ``_l_``)."""
    loads = []
    for side, code in (("right", "r"), ("left", "l")):
        force, point, torque = f"ground_force_{code}_v", f"ground_force_{code}_p", f"ground_torque_{code}_"
        if f"{force}y" in grf and f"{point}y" in grf:
            loads.append(ExternalLoad(side=side, body=f"calcn_{code}", force=force, point=point,
                                      torque=torque if f"{torque}y" in grf else None))
    if not loads:
        raise InputFileError(grf.source, "cannot find force and centre-of-pressure columns such as "
                                         "'ground_force_r_vx' and 'ground_force_r_px'; pass the ExternalLoads XML")
    return loads
