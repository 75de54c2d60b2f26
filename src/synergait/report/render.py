"""Headless videos of walkers: MuJoCo offscreen rendering (OSMesa by default, EGL with ``MUJOCO_GL=egl``).

The camera tracks the pelvis from the side; muscles are coloured by activation (MuJoCo's activation
visualisation: grey = inactive, red = fully active); contact forces can be drawn as arrows. Output: MP4 (H.264
through the ffmpeg binary shipped with ``imageio-ffmpeg``), GIF, or a PNG strip of frames for reports. Two
policies can be rendered side by side.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from synergait.errors import ParameterError
from synergait.fileio import atomic_path, require_suffix


def rollout_frames(policy_source: str, controller: str | None = None, *, basis: str | None = None,
                   seconds: float = 8.0,
                   width: int = 480, height: int = 360, fps: int = 20, seed: int = 0, speed_m_s: float = 1.2,
                   contact_forces: bool = True) -> tuple[np.ndarray, dict[str, Any]]:
    """Frames ``(n, height, width, 3)`` of a deterministic rollout at ``speed_m_s`` on level ground; the episode
    restarts after a fall so the clip always lasts ``seconds``. Each frame is labelled with the walker's name,
    the episode's simulated time and the falls so far; the frame of a fall and the next 0.75 s carry a red
    "FALL" banner, so that a restart never looks like walking on."""
    import mujoco

    from synergait.walker import load_walker, run_episode

    walker = load_walker(policy_source, controller=controller, basis=basis, seed=seed)
    info = {"policy": walker.name, "controller": walker.controller, **walker.meta}
    env = walker.make_env(speed_m_s=speed_m_s, slope_deg=0.0)
    walk = env.unwrapped
    model, data = walk.body.model, walk.body.data
    try:
        renderer = mujoco.Renderer(model, height, width)
    except Exception as exc:
        raise ParameterError("render", f"offscreen rendering failed with MUJOCO_GL={os.environ.get('MUJOCO_GL')} "
                                       f"({type(exc).__name__}); install OSMesa (apt-get install libosmesa6) or "
                                       "set MUJOCO_GL=egl on a GPU machine") from None
    camera = mujoco.MjvCamera()
    camera.type = mujoco.mjtCamera.mjCAMERA_TRACKING
    camera.trackbodyid = model.body(walk.body.info.pelvis_body).id
    camera.distance, camera.azimuth, camera.elevation = 3.2, 0.0, -10.0  # side view (walking along -y)
    model.vis.map.force = 0.0015  # m of arrow per N: body weight ~ 1.1 m
    model.vis.scale.forcewidth = 0.015
    options = mujoco.MjvOption()
    options.flags[mujoco.mjtVisFlag.mjVIS_ACTIVATION] = True
    options.flags[mujoco.mjtVisFlag.mjVIS_CONTACTFORCE] = contact_forces
    steps_per_frame = max(1, round(1.0 / (fps * walk.control_period_s)))
    n_frames = int(seconds * fps)
    frames = np.empty((n_frames, height, width, 3), dtype=np.uint8)
    count: dict[str, Any] = {"steps": 0, "frames": 0, "falls": 0, "banner_until": -1, "episode_steps": 0,
                             "reason": ""}
    banner_frames = round(0.75 * fps)

    def capture(step_info: dict) -> bool:
        count["steps"] += 1
        count["episode_steps"] += 1
        fell = "termination" in step_info
        if fell:
            count["falls"] += 1
            count["banner_until"] = count["frames"] + banner_frames
            count["reason"] = step_info["termination"]
        if count["steps"] % steps_per_frame == 0 or fell:  # the falling frame is always shown
            renderer.update_scene(data, camera, options)
            frame = count["frames"]
            label = (f"{walker.name}   t = {count['episode_steps'] * walk.control_period_s:5.2f} s   "
                     f"falls: {count['falls']}")
            alert = (f"FALL ({count['reason'].removeprefix('fall: ')}), restarting" if frame <= count["banner_until"]
                     else None)
            frames[frame] = _labelled(renderer.render(), label, alert)
            count["frames"] += 1
        return count["frames"] < n_frames

    episode = 0
    while count["frames"] < n_frames:  # the episode restarts after a fall, so the clip lasts ``seconds``
        count["episode_steps"] = 0
        run_episode(walker, env, seed=seed + episode, on_step=capture)
        episode += 1
    falls = count["falls"]
    renderer.close()
    return frames, {**info, "falls": falls, "frames": n_frames, "fps": fps}


def _labelled(frame: np.ndarray, label: str, alert: str | None) -> np.ndarray:
    """``frame`` with ``label`` in its top-left corner and, when given, ``alert`` on a red banner below it."""
    from PIL import Image, ImageDraw

    image = Image.fromarray(frame)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, image.width, 14), fill=(0, 0, 0))
    draw.text((4, 2), label, fill=(255, 255, 255))
    if alert:
        draw.rectangle((0, 16, image.width, 34), fill=(200, 0, 0))
        draw.text((4, 20), alert, fill=(255, 255, 255))
    return np.asarray(image)


def side_by_side(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    n = min(len(left), len(right))
    return np.concatenate([left[:n], right[:n]], axis=2)


def write_video(frames: np.ndarray, path: str | Path, fps: int) -> Path:
    """MP4 (``.mp4``) or GIF (``.gif``), written atomically."""
    import imageio.v3 as iio

    path = Path(path)
    suffix = require_suffix(path, ".mp4", ".gif").suffix.lower()
    with atomic_path(path) as tmp:
        if suffix == ".mp4":
            iio.imwrite(tmp, frames, fps=fps, codec="libx264", plugin="FFMPEG", macro_block_size=8)
        else:
            iio.imwrite(tmp, frames, duration=1000 / fps, loop=0)
    return path


def frame_strip(frames: np.ndarray, path: str | Path, count: int = 6) -> Path:
    """A PNG of ``count`` evenly spaced frames side by side (for reports)."""
    import imageio.v3 as iio

    picks = np.linspace(0, len(frames) - 1, count).astype(int)
    with atomic_path(path) as tmp:
        iio.imwrite(tmp, np.concatenate(list(frames[picks]), axis=1))
    return Path(path)
