from __future__ import annotations

import numpy as np
import pytest

from synergait.errors import ParameterError
from synergait.report.render import rollout_frames


def test_a_fall_is_shown_as_a_fall() -> None:
    try:
        frames, info = rollout_frames("zero", "independent", seconds=1.5, width=160, height=120, fps=20)
    except ParameterError as exc:  # no offscreen OpenGL on this machine
        pytest.skip(str(exc))
    assert info["falls"] >= 1  # the zero walker falls within a second
    banner = frames[:, 20:30, :, :].reshape(len(frames), -1, 3).mean(axis=1)  # the alert band
    red = (banner[:, 0] > 150) & (banner[:, 1] < 80)
    assert red.any() and not red[0]  # no banner before the first fall, a red one after it
    assert (frames[:, 2:12, :40].mean(axis=(1, 2, 3)) < 120).all()  # the label band is dark on every frame
    assert np.ptp(frames[:, 2:12, :60]) > 100  # and carries (white) text
