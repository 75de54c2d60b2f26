"""`ReferenceSet`: human gait curves per subject (or cycle) x condition x variable, and its CSV schema.

CSV schema (long format, one row per sample; columns in any order)

=================  ========  ==========================================================================
column             required  meaning
=================  ========  ==========================================================================
subject            yes       subject identifier (text)
speed_m_s          yes       walking speed in m/s (empty = unknown)
slope_deg          yes       ground slope in degrees, uphill positive
variable           yes       one of :data:`VARIABLES` or ``emg_<MUSCLE>`` (see :data:`EMG_MUSCLES`)
unit               yes       must equal the variable's unit in :data:`VARIABLES` (``1`` for EMG)
pct_gait_cycle     yes       0-100, heel strike to next ipsilateral heel strike
value              yes       the curve value (a cycle's value, or the mean when ``sd`` is given)
cycle              no        cycle number within subject and condition (default 0)
sd                 no        standard deviation across cycles/subjects: the row is a mean +/- SD summary
=================  ========  ==========================================================================

Sign conventions (the OpenSim Rajagopal/gait2392 ones, with knee flexion positive): hip flexion, knee flexion
and ankle dorsiflexion are positive angles; a joint moment is positive when it acts in the positive angle
direction (net internal moment, normalised by body mass). GRF: anterior (direction of travel), vertical (up)
and mediolateral (to the subject's right) components in body weights. Curves given on another percent grid
are interpolated onto 0, 1, ..., 100 %.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from synergait.data.cycles import PERCENT, GaitCycles, cut_cycles
from synergait.data.events import detect_gait_events, vertical_force_columns_from_loads
from synergait.data.io import read_storage
from synergait.data.trial import Trial
from synergait.data.units import STANDARD_GRAVITY
from synergait.errors import InputFileError, ParameterError
from synergait.fileio import atomic_path

#: Kinematic and kinetic variables and their units in a ReferenceSet.
VARIABLES: dict[str, str] = {
    "hip_angle": "deg", "knee_angle": "deg", "ankle_angle": "deg",
    "hip_moment": "N*m/kg", "knee_moment": "N*m/kg", "ankle_moment": "N*m/kg",
    "grf_ap": "BW", "grf_vertical": "BW", "grf_ml": "BW",
}
#: EMG channel codes (variable name ``emg_<CODE>``) and the muscles they denote.
EMG_MUSCLES: dict[str, str] = {
    "SOL": "soleus", "GASmed": "gastrocnemius medialis", "GASlat": "gastrocnemius lateralis",
    "TA": "tibialis anterior", "ST": "semitendinosus / medial hamstrings", "BF": "biceps femoris / lateral hamstrings",
    "RF": "rectus femoris", "VM": "vastus medialis", "VL": "vastus lateralis", "GMAX": "gluteus maximus",
    "GMED": "gluteus medius", "PL": "peroneus longus", "PB": "peroneus brevis", "ADL": "adductor longus",
    "TFL": "tensor fasciae latae",
}
REQUIRED_COLUMNS = ("subject", "speed_m_s", "slope_deg", "variable", "unit", "pct_gait_cycle", "value")


def variable_unit(variable: str) -> str:
    """Unit of a ReferenceSet variable; raises for unknown names."""
    if variable in VARIABLES:
        return VARIABLES[variable]
    if variable.startswith("emg_") and variable[4:] in EMG_MUSCLES:
        return "1"
    raise ParameterError("variable", f"unknown variable '{variable}' (known: {', '.join(VARIABLES)}, "
                                     f"emg_<{'|'.join(EMG_MUSCLES)}>)")


@dataclass(frozen=True)
class Condition:
    """A walking condition: speed (m/s, ``nan`` if unknown) and slope (degrees, uphill positive)."""

    speed_m_s: float
    slope_deg: float = 0.0

    def label(self) -> str:
        speed = "? m/s" if math.isnan(self.speed_m_s) else f"{self.speed_m_s:.2f} m/s"
        return f"{speed}, {self.slope_deg:+.0f}°"


@dataclass(frozen=True)
class ReferenceSet:
    """Human reference curves in the long format documented in this module.

    ``table`` has the schema's columns with ``cycle`` and ``sd`` always present (``sd`` NaN for per-cycle
    rows) and every curve on the 0..100 % grid. ``notes`` records approximations and provenance.
    """

    table: pd.DataFrame
    name: str = "reference"
    notes: tuple[str, ...] = ()

    # --- queries --------------------------------------------------------------------------------------------
    @property
    def subjects(self) -> list[str]:
        return sorted(self.table["subject"].unique())

    @property
    def variables(self) -> list[str]:
        return list(dict.fromkeys(self.table["variable"]))

    @property
    def conditions(self) -> list[Condition]:
        pairs = self.table[["speed_m_s", "slope_deg"]].drop_duplicates().itertuples(index=False)
        return sorted((Condition(float(s), float(g)) for s, g in pairs), key=lambda c: (c.slope_deg, c.speed_m_s))

    @property
    def is_mean_sd(self) -> bool:
        """True when the set holds only mean +/- SD summaries, not individual cycles."""
        return bool(self.table["sd"].notna().all())

    def curves(self, variable: str, condition: Condition | None = None, subject: str | None = None) -> np.ndarray:
        """Curves of ``variable``, shape ``(n_curves, 101)``, ordered by subject then cycle."""
        rows = self._rows(variable, condition, subject)
        return _pivot(rows)[0]

    def subject_means(self, variable: str, condition: Condition | None = None) -> tuple[list[str], np.ndarray]:
        """Per-subject mean curve of ``variable``: subjects and an array of shape ``(n_subjects, 101)``."""
        rows = self._rows(variable, condition, None)
        means = rows.groupby(["subject", "pct_gait_cycle"], sort=True)["value"].mean().unstack()
        return list(means.index), means.to_numpy()

    def _rows(self, variable: str, condition: Condition | None, subject: str | None) -> pd.DataFrame:
        table = self.table
        mask = table["variable"] == variable
        if condition is not None:
            speed_match = (table["speed_m_s"].isna() if math.isnan(condition.speed_m_s)
                           else np.isclose(table["speed_m_s"], condition.speed_m_s))
            mask &= speed_match & np.isclose(table["slope_deg"], condition.slope_deg)
        if subject is not None:
            mask &= table["subject"] == subject
        rows = table[mask]
        if rows.empty:
            raise ParameterError("variable", f"no '{variable}' curves in {self.name}"
                                             + (f" at {condition.label()}" if condition else "")
                                             + (f" for subject {subject}" if subject else ""))
        return rows

    # --- construction and persistence --------------------------------------------------------------------
    @classmethod
    def from_table(cls, table: pd.DataFrame, *, name: str = "reference", notes: Sequence[str] = (),
                   source: str = "<memory>") -> ReferenceSet:
        """Validate a long table against the schema and resample every curve onto 0..100 %."""
        missing = [c for c in REQUIRED_COLUMNS if c not in table.columns]
        if missing:
            raise InputFileError(source, f"missing column(s) {', '.join(missing)} "
                                         f"(required: {', '.join(REQUIRED_COLUMNS)})")
        if table.empty:
            raise InputFileError(source, "no data rows")
        table = table.copy()
        table["subject"] = table["subject"].astype(str)
        if "cycle" not in table.columns:
            table["cycle"] = 0
        if "sd" not in table.columns:
            table["sd"] = np.nan
        for column in ("speed_m_s", "slope_deg", "pct_gait_cycle", "value", "sd", "cycle"):
            numeric = pd.to_numeric(table[column], errors="coerce")
            bad = numeric.isna() & table[column].notna()
            if bad.any():
                raise InputFileError(source, f"column '{column}' has non-numeric value '{table[column][bad].iloc[0]}'")
            table[column] = numeric
        for column in ("slope_deg", "pct_gait_cycle", "value"):
            if table[column].isna().any():
                n_missing = int(table[column].isna().sum())
                raise InputFileError(source, f"column '{column}' has {n_missing} missing value(s)")
        for variable, unit in table[["variable", "unit"]].drop_duplicates().itertuples(index=False):
            try:
                expected = variable_unit(str(variable))
            except ParameterError as exc:
                raise InputFileError(source, exc.problem) from None
            if str(unit) != expected:
                raise InputFileError(source, f"variable '{variable}' has unit '{unit}', expected '{expected}'")
        if ((table["pct_gait_cycle"] < 0) | (table["pct_gait_cycle"] > 100)).any():
            raise InputFileError(source, "pct_gait_cycle outside 0-100")
        keys = ["subject", "speed_m_s", "slope_deg", "variable", "cycle"]
        if table.duplicated([*keys, "pct_gait_cycle"]).any():
            row = table[table.duplicated([*keys, "pct_gait_cycle"])].iloc[0]
            raise InputFileError(source, f"repeated pct_gait_cycle {row['pct_gait_cycle']:g} for subject "
                                         f"{row['subject']}, {row['variable']}, cycle {row['cycle']}")
        resampled = []
        for key, group in table.groupby(keys, sort=False, dropna=False):
            group = group.sort_values("pct_gait_cycle")
            pct = group["pct_gait_cycle"].to_numpy()
            if pct[0] > 0 or pct[-1] < 100 or len(pct) < 2:
                raise InputFileError(source, f"curve {dict(zip(keys, key, strict=True))} does not span 0-100 %")
            curve = pd.DataFrame({"pct_gait_cycle": PERCENT,
                                  "value": np.interp(PERCENT, pct, group["value"].to_numpy()),
                                  "sd": np.interp(PERCENT, pct, group["sd"].to_numpy())})
            for k, v in zip(keys, key, strict=True):
                curve[k] = v
            curve["unit"] = group["unit"].iloc[0]
            resampled.append(curve)
        out = pd.concat(resampled, ignore_index=True)[[*REQUIRED_COLUMNS, "cycle", "sd"]]
        return cls(table=out, name=name, notes=tuple(notes))

    @classmethod
    def from_csv(cls, path: str | Path, *, name: str | None = None) -> ReferenceSet:
        from synergait.data.io.tables import read_csv_frame

        path = Path(path)
        return cls.from_table(read_csv_frame(path), name=name or path.stem, source=str(path))

    def to_csv(self, path: str | Path) -> None:
        with atomic_path(path) as tmp:
            self.table.to_csv(tmp, index=False, float_format="%.10g")

    save = to_csv
    load = from_csv

    def describe(self) -> dict[str, object]:
        return {"name": self.name, "subjects": self.subjects, "variables": self.variables,
                "conditions": [c.label() for c in self.conditions], "mean_sd_only": self.is_mean_sd,
                "n_curves": int(self.table.groupby(["subject", "speed_m_s", "slope_deg", "variable", "cycle"],
                                                   dropna=False).ngroups),
                "notes": list(self.notes)}



def _pivot(rows: pd.DataFrame) -> tuple[np.ndarray, list[tuple[str, int]]]:
    wide = rows.pivot_table(index=["subject", "cycle"], columns="pct_gait_cycle", values="value", sort=True)
    return wide.to_numpy(), list(wide.index)


def cycles_to_table(cycles: GaitCycles, mapping: dict[str, tuple[str, float]], *, subject: str,
                    condition: Condition) -> pd.DataFrame:
    """Long ReferenceSet rows from gait cycles: ``mapping`` maps a cycle signal to (variable, scale factor)."""
    frames = []
    for signal, (variable, scale) in mapping.items():
        curves = cycles.signal(signal) * scale
        for i, curve in enumerate(curves):
            frames.append(pd.DataFrame({"subject": subject, "speed_m_s": condition.speed_m_s,
                                        "slope_deg": condition.slope_deg, "variable": variable,
                                        "unit": variable_unit(variable), "pct_gait_cycle": PERCENT,
                                        "value": curve, "cycle": i}))
    return pd.concat(frames, ignore_index=True)


# --- loaders for the datasets synergait knows ------------------------------------------------------------------
def osim_body_mass(model_file: str | Path) -> float:
    """Total body mass (kg) of an OpenSim model: the sum of its bodies' ``<mass>``."""
    path = Path(model_file)
    try:
        root = ET.parse(path).getroot()
    except (ET.ParseError, OSError) as exc:
        raise InputFileError(path, f"not a readable OpenSim model ({exc})") from None
    masses = [float(body.findtext("mass") or 0.0) for body in root.iter("Body")]
    if not masses or sum(masses) <= 0:
        raise InputFileError(path, "no <Body> with a positive <mass>")
    return float(sum(masses))


