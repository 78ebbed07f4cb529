"""Detailed evaluation and flag listing: librsl's copied-out results
(rsl_detail, rsl_flag_list) turned into Python values."""
from __future__ import annotations

import json
from typing import Any, List, Optional

from ._rsl import ffi, lib
from ._types import Evaluation, FlagInfo

TYPES = {"boolean": lib.RSL_BOOLEAN, "string": lib.RSL_STRING,
         "integer": lib.RSL_INTEGER, "float": lib.RSL_FLOAT,
         "object": lib.RSL_OBJECT}
NO_BUCKET = 0xFFFFFFFF
# librsl's names, looked up once: "TARGETING_MATCH", "FLAG_NOT_FOUND".
REASONS = {i: ffi.string(lib.rsl_reason_name(i)).decode() for i in range(16)}
ERRORS = {i: ffi.string(lib.rsl_error_code_name(i)).decode() for i in range(16)}
ERRORS[lib.RSL_ERR_NONE] = None


def expected_type(name: Optional[str], fallback: Any) -> int:
    """The rsl_type to ask for: the name given, else the fallback's type,
    else RSL_ANY (whatever the flag has)."""
    if name is not None:
        t = TYPES.get(name)
        if t is None:
            raise ValueError(f"type: expected one of {', '.join(TYPES)}, "
                             f"found {name!r}")
        return t
    if fallback is None:
        return lib.RSL_ANY
    if isinstance(fallback, bool):
        return lib.RSL_BOOLEAN
    if isinstance(fallback, int):
        return lib.RSL_INTEGER
    if isinstance(fallback, float):
        return lib.RSL_FLOAT
    if isinstance(fallback, str):
        return lib.RSL_STRING
    if isinstance(fallback, (dict, list)):
        return lib.RSL_OBJECT
    raise TypeError("fallback: expected a bool, int, float, str, dict, list "
                    f"or None, found {type(fallback).__name__}")


def _s(p) -> Optional[str]:
    # A NULL cdata pointer is false.
    return ffi.string(p).decode("utf-8", "replace") if p else None


def value_of(v) -> Any:
    """The Python value of an rsl_value whose strings are still valid."""
    t = v.type
    if t == lib.RSL_BOOLEAN:
        return bool(v.b)
    if t == lib.RSL_INTEGER:
        return int(v.i)
    if t == lib.RSL_FLOAT:
        return float(v.f)
    text = ffi.unpack(v.s, v.len).decode("utf-8", "replace") if v.s else ""
    return json.loads(text) if t == lib.RSL_OBJECT else text


class Snapshots:
    """The environment and commit of the last snapshot evaluated, by
    version: the same for every evaluation of a snapshot, so decoded once.
    One tuple, replaced whole, so threads never see a mixed pair."""

    __slots__ = ("last",)

    def __init__(self) -> None:
        self.last = (0, None, None)

    def of(self, d):
        v = d.version
        last = self.last
        if v and last[0] == v:
            return last[1], last[2]
        env, commit = _s(d.environment), _s(d.commit)
        self.last = (v, env, commit)
        return env, commit


def evaluate(w, key: str, ckey, expected: int, ctx, fallback: Any,
             snaps: Snapshots) -> Evaluation:
    """rsl_client_detail through the guard w; the fallback is the caller's
    Python object itself whenever librsl served it (reason ERROR)."""
    d = ffi.new("rsl_detail *")
    lib.pyrsl_detail(d, w, ckey, expected, ctx, ffi.NULL)
    try:
        reason = REASONS.get(d.reason, "UNKNOWN")
        environment, commit = snaps.of(d)
        return Evaluation(
            key=key,
            value=fallback if reason == "ERROR" else value_of(d.value),
            variant=_s(d.variant),
            reason=reason,
            error_code=ERRORS.get(d.error, "UNKNOWN"),
            rule=_s(d.rule_name),
            file=_s(d.file),
            line=d.line,
            bucket=None if d.bucket == NO_BUCKET else d.bucket,
            rule_index=d.rule_index,
            environment=environment,
            version=d.version,
            commit=commit)
    finally:
        lib.rsl_detail_free(d)


def flags(w) -> List[FlagInfo]:
    """The flags of the snapshot served now, in key order ([] when none)."""
    out = ffi.new("rsl_flag_list **")
    rc = lib.pyrsl_flags(out, w)
    if rc != lib.RSL_OK:
        raise MemoryError("rsl_client_flags: out of memory")
    lst = out[0]
    try:
        return [FlagInfo(
            key=_s(f.key) or "",
            type=ffi.string(lib.rsl_type_name(f.type)).decode(),
            variant_count=f.variant_count,
            off_variant=_s(f.off_variant),
            default_variant=_s(f.default_variant),
            configured=bool(f.configured),
            enabled=bool(f.enabled),
            rule_count=f.rule_count,
            file=_s(f.file),
            line=f.line) for f in (lst.flags[i] for i in range(lst.count))]
    finally:
        lib.rsl_flag_list_free(lst)
