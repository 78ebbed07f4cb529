"""An OpenFeature provider for the OpenFeature Python SDK (openfeature-sdk).

    from openfeature import api
    from rulestead.openfeature import RulesteadProvider

    api.set_provider(RulesteadProvider("/etc/flags/prod.rsnap",
                                       pub="ci-signing.pub", env="prod"))
    flags = api.get_client()
    flags.get_boolean_value("new-checkout", False,
                            EvaluationContext("user-42", {"country": "DE"}))

Every resolution is librsl's decision (Client.evaluate), with value,
variant, reason, error code, and as flag metadata the snapshot's
environment, version and commit, the deciding rule and its source
("file:line").  A resolution never raises: any error serves the default
value with its error code (a context librsl cannot carry: INVALID_CONTEXT).
One exception to "error code means default": a default split without a
targeting key serves the off variant (librsl's decision), reported without
an error code and with TARGETING_KEY_MISSING in error_message, since the SDK
would otherwise replace the value.

The client's events become provider events, emitted on the client's event
thread ("rulestead-events-<n>"), where the SDK's handlers then run:
  a snapshot accepted -> PROVIDER_READY (when not ready before, or after
                         STALE or ERROR), then PROVIDER_CONFIGURATION_CHANGED
                         for a new version
  a snapshot stale    -> PROVIDER_STALE (also for one already stale at
                         start: librsl reports it then, and the event
                         follows the SDK's PROVIDER_READY)
  a file refused      -> PROVIDER_ERROR (the previous snapshot still served)

This module needs the SDK (``pip install openfeature-sdk``); the rest of
the package does not.  Its tests run against a minimal stand-in of the
SDK's classes (bindings/python/tests/standin), as the SDK could not be
installed where it was written.
"""
from __future__ import annotations

import threading
from typing import Any, List, Optional, Sequence, Union

from openfeature.evaluation_context import EvaluationContext
from openfeature.event import ProviderEventDetails
from openfeature.exception import ErrorCode, ProviderNotReadyError
from openfeature.flag_evaluation import FlagResolutionDetails, Reason
from openfeature.hook import Hook
from openfeature.provider import AbstractProvider, Metadata

from . import EVENT_ACCEPTED, EVENT_REFUSED, EVENT_STALE
from ._client import Client
from ._types import Evaluation, Event

_MESSAGES = {
    "FLAG_NOT_FOUND": "no flag '{key}' in the snapshot served",
    "TYPE_MISMATCH": "flag '{key}' is not of type {type}",
    "PROVIDER_NOT_READY": "no snapshot is being served",
    "INVALID_CONTEXT": "the context is not valid for this snapshot "
                       "(its environment, or a value librsl refuses)",
}


def context_of(ec: Optional[EvaluationContext]) -> dict:
    """An OpenFeature EvaluationContext as a Rulestead context mapping."""
    if ec is None:
        return {}
    out = dict(ec.attributes or {})
    if ec.targeting_key is not None:
        out["targeting_key"] = ec.targeting_key
    return out


