"""Environment throughput vs the raw physics limit (and MyoSuite when installed).

Run: ``python benchmarks/env_throughput.py [--steps N]`` or ``synergait bench env --json``.
"""

from __future__ import annotations

import argparse
import json

from synergait.env.bench import measure_env_throughput


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=2000, help="control steps per measurement")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--myosuite-python", default=None,
                        help="python of a virtual environment with myosuite (it pins gymnasium < 1.3)")
    args = parser.parse_args()
    result = measure_env_throughput(args.steps, repeats=args.repeats, myosuite_python=args.myosuite_python)
    for key, value in result.items():
        print(f"{key:>24}: {value:.4g}" if isinstance(value, float) else f"{key:>24}: {value}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
