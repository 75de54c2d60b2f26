"""Movement quality at the muscle level, on any activation time series (inverse estimates, rollouts, EMG).

Measures (per muscle or pair, over a window: a whole gait cycle or one phase)

* **Co-contraction index** of an agonist/antagonist pair, Falconer & Winter (1985):
  ``CCI = 2 * integral(min(a1, a2)) / integral(a1 + a2) * 100 %`` (0 = never together, 100 = identical).
  A group (e.g. the vasti) is represented by its mean activation.
* **Magnitude**: mean, peak and time integral (s) of activation.
* **Proximal-to-distal distribution**: the share of effort (integral of a^2) at the hip, knee and ankle levels;
  two-joint muscles count half at each joint they cross (:data:`MUSCLE_LEVELS`). ``distal_index`` =
  0 x hip + 0.5 x knee + 1 x ankle share (0 = all effort at the hip, 1 = all at the ankle).
* **Temporal profile**: onset and offset (first/last sample above 20 % of the window's peak, in % of the window),
  peak timing (%), duration above that threshold (%), and smoothness as the spectral arc length (SPARC,
  Balasubramanian et al. 2015; closer to 0 = smoother).

Laban effort factors (after the framing of the seed text on muscle redundancy), as scores in [0, 1]:

* **Flow** (free 0 <-> bound 1) = mean CCI of the pairs / 100 — co-contraction stiffens joints;
* **Weight** (light 0 <-> strong 1) = root-mean-square activation over all muscles (``sqrt(mean a^2)``);
* **Time** (sustained 0 <-> sudden 1) = ``1 - mean duration / 100`` over the active muscles (peak > 0.05).

Limits: these are operational proxies on normalised activations, not validated perceptual Laban ratings; Weight
depends on the normalisation (activations 0-1, or EMG scaled to each muscle's maximum); Flow and Time need the
window to cover whole bursts (use whole gait cycles).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from synergait.errors import ParameterError
from synergait.model.catalog import AGONIST_ANTAGONIST_PAIRS
from synergait.stats import cocontraction_index

#: Default agonist/antagonist pairs of the right leg (model muscle names; a tuple is a group, averaged).
DEFAULT_PAIRS = AGONIST_ANTAGONIST_PAIRS
_HIP = ("addbrev", "addlong", "addmagDist", "addmagIsch", "addmagMid", "addmagProx", "glmax1", "glmax2", "glmax3",
        "glmed1", "glmed2", "glmed3", "glmin1", "glmin2", "glmin3", "iliacus", "psoas", "piri", "tfl")
_HIP_KNEE = ("bflh", "semimem", "semiten", "recfem", "sart", "grac")
_KNEE = ("bfsh", "vasint", "vaslat", "vasmed")
_KNEE_ANKLE = ("gaslat", "gasmed")
_ANKLE = ("soleus", "tibant", "tibpost", "perbrev", "perlong", "edl", "ehl", "fdl", "fhl")
#: Leg muscle (no side suffix) -> weights of the (hip, knee, ankle) levels it acts at.
MUSCLE_LEVELS: dict[str, tuple[float, float, float]] = {
    **{m: (1.0, 0.0, 0.0) for m in _HIP}, **{m: (0.5, 0.5, 0.0) for m in _HIP_KNEE},
    **{m: (0.0, 1.0, 0.0) for m in _KNEE}, **{m: (0.0, 0.5, 0.5) for m in _KNEE_ANKLE},
    **{m: (0.0, 0.0, 1.0) for m in _ANKLE},
}
ONSET_FRACTION = 0.2


def sparc(signal: np.ndarray, rate_hz: float, *, cutoff_hz: float = 10.0, threshold: float = 0.05,
          padding: int = 4) -> float:
    """Spectral arc length of a signal's (normalised) magnitude spectrum up to an adaptive cut-off."""
    n = int(2 ** np.ceil(np.log2(len(signal)) + padding))
    frequencies = np.arange(n) * rate_hz / n
    magnitude = np.abs(np.fft.fft(signal - np.mean(signal), n))
    if magnitude.max() == 0:
        return 0.0
    magnitude = magnitude / magnitude.max()
    keep = frequencies <= cutoff_hz
    frequencies, magnitude = frequencies[keep], magnitude[keep]
    above = np.flatnonzero(magnitude >= threshold)
    end = above[-1] + 1 if above.size else len(magnitude)
    frequencies, magnitude = frequencies[:end], magnitude[:end]
    frequencies = frequencies / frequencies[-1] if frequencies[-1] > 0 else frequencies
    return -float(np.sum(np.sqrt(np.diff(frequencies) ** 2 + np.diff(magnitude) ** 2)))


