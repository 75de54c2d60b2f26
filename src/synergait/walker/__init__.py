"""Walker stage: a `Walker` maps observations to actions in a declared environment (its `EnvSpec`).

Trained policies (:class:`MlpWalker`, a file format that cannot run code), the ``random`` / ``zero``
baselines, and any hand-designed controller (subclass :class:`Walker`) run through one episode loop,
:func:`run_episode`, that rollouts, evaluation, rendering and the demo share.
"""

from synergait.walker.base import Episode, Walker, run_episode
from synergait.walker.policy import SHIPPED_WALKERS, BaselineWalker, MlpWalker, NetworkSpec, load_walker
from synergait.walker.spec import EnvSpec

__all__ = ["SHIPPED_WALKERS", "BaselineWalker", "EnvSpec", "Episode", "MlpWalker", "NetworkSpec", "Walker",
           "load_walker", "run_episode"]
