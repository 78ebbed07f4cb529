"""The OpenFeature provider against the SDK's shapes: the real
openfeature-sdk when it is installed, else the stand-in in standin/ (see
its README: the SDK could not be installed here)."""
from __future__ import annotations

import inspect
import queue
import shutil
import sys
import threading
import time
from pathlib import Path

import pytest

try:
    import openfeature  # noqa: F401  (the real SDK, when installed)
except ImportError:
    sys.path.insert(0, str(Path(__file__).parent / "standin"))

from openfeature.evaluation_context import EvaluationContext  # noqa: E402
from openfeature.event import ProviderEvent  # noqa: E402
from openfeature.exception import ErrorCode, ProviderNotReadyError  # noqa: E402
from openfeature.flag_evaluation import Reason  # noqa: E402
from openfeature.hook import Hook  # noqa: E402
from openfeature.provider import AbstractProvider  # noqa: E402

from conftest import ROOT, publish  # noqa: E402
from rulestead import Client  # noqa: E402
from rulestead.openfeature import RulesteadProvider  # noqa: E402

FIXTURES = ROOT / "bindings" / "fixtures"
WAIT = 20


def test_the_provider_has_every_method_of_the_sdk_abstract_provider():
    abstract = AbstractProvider.__abstractmethods__
    assert {"get_metadata", "resolve_boolean_details", "resolve_string_details",
            "resolve_integer_details", "resolve_float_details",
            "resolve_object_details"} <= abstract
    assert not RulesteadProvider.__abstractmethods__   # instantiable
    for name in abstract | {"initialize", "shutdown", "get_provider_hooks"}:
        ours = inspect.signature(getattr(RulesteadProvider, name))
        theirs = inspect.signature(getattr(AbstractProvider, name))
        assert list(ours.parameters) == list(theirs.parameters), name


def capture(p: RulesteadProvider):
    q: "queue.Queue" = queue.Queue()
    p.attach(lambda prov, ev, details: q.put(
        (ev, details, threading.current_thread().name)))
    return q


def next_event(q, want):
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        ev, details, thread = q.get(timeout=max(0.01, deadline - time.monotonic()))
        if ev == want:
            return details, thread
    raise AssertionError(f"no {want} within {WAIT} s")


@pytest.fixture
def provider(served, world):
    p = RulesteadProvider(served, pub=world.pub, env="prod", poll_interval_ms=50)
    p.initialize(EvaluationContext())
    yield p
    p.shutdown()


def test_resolutions_carry_value_variant_reason_and_metadata(provider, world):
    d = provider.resolve_boolean_details(
        "new-checkout", False, EvaluationContext("user-1", {"country": "DE"}))
    assert (d.value, d.variant, d.reason, d.error_code) == (
        True, "on", Reason.TARGETING_MATCH, None)
    assert d.flag_metadata == {
        "environment": "prod", "version": world.version1,
        "commit": d.flag_metadata["commit"], "rule": "germany",
        "source": "environments/prod/new-checkout.yaml:3"}
    assert provider.resolve_string_details("color", "fb").value == "blue"
    assert provider.resolve_integer_details(
        "max-items", 0, EvaluationContext(attributes={"seats": 500})).value == 9007199254740993
    assert provider.resolve_float_details("ratio", 0.0).value == 0.75
    assert provider.resolve_object_details("banner", {}).value == {
        "text": "hello", "size": [1, 2]}
    assert provider.get_metadata().name == "rulestead"


def test_errors_serve_the_default_and_never_raise(provider):
    d = provider.resolve_boolean_details("no-such-flag", True)
    assert (d.value, d.reason, d.error_code, d.variant) == (
        True, Reason.ERROR, ErrorCode.FLAG_NOT_FOUND, None)
    assert d.error_message == "no flag 'no-such-flag' in the snapshot served"
    d = provider.resolve_integer_details("color", 7)
    assert (d.value, d.error_code) == (7, ErrorCode.TYPE_MISMATCH)
    d = provider.resolve_string_details(
        "color", "fb", EvaluationContext("u", {"when": object()}))
    assert (d.value, d.error_code) == ("fb", ErrorCode.INVALID_CONTEXT)
    assert "attribute 'when'" in d.error_message
    d = provider.resolve_string_details(
        "color", "fb", EvaluationContext("u", {"note": "x" * 5000}))
    assert (d.value, d.error_code) == ("fb", ErrorCode.INVALID_CONTEXT)


def test_a_split_without_a_targeting_key_serves_its_value(provider):
    d = provider.resolve_boolean_details("rollout", True)
    assert (d.value, d.variant, d.error_code) == (False, "off", None)
    assert d.error_message.startswith("TARGETING_KEY_MISSING")


def test_not_initialized_is_not_ready(served, world):
    p = RulesteadProvider(served, pub=world.pub)
    d = p.resolve_boolean_details("new-checkout", True)
    assert (d.value, d.error_code) == (True, ErrorCode.PROVIDER_NOT_READY)


def test_a_reload_is_configuration_changed_on_the_event_thread(provider, served, world):
    q = capture(provider)
    publish(world.v2, served)
    details, thread = next_event(q, ProviderEvent.PROVIDER_CONFIGURATION_CHANGED)
    assert details.metadata["version"] == world.version2
    assert thread == provider.client.event_thread.name
    assert provider.resolve_string_details("color", "fb").value == "green"
    publish(world.v1, served)                      # a rollback: refused
    details, _ = next_event(q, ProviderEvent.PROVIDER_ERROR)
    assert details.metadata == {"code": "RSL_EROLLBACK"}
    assert provider.resolve_string_details("color", "fb").value == "green"


def test_not_ready_at_start_then_ready(tmp_path, world):
    path = tmp_path / "prod.rsnap"
    p = RulesteadProvider(path, pub=world.pub, poll_interval_ms=50)
    q = capture(p)
    with pytest.raises(ProviderNotReadyError, match="no snapshot is being served"):
        p.initialize(EvaluationContext())
    assert p.resolve_boolean_details("new-checkout", True).error_code == \
        ErrorCode.PROVIDER_NOT_READY
    publish(world.v1, path)
    details, _ = next_event(q, ProviderEvent.PROVIDER_READY)
    assert details.metadata["version"] == world.version1
    assert p.resolve_string_details("color", "fb").value == "blue"
    p.shutdown()
    assert p.client is None


def test_a_stale_snapshot_is_provider_stale(tmp_path):
    path = tmp_path / "prod.rsnap"
    shutil.copyfile(FIXTURES / "snapshots" / "expired.rsnap", path)
    path.chmod(0o444)
    p = RulesteadProvider(path, pub=FIXTURES / "test-signing.pub")
    q = capture(p)
    p.initialize(EvaluationContext())
    details, _ = next_event(q, ProviderEvent.PROVIDER_STALE)
    assert "STALE" in details.message
    # Stale still serves (unless fail_closed).
    assert p.resolve_string_details("static-banner", "fb").value != "fb"
    p.shutdown()


def test_a_shared_client_stays_open_and_hooks_are_returned(served, world):
    class Audit(Hook):
        pass

    with Client(served, pub=world.pub) as c:
        p = RulesteadProvider(client=c, hooks=[Audit()])
        p.initialize(EvaluationContext())
        assert [type(h) for h in p.get_provider_hooks()] == [Audit]
        p.shutdown()
        assert not c.closed and c.get_str("color", "fb") == "blue"
    with pytest.raises(TypeError, match="expected a snapshot path or client="):
        RulesteadProvider()
