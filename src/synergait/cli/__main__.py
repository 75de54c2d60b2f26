"""``python -m synergait.cli``."""

from synergait.cli import main

main()
