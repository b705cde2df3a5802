"""The exceptions seedclean raises on purpose, one tree: catch ``SeedcleanError`` for all of them.

Each carries a one-line message meant for the user; the command maps them to exit codes
(input 3, output 4, engine 3).
"""

from __future__ import annotations

__all__ = ["SeedcleanError", "InputError", "OutputError", "EngineUnavailable"]


class SeedcleanError(Exception):
    """Base of every error seedclean raises with a message for the user."""


class InputError(SeedcleanError):
    """An input problem that stops the run (missing path, nothing to read, no text field)."""


class OutputError(SeedcleanError):
    """The output cannot be written where asked (not empty, inside an input, not writable, locked)."""


class EngineUnavailable(SeedcleanError):
    """The engine asked for cannot run here (``--engine ray`` without Ray installed)."""