def _walking_speed(time: np.ndarray, position_m: np.ndarray) -> float:
    """Mean speed (m/s) from a least-squares line through a forward position (m)."""
    return float(abs(np.polyfit(time, position_m, 1)[0]))


def load_rajagopal2016(directory: str | Path) -> ReferenceSet:
    """The Rajagopal 2016 / Moco example trial: one subject, one right cycle of GRF and 10 EMG envelopes.

    The IK/ID window (0.45-1.80 s) holds no complete gait cycle, so joint angles and moments are not part of
    this reference (noted in ``notes``). Speed is the slope of ``pelvis_tx``; body mass is that of the scaled
    model (85.27 kg).
    """
    directory = Path(directory)
    grf = read_storage(directory / "grf_walk.mot")
    columns = vertical_force_columns_from_loads(directory / "grf_walk.xml")
    events = detect_gait_events(grf, columns=columns)
    mass = osim_body_mass(directory / "subject_walk_scaled.osim")
    coordinates = read_storage(directory / "coordinates.sto")
    condition = Condition(round(_walking_speed(coordinates.time, coordinates["pelvis_tx"]), 2), 0.0)
    weight = mass * STANDARD_GRAVITY
    grf_cycles = cut_cycles(grf, events, "right", ["ground_force_r_vx", "ground_force_r_vy", "ground_force_r_vz"])
    emg = read_storage(directory / "electromyography.sto")
    emg_cycles = cut_cycles(emg, events, "right")
    emg_map = {"soleus": "SOL", "gastrocnemius": "GASmed", "tibialis_anterior": "TA", "medial_hamstrings": "ST",
               "biceps_femoris": "BF", "vastus_lateralis": "VL", "vastus_medius": "VM", "rectus_femoris": "RF",
               "gluteus_maximus": "GMAX", "gluteus_medius": "GMED"}
    table = pd.concat([
        cycles_to_table(grf_cycles, {"ground_force_r_vx": ("grf_ap", 1 / weight),
                                     "ground_force_r_vy": ("grf_vertical", 1 / weight),
                                     "ground_force_r_vz": ("grf_ml", 1 / weight)},
                        subject="rajagopal2016", condition=condition),
        cycles_to_table(emg_cycles, {k: (f"emg_{v}", 1.0) for k, v in emg_map.items()},
                        subject="rajagopal2016", condition=condition),
    ])
    notes = ("rajagopal2016: one subject and one right gait cycle; no cross-subject variability.",
             "rajagopal2016: joint angles and moments omitted: the IK/ID window holds no complete gait cycle.",
             "rajagopal2016: the 'gastrocnemius' EMG channel is taken as gastrocnemius medialis.")
    return ReferenceSet.from_table(table, name="rajagopal2016", notes=notes, source=str(directory))


