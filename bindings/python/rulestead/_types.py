"""The plain values the binding returns: evaluations, events, status."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional


@dataclass
class Evaluation:
    """What one detailed evaluation decided, and why.

    ``value`` is the flag's value, or the fallback when ``reason`` is
    ``"ERROR"`` (then ``error_code`` says why: ``"FLAG_NOT_FOUND"``,
    ``"TYPE_MISMATCH"``, ``"PROVIDER_NOT_READY"``, ``"INVALID_CONTEXT"``...).
    ``error_code`` is None when there was no error; TARGETING_KEY_MISSING
    still serves a value.  ``rule`` is the name of the deciding rule (None for
    none), ``file``/``line`` the source of the rule, default or definition
    that decided.  ``bucket`` is 0..99999 when a split decided, else None.
    ``environment``, ``version`` and ``commit`` are those of the snapshot
    that decided (None, 0, None when none was served).  A plain dataclass
    (not frozen: making one is several times cheaper), yours to keep.
    """

    key: str
    value: Any
    variant: Optional[str]
    reason: str
    error_code: Optional[str]
    rule: Optional[str]
    file: Optional[str]
    line: int
    bucket: Optional[int] = None
    rule_index: int = -1
    environment: Optional[str] = None
    version: int = 0
    commit: Optional[str] = None


@dataclass(frozen=True)
class Event:
    """One event of a live client (librsl's rsl_client_event, copied).

    ``name`` is one of the ``EVENT_*`` constants of this package;
    ``code``/``code_name`` the RSL_E* code of a refusal (0, "RSL_OK"
    otherwise); ``version`` and ``commit`` those of the snapshot concerned
    (0 / None when unknown); ``flag_key`` and ``error_type`` are set on
    evaluation events (a flag not found).
    """

    name: str
    code: int
    code_name: str
    message: str
    path: Optional[str]
    version: int
    commit: Optional[str]
    flag_key: Optional[str]
    error_type: Optional[str]


@dataclass(frozen=True)
class Status:
    """What a live client serves and how it got there (rsl_client_status)."""

    ready: bool
    stale: bool
    failing_closed: bool
    rollback_override: bool
    from_backup: bool
    watch: str
    version: int
    environment: str
    commit: str
    key_id: str
    flag_count: int
    issued_at: int
    expires_at: int
    loaded_at: int
    age: int
    content_hash: str
    last_outcome: str
    last_code: int
    last_error: str
    last_refresh_at: int
    evaluations: int
    misses: int
    errors: int
    reloads_accepted: int
    reloads_refused: int
    snapshots_retiring: int


@dataclass(frozen=True)
class FlagInfo:
    """One flag of the served snapshot (rsl_flag_desc, copied).

    ``type`` is "boolean", "string", "integer", "float" or "object";
    ``default_variant`` is None when the default is a split or a schedule;
    ``configured``: the flag has targeting in this environment; ``enabled``:
    configured and not switched off; ``file``/``line``: its definition.
    """

    key: str
    type: str
    variant_count: int
    off_variant: Optional[str]
    default_variant: Optional[str]
    configured: bool
    enabled: bool
    rule_count: int
    file: Optional[str]
    line: int
