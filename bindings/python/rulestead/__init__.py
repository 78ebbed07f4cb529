"""Rulestead for Python: librsl's live client through cffi.

    import rulestead
    with rulestead.Client("/etc/flags/prod.rsnap", pub="ci-signing.pub",
                          env="prod") as flags:
        if flags.get_bool("new-checkout", False, {"targeting_key": "user-42"}):
            ...

One evaluator in every language: every decision is librsl's.
"""
from ._client import Client
from ._context import Context
from ._errors import RulesteadError
from ._rsl import ffi as _ffi, lib as _lib
from ._types import Evaluation, Event, FlagInfo, Status


def _name(p) -> str:
    return _ffi.string(p).decode()


#: Event names (Event.name), librsl's RSL_EVENT_*.
EVENT_ACCEPTED = _name(_lib.RSL_EVENT_ACCEPTED)
EVENT_REFUSED = _name(_lib.RSL_EVENT_REFUSED)
EVENT_STALE = _name(_lib.RSL_EVENT_STALE)
EVENT_ROLLBACK_OVERRIDE = _name(_lib.RSL_EVENT_ROLLBACK_OVERRIDE)
EVENT_BACKUP_FAILED = _name(_lib.RSL_EVENT_BACKUP_FAILED)
EVENT_EVALUATION = _name(_lib.RSL_EVENT_EVALUATION)

#: librsl's version ("0.1.0").
LIBRARY_VERSION = _name(_lib.rsl_version_string())
__version__ = LIBRARY_VERSION

__all__ = ["Client", "Context", "Evaluation", "Event", "FlagInfo", "Status",
           "RulesteadError", "EVENT_ACCEPTED", "EVENT_REFUSED", "EVENT_STALE",
           "EVENT_ROLLBACK_OVERRIDE", "EVENT_BACKUP_FAILED",
           "EVENT_EVALUATION", "LIBRARY_VERSION"]