def load_gait2354_subject01(directory: str | Path) -> ReferenceSet:
    """OpenSim tutorial 5 subject01: GRF of its complete right and left cycles (body mass 72.6 kg, scale setup).

    The markers do not progress (the pelvis stays within 2 cm), and the plates' frame is not documented, so the
    forward direction is taken as the one in which the first half of stance brakes (negative AP impulse), and the
    speed is unknown (NaN).
    """
    directory = Path(directory)
    grf = read_storage(directory / "subject01_walk1_grf.mot")
    loads = vertical_force_columns_from_loads(directory / "subject01_walk1_grf.xml")
    events = detect_gait_events(grf, columns=loads)
    root = ET.parse(directory / "gait2354_Setup_Scale.xml").getroot()
    weight = float(root.findtext(".//mass") or "nan") * STANDARD_GRAVITY
    condition = Condition(float("nan"), 0.0)
    tables = []
    for side in ("right", "left"):
        prefix = loads[side][0][:-1]  # force_identifier, e.g. "1_ground_force_v", without the axis letter
        cycles = cut_cycles(grf, events, side, [f"{prefix}x", f"{prefix}y", f"{prefix}z"])
        early_stance = cycles.signal(f"{prefix}x")[:, :30]
        direction = -float(np.sign(early_stance.sum()))  # braking in early stance defines "forward"
        # right-handed lab frame with y up: facing +x the subject's right is +z, facing -x it is -z
        tables.append(cycles_to_table(cycles, {f"{prefix}x": ("grf_ap", direction / weight),
                                               f"{prefix}y": ("grf_vertical", 1 / weight),
                                               f"{prefix}z": ("grf_ml", direction / weight)},
                                      subject=f"gait2354_subject01_{side}", condition=condition))
    notes = ("gait2354_subject01: GRF only (no IK/ID results or EMG in the tutorial data); one right and one left "
             "cycle, listed as two pseudo-subjects; speed unknown; forward direction from early-stance braking.",)
    return ReferenceSet.from_table(pd.concat(tables), name="gait2354_subject01", notes=notes, source=str(directory))


