"""Facts about the supported body models, in one place per model.

Frames and signs (myo-sim models, MuJoCo world frame): forward is **-y**, the model's right is **-x**, up is
**+z**. OpenSim's ground frame has X forward, Y up, Z right, so a vector maps as
``v_mujoco = OPENSIM_TO_MUJOCO @ v_opensim``. Joint angles keep the OpenSim Rajagopal coordinate names and signs:
hip flexion, knee flexion (``knee_angle_*`` in [0, 2.09] rad) and ankle dorsiflexion are positive; lumbar
extension is ``flex_extension`` (positive = extension, as OpenSim ``lumbar_extension``).

The knee of each leg has 7 extra joints (tibial translations and rotations, patella) coupled to ``knee_angle_*``
by polynomial equality constraints; :mod:`synergait.model.body` sets them from ``eq_data``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from synergait.errors import ParameterError

#: Rotation taking OpenSim ground-frame vectors (X fwd, Y up, Z right) to MuJoCo (fwd -y, up +z, right -x).
OPENSIM_TO_MUJOCO = np.array([[0.0, 0.0, -1.0], [-1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
#: Unit vector of the walking direction and of the subject's right in the MuJoCo world frame.
FORWARD = np.array([0.0, -1.0, 0.0])
RIGHT = np.array([-1.0, 0.0, 0.0])
UP = np.array([0.0, 0.0, 1.0])

#: The 40 muscles of one leg (Rajagopal 2016 names, identical in OpenSim and myo-sim), without side suffix,
#: ordered roughly proximal (hip) to distal (foot).
LEG_MUSCLES: tuple[str, ...] = (
    "addbrev", "addlong", "addmagDist", "addmagIsch", "addmagMid", "addmagProx", "bflh", "bfsh", "edl", "ehl",
    "fdl", "fhl", "gaslat", "gasmed", "glmax1", "glmax2", "glmax3", "glmed1", "glmed2", "glmed3", "glmin1",
    "glmin2", "glmin3", "grac", "iliacus", "perbrev", "perlong", "piri", "psoas", "recfem", "sart", "semimem",
    "semiten", "soleus", "tfl", "tibant", "tibpost", "vasint", "vaslat", "vasmed",
)


#: Agonist/antagonist pairs of the right leg (a tuple is a group, represented by its mean activation).
AGONIST_ANTAGONIST_PAIRS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "TA/SOL": (("tibant_r",), ("soleus_r",)),
    "TA/GAS": (("tibant_r",), ("gasmed_r", "gaslat_r")),
    "VAS/BF": (("vasmed_r", "vaslat_r", "vasint_r"), ("bflh_r", "bfsh_r")),
    "RF/HAM": (("recfem_r",), ("semimem_r", "semiten_r", "bflh_r")),
}


#: The paper's eight EMG muscles: ReferenceSet EMG code -> right-leg muscle of the model.
EMG_CODE_MUSCLES: dict[str, str] = {"SOL": "soleus_r", "GASmed": "gasmed_r", "TA": "tibant_r", "ST": "semiten_r",
                                    "BF": "bflh_r", "RF": "recfem_r", "VM": "vasmed_r", "VL": "vaslat_r"}


def pairs_within(muscles: list[str] | tuple[str, ...]) -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    """:data:`AGONIST_ANTAGONIST_PAIRS` restricted to ``muscles`` (pairs left with an empty side are dropped)."""
    kept = {name: (tuple(m for m in first if m in muscles), tuple(m for m in second if m in muscles))
            for name, (first, second) in AGONIST_ANTAGONIST_PAIRS.items()}
    return {name: sides for name, sides in kept.items() if all(sides)}


def mirror_name(name: str) -> str:
    """Left/right counterpart of a muscle, joint, body or site name (``*_r`` <-> ``*_l``; otherwise unchanged)."""
    if name.endswith("_r"):
        return name[:-2] + "_l"
    if name.endswith("_l"):
        return name[:-2] + "_r"
    return name


@dataclass(frozen=True)
class BodyModelInfo:
    """What synergait needs to know about one body model beyond the MJCF itself."""

    name: str
    trunk_muscles: tuple[str, ...]
    lumbar_extension_joint: str | None
    #: Joints whose sign flips under left/right mirroring (lateral rotations of a midline joint).
    midline_lateral_joints: tuple[str, ...]
    #: The lumbar joint's rotations (none when the torso is rigid on the pelvis).
    lumbar_joints: tuple[str, ...] = ()
    free_joint: str = "root"
    pelvis_body: str = "pelvis"
    head_body: str = "head"
    right_foot_bodies: tuple[str, ...] = ("calcn_r", "toes_r")
    left_foot_bodies: tuple[str, ...] = ("calcn_l", "toes_l")

    @property
    def right_leg_muscles(self) -> tuple[str, ...]:
        return tuple(f"{m}_r" for m in LEG_MUSCLES)

    @property
    def left_leg_muscles(self) -> tuple[str, ...]:
        return tuple(f"{m}_l" for m in LEG_MUSCLES)

    @property
    def sagittal_joints(self) -> dict[str, str]:
        """Reference variable prefix -> joint name, per side (``hip_r`` -> ``hip_flexion_r``, ...)."""
        return {f"{joint}_{s}": f"{coord}_{s}" for s in ("r", "l")
                for joint, coord in (("hip", "hip_flexion"), ("knee", "knee_angle"), ("ankle", "ankle_angle"))}


MODELS: dict[str, BodyModelInfo] = {
    "myolegs_abdomen": BodyModelInfo(
        name="myolegs_abdomen",
        trunk_muscles=("ercspn_r", "ercspn_l", "intobl_r", "intobl_l", "extobl_r", "extobl_l"),
        lumbar_extension_joint="flex_extension",
        midline_lateral_joints=("lat_bending", "axial_rotation"),
        lumbar_joints=("flex_extension", "lat_bending", "axial_rotation"),
    ),
    "myolegs": BodyModelInfo(name="myolegs", trunk_muscles=(), lumbar_extension_joint=None,
                             midline_lateral_joints=()),
}
DEFAULT_MODEL = "myolegs_abdomen"


def model_info(name: str) -> BodyModelInfo:
    try:
        return MODELS[name]
    except KeyError:
        raise ParameterError("model", f"unknown body model '{name}' (supported: {', '.join(MODELS)})") from None
