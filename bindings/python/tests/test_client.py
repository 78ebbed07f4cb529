"""The live client from Python: typed calls, fallbacks, error codes, the
detailed evaluation, explain, listing flags, and bad input refused."""
from __future__ import annotations

import pytest

import rulestead
from rulestead import Client, Context, RulesteadError

DE = {"targeting_key": "user-1", "country": "DE"}


@pytest.fixture
def client(served, world):
    with Client(served, pub=world.pub, env="prod", watch=False) as c:
        yield c


def test_typed_values_follow_the_rules(client):
    assert client.get_bool("new-checkout", False, DE) is True
    assert client.get_bool("new-checkout", True, {"country": "FR"}) is False
    assert client.get_str("color", "none", {"plan": "pro"}) == "orange"
    assert client.get_str("color", "none", {"plan": "free"}) == "blue"
    assert client.get_int("max-items", 0, {"seats": 100}) == 9007199254740993
    assert client.get_int("max-items", 0, {"seats": 99.5}) == 10
    assert client.get_float("ratio", 0.0) == 0.75
    assert client.get_object("banner", None, {"tall": False}) == {
        "text": "hello", "size": [1, 2]}
    # Past the binding's first buffer (256 bytes): read again in full.
    assert client.get_object("banner", None, {"tall": True}) == {
        "text": "x" * 2000}


def test_fallbacks_on_a_missing_flag_or_another_type(client):
    assert client.get_bool("no-such-flag", True) is True
    assert client.get_str("no-such-flag", "fb") == "fb"
    assert client.get_int("new-checkout", -7) == -7          # a boolean flag
    assert client.get_float("color", 1.5) == 1.5
    assert client.get_str("max-items", "fb") == "fb"
    assert client.get_object("color", {"fb": 1}) == {"fb": 1}
    assert client.get_bool("color", True) is True


def test_typed_calls_refuse_a_fallback_of_another_type(client):
    with pytest.raises(TypeError, match="fallback: expected a bool, found int"):
        client.get_bool("new-checkout", 1)
    with pytest.raises(TypeError, match="expected an int, found bool"):
        client.get_int("max-items", True)
    with pytest.raises(TypeError, match="expected a str, found NoneType"):
        client.get_str("color", None)


def test_evaluate_says_what_decided_and_where(client, world):
    e = client.evaluate("new-checkout", False, DE)
    assert (e.value, e.variant, e.reason, e.error_code) == (
        True, "on", "TARGETING_MATCH", None)
    assert (e.rule, e.rule_index) == ("germany", 0)
    assert (e.file, e.line) == ("environments/prod/new-checkout.yaml", 3)
    assert (e.environment, e.version) == ("prod", world.version1)
    assert len(e.commit) == 40
    d = client.evaluate("new-checkout", False, {"country": "FR"})
    assert (d.value, d.variant, d.reason, d.rule) == (False, "off", "DEFAULT", None)
    s = client.evaluate("rollout", context={"targeting_key": "user-1"})
    assert s.reason == "SPLIT" and 0 <= s.bucket <= 99999
    assert s.value is (s.variant == "on")


def test_evaluate_any_type_without_a_fallback(client):
    assert client.evaluate("color").value == "blue"
    assert client.evaluate("max-items").value == 10
    assert client.evaluate("banner").value == {"text": "hello", "size": [1, 2]}
    assert client.evaluate("ratio", type="float").value == 0.75
    with pytest.raises(ValueError, match="type: expected one of boolean"):
        client.evaluate("ratio", type="double")


def test_error_codes(client):
    e = client.evaluate("no-such-flag", True)
    assert (e.value, e.reason, e.error_code, e.variant) == (
        True, "ERROR", "FLAG_NOT_FOUND", None)
    e = client.evaluate("color", 3)
    assert (e.value, e.error_code) == (3, "TYPE_MISMATCH")
    big = {"targeting_key": "u", "note": "x" * 4097}
    e = client.evaluate("new-checkout", False, big)
    assert (e.value, e.error_code) == (False, "INVALID_CONTEXT")
    e = client.evaluate("rollout", False, {})
    assert e.error_code == "TARGETING_KEY_MISSING" and e.reason != "ERROR"
    assert client.status.misses >= 1


def test_not_ready_serves_fallbacks_and_says_why(tmp_path, world):
    with Client(tmp_path / "none.rsnap", pub=world.pub, watch=False) as c:
        assert c.start_error is not None and c.start_error.name == "RSL_EIO"
        assert c.status.ready is False
        assert c.get_bool("new-checkout", True) is True
        e = c.evaluate("color", "fb")
        assert (e.value, e.error_code, e.version, e.environment) == (
            "fb", "PROVIDER_NOT_READY", 0, None)
        assert c.flags() == []


