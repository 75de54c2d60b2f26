"""Inverse analysis: MuJoCo backend vs OpenSim MocoInverse on one Rajagopal stride, in the same run.

Run: ``python benchmarks/inverse.py [--from DIR] [--no-moco]`` or ``synergait bench inverse --json``.
"""

from __future__ import annotations

import argparse
import json

from synergait.inverse.bench import measure_inverse


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--from", dest="source", default=None, help="local copy of the rajagopal2016 dataset")
    parser.add_argument("--no-moco", action="store_true", help="skip MocoInverse")
    args = parser.parse_args()
    result = measure_inverse(args.source, moco=not args.no_moco)
    for key, value in result.items():
        print(f"{key:>28}: {value}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
