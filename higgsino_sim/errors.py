"""Exception types shared by the package.

``UsageError`` is bad user input (the CLI exits with code 2 and prints its message);
``HsimError`` is any other failure the user can act on (exit code 1).
"""

from __future__ import annotations


class HsimError(Exception):
    """A failure with a one-line message meant for the user."""


class UsageError(HsimError, ValueError):
    """Invalid user input: a bad option value, an impossible spectrum, a missing file."""
