"""Every case of the shared conformance fixtures (bindings/fixtures/
cases.jsonl, generated with `rsc explain`): the binding decides exactly
what librsl decides, through evaluate() and through the typed calls."""
from __future__ import annotations

import json
import shutil

import pytest

from conftest import ROOT
from rulestead import Client, Context

FIXTURES = ROOT / "bindings" / "fixtures"
CASES = [json.loads(line) for line in
         (FIXTURES / "cases.jsonl").read_text(encoding="utf-8").splitlines()
         if line.strip()]


@pytest.fixture(scope="module")
def prod(tmp_path_factory):
    d = tmp_path_factory.mktemp("fixtures")
    shutil.copyfile(FIXTURES / "snapshots" / "prod.rsnap", d / "prod.rsnap")
    (d / "prod.rsnap").chmod(0o444)
    with Client(d / "prod.rsnap", pub=FIXTURES / "test-signing.pub",
                env="prod", watch=False) as c:
        assert c.start_error is None
        yield c


def test_there_are_cases():
    assert len(CASES) >= 50


@pytest.mark.parametrize("case", CASES,
                         ids=[f"{i}-{c['flag']}-{c.get('note', '')}"
                              for i, c in enumerate(CASES)])
def test_case(prod, case):
    want = case["expected"]
    e = prod.evaluate(case["flag"], case["fallback"], case["context"],
                      type=case["type"])
    assert (e.value, e.variant, e.reason, e.error_code or "NONE", e.rule) == (
        want["value"], want["variant"], want["reason"], want["error"],
        want["rule"])
    assert type(e.value) is type(want["value"]) or case["type"] == "float"
    typed = {"boolean": prod.get_bool, "string": prod.get_str,
             "integer": prod.get_int, "float": prod.get_float,
             "object": prod.get_object}[case["type"]]
    fb = case["fallback"]
    if case["type"] == "float":
        fb = float(fb)
    ctx = Context(case["context"])
    assert typed(case["flag"], fb, ctx) == want["value"]
