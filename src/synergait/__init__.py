"""synergait: predictive musculoskeletal locomotion simulation with muscle-synergy priors."""

import os as _os

# MuJoCo picks its OpenGL backend when it is first imported: without a display, use software OSMesa (videos
# work headless). Set MUJOCO_GL=egl before importing synergait to render on a GPU instead.
if "MUJOCO_GL" not in _os.environ and not _os.environ.get("DISPLAY"):
    _os.environ["MUJOCO_GL"] = "osmesa"
    _os.environ.setdefault("PYOPENGL_PLATFORM", "osmesa")

__version__ = "0.1.0"