#: Falisse 2019 channels -> ReferenceSet EMG codes.
FALISSE_EMG = {"Soleus": "SOL", "Gastrocnemius-medialis": "GASmed", "Gastrocnemius-lateralis": "GASlat",
               "Tibialis-anterior": "TA", "Hamstrings-medialis": "ST", "Hamstrings-lateralis": "BF",
               "Rectus-femoris": "RF", "Vastus-medialis": "VM", "Vastus-lateralis": "VL",
               "Gluteus-medialis": "GMED", "Peroneus-longus": "PL", "Peroneus-brevis": "PB",
               "Adductor-longus": "ADL", "Tensor-fasciae-latae": "TFL"}
FALISSE_BODY_MASS_KG = 62.0


def load_falisse2019(mat_file: str | Path, *, subject: str = "subject1") -> ReferenceSet:
    """Falisse et al. 2019 ``ExperimentalData.mat``: 11 right cycles of angles, moments, GRF and 14 EMG channels.

    The gait2392 knee coordinate is negative in flexion; it and the knee moment are negated to the knee-flexion
    positive convention. Moments are divided by the 62 kg body mass used in the authors' code, GRF converted
    from % BW to BW. The 100 samples per cycle are taken to span 0-100 % inclusive. Walking speed is not stored
    in the file, so the condition's speed is unknown (NaN). EMG cycles that are NaN are dropped.
    """
    path = Path(mat_file)
    data = _falisse_data(path, subject)
    try:
        q, torques = data.Q.__dict__[subject].Qs, data.Torques.__dict__[subject]
        grfs, emg = data.GRFs.__dict__[subject], data.EMG.__dict__[subject]
    except (KeyError, AttributeError) as exc:
        raise InputFileError(path, f"not a Falisse 2019 ExperimentalData.mat with '{subject}' ({exc!r})") from None
    condition = Condition(float("nan"), 0.0)
    pct = np.linspace(0.0, 100.0, 100)
    frames = []

    def add(variable: str, curves: np.ndarray) -> None:  # curves: (100, n_cycles)
        for cycle in range(curves.shape[1]):
            if np.isnan(curves[:, cycle]).any():
                continue
            frames.append(pd.DataFrame({"subject": subject, "speed_m_s": condition.speed_m_s, "slope_deg": 0.0,
                                        "variable": variable, "unit": variable_unit(variable),
                                        "pct_gait_cycle": pct, "value": curves[:, cycle], "cycle": cycle}))

    q_names, t_names = list(q.colheaders), list(torques.colheaders)
    for joint, coord, sign in (("hip", "hip_flexion", 1.0), ("knee", "knee_angle", -1.0),
                               ("ankle", "ankle_angle", 1.0)):
        add(f"{joint}_angle", sign * q.all[:, q_names.index(coord), :])
        add(f"{joint}_moment", sign * torques.all[:, t_names.index(coord), :] / FALISSE_BODY_MASS_KG)
    g_names = list(grfs.colheaders)
    for column, variable in (("Fore-aft", "grf_ap"), ("Vertical", "grf_vertical"), ("Lateral", "grf_ml")):
        add(variable, grfs.all[:, g_names.index(column), :] / 100.0)
    for i, channel in enumerate(emg.colheaders):
        add(f"emg_{FALISSE_EMG[channel]}", emg.all[:, i, :])
    notes = ("falisse2019: one subject; walking speed not stored in the data (condition speed unknown).",
             f"falisse2019: moments normalised by the {FALISSE_BODY_MASS_KG:g} kg body mass of the authors' code.",
             "falisse2019: knee angle and moment negated to knee-flexion positive.")
    return ReferenceSet.from_table(pd.concat(frames, ignore_index=True), name="falisse2019", notes=notes,
                                   source=str(path))


