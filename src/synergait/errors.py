"""Exceptions that the CLI turns into one-line messages with exit code 2."""

from __future__ import annotations

from pathlib import Path


class SynergaitError(Exception):
    """Base class for errors caused by user input (files, parameters), not by a bug."""


class InputFileError(SynergaitError, ValueError):
    """A file that cannot be read as asked: names the file and the problem."""

    def __init__(self, path: str | Path, problem: str) -> None:
        self.path = Path(path)
        self.problem = problem
        super().__init__(f"{path}: {problem}")  # as given: a URL must keep its '//'



class ParameterError(SynergaitError, ValueError):
    """A parameter value that is out of range or inconsistent: names the parameter."""

    def __init__(self, name: str, problem: str) -> None:
        self.name = name
        self.problem = problem
        super().__init__(f"{name}: {problem}")
