"""RulesteadError: a librsl RSL_E* code and its one-line message."""
from __future__ import annotations

from ._rsl import ffi, lib


class RulesteadError(Exception):
    """A call librsl refused.

    ``code`` is the negative RSL_E* code, ``name`` its name ("RSL_EROLLBACK")
    and ``message`` librsl's one-line message ("expected ..., found ...").
    """

    def __init__(self, code: int, message: str) -> None:
        self.code = code
        self.name = ffi.string(lib.rsl_strerror(code)).decode()
        self.message = message
        super().__init__(f"{self.name}: {message}" if message else self.name)


def from_err(code: int, err) -> RulesteadError:
    """The exception for a failed call that filled the rsl_error err."""
    return RulesteadError(code, ffi.string(err.message).decode("utf-8", "replace"))