def _falisse_data(path: Path, subject: str) -> Any:
    import scipy.io

    try:
        data = scipy.io.loadmat(path, squeeze_me=True, struct_as_record=False)["ExperimentalData"]
        data.Q.__dict__[subject]  # fails early when the subject is missing
    except (OSError, ValueError, KeyError, AttributeError, NotImplementedError) as exc:
        raise InputFileError(path, f"not a Falisse 2019 ExperimentalData.mat with '{subject}' ({exc!r})") from None
    return data


#: gait2392 coordinates whose sign differs from the Rajagopal 2016 / MuJoCo convention (knee flexion positive).
_FALISSE_NEGATED = ("knee_angle",)


def falisse2019_coordinates(mat_file: str | Path, *, subject: str = "subject1",
                            cycles: int = 3) -> tuple[Trial, list[float], list[float]]:
    """The subject's mean stride as an OpenSim coordinates trial of ``cycles`` repeated strides, with both legs'
    heel strikes: what :func:`~synergait.model.pose.pose_library` turns into gait-cycle poses (e.g. a second
    imitation reference).

    The file holds the right leg's cycle (100 samples, 0-100 %) with the pelvis and lumbar joints; the left leg is
    the right half a cycle later (a symmetric gait). The stride's duration is the mean stride length over the
    mean forward pelvis speed (neither time nor speed is stored). Angles in rad, the knee negated to flexion
    positive; the pelvis advances one stride length per cycle.

    Returns:
        the trial (time in s), right and left heel-strike times (s).
    """
    path = Path(mat_file)
    data = _falisse_data(path, subject)
    q, qdot = data.Q.__dict__[subject].Qs, data.Q.__dict__[subject].Qdots
    names = list(q.colheaders)
    mean = np.asarray(q.mean, dtype=float)  # (100, n): degrees, pelvis translations in m
    stride_m = float(np.mean(data.StrideLength.__dict__[subject].mean))
    speed = float(np.mean(np.asarray(qdot.mean, dtype=float)[:, names.index("pelvis_tx")]))
    if not (0.2 < speed < 3.0 and 0.3 < stride_m < 3.0):
        raise InputFileError(path, f"implausible mean speed {speed:.2f} m/s or stride {stride_m:.2f} m")
    stride_s = stride_m / speed
    samples = mean.shape[0]
    step = stride_s / (samples - 1)  # samples span 0-100 % inclusive
    per_cycle = samples - 1  # the 100 % sample is the next cycle's 0 %
    time = np.arange(cycles * per_cycle + 1) * step
    phase = np.arange(time.size) % per_cycle
    columns: dict[str, np.ndarray] = {}
    for index, name in enumerate(names):
        values = mean[:-1, index]
        if name in ("pelvis_tx", "pelvis_ty", "pelvis_tz"):
            series = values[phase].copy()
            if name == "pelvis_tx":  # advance one stride per cycle
                series = series - values[0] + (np.arange(time.size) // per_cycle) * stride_m
            columns[name] = series
            continue
        radians = np.radians(values) * (-1.0 if name in _FALISSE_NEGATED else 1.0)
        if name.startswith(("pelvis_", "lumbar_")):
            columns[name] = radians[phase]
        elif name in ("hip_flexion", "hip_adduction", "hip_rotation", "knee_angle", "ankle_angle",
                      "subtalar_angle"):
            columns[f"{name}_r"] = radians[phase]
            columns[f"{name}_l"] = radians[(phase + per_cycle // 2) % per_cycle]
    units = tuple("m" if n in ("pelvis_tx", "pelvis_ty", "pelvis_tz") else "rad" for n in columns)
    trial = Trial(time, np.column_stack(list(columns.values())), tuple(columns), units,
                  source=f"{path.name} ({subject} mean stride x {cycles})")
    right = [k * stride_s for k in range(cycles + 1)]
    left = [k * stride_s + stride_s / 2 for k in range(cycles)]
    return trial, right, left