class RulesteadProvider(AbstractProvider):
    """``RulesteadProvider(path, pub=..., env=..., **Client options)`` makes
    and owns a :class:`rulestead.Client` in :meth:`initialize` and closes it
    in :meth:`shutdown`; ``RulesteadProvider(client=c)`` shares one (never
    closed by the provider).  ``hooks``: the provider's hooks."""

    def __init__(self, path: Any = None, *, client: Optional[Client] = None,
                 hooks: Sequence[Hook] = (), **client_options: Any) -> None:
        if (path is None) == (client is None):
            raise TypeError("RulesteadProvider: expected a snapshot path or "
                            "client=, found " + ("both" if path else "neither"))
        self._path = path
        self._options = client_options
        self._client = client
        self._owns = client is None
        self._hooks: List[Hook] = list(hooks)
        self._lock = threading.Lock()
        self._state = "NOT_READY"
        self._announced = 0   # the version READY or CHANGED last announced

    @property
    def client(self) -> Optional[Client]:
        """The client resolutions read (None before initialize)."""
        return self._client

    def get_metadata(self) -> Metadata:
        return Metadata(name="rulestead")

    def get_provider_hooks(self) -> List[Hook]:
        return list(self._hooks)

    def initialize(self, evaluation_context: Optional[EvaluationContext] = None) -> None:
        """Starts the client; raises ProviderNotReadyError (the SDK then
        reports PROVIDER_ERROR) when no snapshot can be served yet: the
        client keeps watching and PROVIDER_READY follows when one is."""
        with self._lock:
            if self._client is None:
                # Listening from the start: the start's own events (a
                # snapshot already stale) reach the provider too.
                self._client = Client(self._path, on_event=self._on_event,
                                      **self._options)
            else:
                self._client.add_listener(self._on_event)
            s = self._client.status
            if not s.ready:
                self._state = "ERROR"
                err = self._client.start_error
                raise ProviderNotReadyError(
                    "rulestead: no snapshot is being served: "
                    + (err.message if err else s.last_error or "none found"))
            self._announced = s.version
            self._state = "STALE" if s.stale else "READY"

    def shutdown(self) -> None:
        c = self._client
        if c is not None:
            c.remove_listener(self._on_event)
            if self._owns:
                c.close()
                self._client = None

    # ---------------------------------------------------------------- events

    def _metadata(self, ev: Event) -> dict:
        c = self._client
        env = c.status.environment if c is not None else ""
        return {"environment": env, "version": ev.version,
                "commit": ev.commit or ""}

    def _on_event(self, ev: Event) -> None:
        if ev.name == EVENT_ACCEPTED:
            with self._lock:
                c = self._client
                if ev.version == self._announced and (
                        self._state == "READY" or
                        (self._state == "STALE" and c is not None
                         and c.status.stale)):
                    return   # the start's own event, or a renewal still stale
                was, self._state = self._state, "READY"
                changed = self._announced not in (0, ev.version)
                self._announced = ev.version
            details = ProviderEventDetails(message=ev.message,
                                           metadata=self._metadata(ev))
            if was != "READY":
                self.emit_provider_ready(details)
            if changed:
                self.emit_provider_configuration_changed(details)
        elif ev.name == EVENT_STALE:
            with self._lock:
                self._state = "STALE"
            self.emit_provider_stale(ProviderEventDetails(message=ev.message))
        elif ev.name == EVENT_REFUSED:
            with self._lock:
                self._state = "ERROR"
            self.emit_provider_error(ProviderEventDetails(
                message=ev.message, error_code=ErrorCode.GENERAL,
                metadata={"code": ev.code_name}))

    # ----------------------------------------------------------- resolutions

    def _resolve(self, key: str, default: Any,
                 ec: Optional[EvaluationContext], type_: str,
                 ) -> FlagResolutionDetails:
        c = self._client
        if c is None:
            return FlagResolutionDetails(
                value=default, reason=Reason.ERROR,
                error_code=ErrorCode.PROVIDER_NOT_READY,
                error_message="the provider is not initialized")
        try:
            e: Evaluation = c.evaluate(key, default, context_of(ec), type=type_)
        except (TypeError, ValueError) as err:   # a context librsl cannot carry
            return FlagResolutionDetails(
                value=default, reason=Reason.ERROR,
                error_code=ErrorCode.INVALID_CONTEXT, error_message=str(err))
        meta = {}
        if e.environment is not None:
            meta["environment"] = e.environment
        if e.version:
            meta["version"] = e.version
        if e.commit is not None:
            meta["commit"] = e.commit
        if e.rule is not None:
            meta["rule"] = e.rule
        if e.file is not None:
            meta["source"] = f"{e.file}:{e.line}"
        reason: Union[str, Reason] = (Reason[e.reason] if e.reason in
                                      Reason.__members__ else e.reason)
        d = FlagResolutionDetails(value=e.value, reason=reason,
                                  variant=e.variant, flag_metadata=meta)
        if e.error_code == "TARGETING_KEY_MISSING" and e.variant is not None:
            d.error_message = ("TARGETING_KEY_MISSING: no bucketing value; "
                               "the off variant is served")
        elif e.error_code is not None:
            d.error_code = (ErrorCode[e.error_code] if e.error_code in
                            ErrorCode.__members__ else ErrorCode.GENERAL)
            d.error_message = _MESSAGES.get(e.error_code, e.error_code).format(
                key=key, type=type_)
            d.value = default
        return d

    def resolve_boolean_details(self, flag_key: str, default_value: bool,
                                evaluation_context: Optional[EvaluationContext] = None,
                                ) -> FlagResolutionDetails[bool]:
        return self._resolve(flag_key, default_value, evaluation_context, "boolean")

    def resolve_string_details(self, flag_key: str, default_value: str,
                               evaluation_context: Optional[EvaluationContext] = None,
                               ) -> FlagResolutionDetails[str]:
        return self._resolve(flag_key, default_value, evaluation_context, "string")

    def resolve_integer_details(self, flag_key: str, default_value: int,
                                evaluation_context: Optional[EvaluationContext] = None,
                                ) -> FlagResolutionDetails[int]:
        return self._resolve(flag_key, default_value, evaluation_context, "integer")

    def resolve_float_details(self, flag_key: str, default_value: float,
                              evaluation_context: Optional[EvaluationContext] = None,
                              ) -> FlagResolutionDetails[float]:
        return self._resolve(flag_key, default_value, evaluation_context, "float")

    def resolve_object_details(self, flag_key: str,
                               default_value: Union[dict, list],
                               evaluation_context: Optional[EvaluationContext] = None,
                               ) -> FlagResolutionDetails[Union[dict, list]]:
        return self._resolve(flag_key, default_value, evaluation_context, "object")
