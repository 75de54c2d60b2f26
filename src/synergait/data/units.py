"""Units of measure: everything inside synergait is SI (angles in radians).

Degrees appear only at the edges (file readers/writers, reference curves, figures) and are always labelled.
Unit strings used throughout: ``s``, ``m``, ``m/s``, ``rad``, ``rad/s``, ``N``, ``N*m``, ``N*m/kg``, ``BW``
(body weights), ``1`` (dimensionless, e.g. normalised EMG or activation) and ``deg`` at the edges.
"""

from __future__ import annotations

import math

#: Factor that converts a value in the key unit to SI (metres for lengths).
LENGTH_TO_M = {"m": 1.0, "mm": 1e-3, "cm": 1e-2, "dm": 0.1, "in": 0.0254, "ft": 0.3048}
DEG_TO_RAD = math.pi / 180.0
RAD_TO_DEG = 180.0 / math.pi
STANDARD_GRAVITY = 9.80665  # m/s^2, used to convert body mass to body weight
