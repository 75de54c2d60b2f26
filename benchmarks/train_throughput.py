"""Training throughput per preset (paper SAC, cpu PPO) against SB3's stock SAC defaults, in one run.

Run: ``python benchmarks/train_throughput.py`` or ``synergait bench train --json``.
"""

from __future__ import annotations

import json

from synergait.train.bench import measure_train_throughput


def main() -> None:
    result = measure_train_throughput()
    for key, value in result.items():
        print(f"{key:>32}: {value:.4g}" if isinstance(value, float) else f"{key:>32}: {value}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