def temporal_profile(signal: np.ndarray, rate_hz: float) -> dict[str, float]:
    """Onset, offset, peak timing and duration (% of the window) and SPARC smoothness of one activation."""
    peak = float(np.max(signal))
    n = len(signal)
    percent = 100.0 * np.arange(n) / max(n - 1, 1)
    if peak <= 0:
        return {"onset_pct": np.nan, "offset_pct": np.nan, "peak_pct": np.nan, "duration_pct": 0.0, "sparc": 0.0}
    active = np.flatnonzero(signal >= ONSET_FRACTION * peak)
    return {"onset_pct": float(percent[active[0]]), "offset_pct": float(percent[active[-1]]),
            "peak_pct": float(percent[int(np.argmax(signal))]), "duration_pct": 100.0 * active.size / n,
            "sparc": sparc(signal, rate_hz)}


@dataclass(frozen=True)
class QualityProfile:
    """Quality of one window: per pair CCI, per muscle magnitude and timing, effort distribution, Laban scores."""

    cocontraction: dict[str, float]
    magnitude: dict[str, dict[str, float]]
    timing: dict[str, dict[str, float]]
    distribution: dict[str, float]
    laban: dict[str, float]

    def as_dict(self) -> dict[str, object]:
        return {"cocontraction_pct": self.cocontraction, "magnitude": self.magnitude, "timing": self.timing,
                "distribution": self.distribution, "laban": self.laban}


def quality_profile(activations: np.ndarray, muscles: tuple[str, ...] | list[str], rate_hz: float, *,
                    pairs: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] | None = None) -> QualityProfile:
    """The quality profile of ``activations`` (shape ``(T, m)``, 0-1) sampled at ``rate_hz``.

    Pairs whose muscles are missing are skipped (listed under ``cocontraction`` as NaN).
    """
    activations = np.asarray(activations, dtype=float)
    muscles = list(muscles)
    if activations.ndim != 2 or activations.shape[1] != len(muscles):
        raise ParameterError("activations", f"shape {activations.shape} does not match {len(muscles)} muscles")
    if activations.shape[0] < 3:
        raise ParameterError("activations", "need at least 3 samples")
    index = {m: i for i, m in enumerate(muscles)}
    cci = {}
    for name, (first, second) in (pairs or DEFAULT_PAIRS).items():
        if all(m in index for m in (*first, *second)):
            a = activations[:, [index[m] for m in first]].mean(axis=1)
            b = activations[:, [index[m] for m in second]].mean(axis=1)
            cci[name] = cocontraction_index(a, b)
        else:
            cci[name] = float("nan")
    dt = 1.0 / rate_hz
    magnitude = {m: {"mean": float(activations[:, i].mean()), "peak": float(activations[:, i].max()),
                     "integral_s": float(activations[:, i].sum() * dt)} for m, i in index.items()}
    timing = {m: temporal_profile(activations[:, i], rate_hz) for m, i in index.items()}
    levels = np.zeros(3)
    for m, i in index.items():
        weights = MUSCLE_LEVELS.get(m.removesuffix("_r").removesuffix("_l"))
        if weights is not None:
            levels += np.array(weights) * float(np.sum(activations[:, i] ** 2))
    share = levels / levels.sum() if levels.sum() > 0 else np.full(3, np.nan)
    distribution = {"hip_share": float(share[0]), "knee_share": float(share[1]), "ankle_share": float(share[2]),
                    "distal_index": float(share @ np.array([0.0, 0.5, 1.0]))}
    finite = [v for v in cci.values() if np.isfinite(v)]
    active = [timing[m]["duration_pct"] for m in muscles if magnitude[m]["peak"] > 0.05]
    laban = {"flow": float(np.mean(finite) / 100.0) if finite else float("nan"),
             "weight": float(np.sqrt(np.mean(activations**2))),
             "time": float(1.0 - np.mean(active) / 100.0) if active else float("nan")}
    return QualityProfile(cci, magnitude, timing, distribution, laban)