def test_prepared_and_plain_contexts_decide_alike(client):
    ctx = Context({"targeting_key": "user-9", "country": "DE", "seats": 3,
                   "beta": True, "groups": ["a", "b"], "skip": None})
    assert client.get_bool("new-checkout", False, ctx) is True
    assert client.evaluate("rollout", False, ctx) == client.evaluate(
        "rollout", False, ctx.as_dict())


@pytest.mark.parametrize("ctx,exc,msg", [
    ({"country": {"nested": 1}}, TypeError,
     "attribute 'country': expected a string, a bool, a number or a list of "
     "strings, found dict"),
    ({"country": "D\0E"}, ValueError,
     "attribute 'country': expected text without NUL characters, found one at byte 1"),
    ({"groups": ["a", 2]}, TypeError, "attribute 'groups' item 1: expected a string, found int"),
    ({"targeting_key": 42}, TypeError, "context key 'targeting_key': expected a string"),
    ({"big": 10 ** 400}, ValueError, "expected a number a double can hold"),
    ({"s": "\udc80"}, ValueError, "expected UTF-8 text"),
    (["country", "DE"], TypeError, "context: expected a mapping"),
])
def test_contexts_librsl_cannot_carry_are_refused(client, ctx, exc, msg):
    with pytest.raises(exc, match=msg):
        client.get_bool("new-checkout", False, ctx)


def test_a_flag_key_with_a_nul_is_refused(client):
    with pytest.raises(ValueError, match="flag key: expected no NUL"):
        client.get_bool("new-checkout\0x", False)


def test_explain_is_librsl_trace(client):
    text = client.explain("new-checkout", {"country": "FR"})
    assert "germany" in text and "environments/prod/new-checkout.yaml:3" in text
    js = client.explain("new-checkout", DE, format="json")
    import json
    assert json.loads(js)["result"]["variant"] == "on"
    with pytest.raises(ValueError, match="format: expected 'text' or 'json'"):
        client.explain("new-checkout", format="yaml")


def test_flags_lists_every_flag_with_its_type(client):
    fl = {f.key: f for f in client.flags()}
    assert sorted(fl) == ["banner", "color", "max-items", "new-checkout",
                          "ratio", "rollout"]
    assert (fl["color"].type, fl["color"].variant_count,
            fl["color"].default_variant, fl["color"].rule_count) == (
        "string", 3, "blue", 1)
    assert fl["rollout"].default_variant is None        # a split
    assert (fl["ratio"].file, fl["ratio"].line) == ("ratio.yaml", 1)


def test_bad_keys_and_options_raise(tmp_path, served, world):
    with pytest.raises(RulesteadError) as e:
        Client(served, pub=tmp_path / "missing.pub")
    assert e.value.name == "RSL_EIO" and "missing.pub" in e.value.message
    with pytest.raises(RulesteadError) as e:
        Client(served, pub=[])
    assert e.value.name == "RSL_EINVAL"
    with pytest.raises(ValueError, match="env: expected text without NUL"):
        Client(served, pub=world.pub, env="pr\0od")
    bad = tmp_path / "bad.pub"
    bad.write_text("not a key\n")
    with pytest.raises(RulesteadError) as e:
        Client(served, pub=bad)
    assert e.value.name == "RSL_EKEY"


def test_pem_text_and_the_wrong_environment(served, world):
    with Client(served, pub=world.pub.read_bytes(), env="staging",
                watch=False) as c:
        assert c.start_error.name == "RSL_EENV"
        assert c.evaluate("color", "fb").error_code == "PROVIDER_NOT_READY"


def test_status_describes_what_is_served(client, world):
    client.get_bool("new-checkout", False)
    s = client.status
    assert (s.ready, s.version, s.environment, s.flag_count, s.watch) == (
        True, world.version1, "prod", 6, "none")
    assert s.evaluations >= 1 and len(s.content_hash) == 64


def test_calls_after_close_serve_fallbacks(served, world):
    c = Client(served, pub=world.pub, watch=False)
    c.close()
    c.close()                                   # idempotent
    assert c.closed
    assert c.get_bool("new-checkout", True, DE) is True
    assert c.evaluate("color", "fb").error_code == "PROVIDER_NOT_READY"
    with pytest.raises(RulesteadError, match="the client is closed"):
        c.refresh()


def test_the_version_is_the_library_one():
    assert rulestead.LIBRARY_VERSION.count(".") == 2
