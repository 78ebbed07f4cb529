#!/usr/bin/python3
"""Validates rulesets against the JSON Schemas in schema/.

    /usr/bin/python3 tests/schema_check.py ROOT...

Every .yaml file under each ROOT is read with a YAML loader that types plain
scalars the way docs/ruleset.md does (only `true`/`false` are booleans,
integers have no leading zero, timestamps stay text), matched to a schema by
its place in the ruleset, and validated.  Prints one line per invalid file and
exits 0 when every file of every root is valid, 1 otherwise, 2 on bad usage.

This is a second, independent reader of the language (PyYAML + jsonschema,
not libyaml + rsc): tests/schema_test.sh checks that the two agree.  It needs
Debian's python3-yaml and python3-jsonschema (ci/install-deps).
"""

import fractions
import json
import os
import re
import sys

import jsonschema
import yaml

SCHEMA_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                          "..", "schema")


class RulesetLoader(yaml.SafeLoader):
    """SafeLoader with the scalar table of docs/ruleset.md.

    A fresh resolver table, so none of YAML 1.1's implicit types (yes/no/on/
    off booleans, octal 012, sexagesimal, timestamps, merge keys) apply.
    Scalars that rsc refuses as ambiguous (`yes`, `012`, `~`) come out as
    strings: where a boolean or number is required the schema then rejects
    them, elsewhere only rsc does.
    """

    yaml_implicit_resolvers = {}


RulesetLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|false)$"), list("tf"))
RulesetLoader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^-?(?:0|[1-9][0-9]*)$"),
    list("-0123456789"))
RulesetLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^-?(?:0|[1-9][0-9]*)"
               r"(?:\.[0-9]+(?:[eE][-+]?[0-9]+)?|[eE][-+]?[0-9]+)$"),
    list("-0123456789"))
RulesetLoader.add_implicit_resolver(
    "tag:yaml.org,2002:null", re.compile(r"^null$"), ["n"])


def _construct_mapping(loader, node):
    """Mappings with text keys and without duplicates (the spec refuses them;
    PyYAML would silently keep the last one)."""
    out = {}
    for key_node, value_node in node.value:
        # Keys are names: the text as written (`on:` names the variant on).
        if not isinstance(key_node, yaml.ScalarNode):
            raise yaml.constructor.ConstructorError(
                None, None, "mapping key is not a string", key_node.start_mark)
        key = key_node.value
        if key == "<<" and key_node.style is None:
            raise yaml.constructor.ConstructorError(
                None, None, "merge keys (<<) are not allowed",
                key_node.start_mark)
        if key in out:
            raise yaml.constructor.ConstructorError(
                None, None, "duplicate key '%s'" % key, key_node.start_mark)
        out[key] = loader.construct_object(value_node, deep=True)
    return out


RulesetLoader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)


def _is_multiple(validator, divisor, instance, schema):
    """multipleOf in exact decimal arithmetic.  jsonschema divides binary floats,
    so 0.043 is "not a multiple of 0.001"; a YAML number is decimal text and
    repr() gives that text back exactly."""
    if not validator.is_type(instance, "number"):
        return
    if (fractions.Fraction(repr(instance))
            / fractions.Fraction(repr(divisor))).denominator != 1:
        yield jsonschema.ValidationError(
            "%r is not a multiple of %r" % (instance, divisor))


def _is_integer(checker, instance):
    """An integer as written: jsonschema also counts the float 1.0, which
    rsc refuses for an integer flag."""
    return isinstance(instance, int) and not isinstance(instance, bool)


Validator = jsonschema.validators.extend(
    jsonschema.Draft7Validator, {"multipleOf": _is_multiple},
    type_checker=jsonschema.Draft7Validator.TYPE_CHECKER.redefine(
        "integer", _is_integer))

SCHEMA_ID_BASE = "https://rulestead.dev/schema/v1/"
SCHEMA_FILES = ("common", "rulestead", "flag", "segment", "targeting")

# rsc test's expectation files, tests/<name>.yaml.
SCHEMA_FILES += ("expectations",)


def load_schemas():
    schemas, store = {}, {}
    for name in SCHEMA_FILES:
        path = os.path.abspath(os.path.join(SCHEMA_DIR,
                                            name + ".schema.json"))
        with open(path, encoding="utf-8") as f:
            schema = json.load(f)
        Validator.check_schema(schema)
        uri = schema.get("$id")
        # A stable $id: editors and other repositories refer to it.
        if uri != SCHEMA_ID_BASE + name + ".schema.json":
            sys.exit("%s: $id is %r, not %r" % (path, uri, SCHEMA_ID_BASE
                                                + name + ".schema.json"))
        store[uri] = schema
        schemas[name] = (uri, schema)
    validators = {}
    for name, (uri, schema) in schemas.items():
        # Relative $refs ("common.schema.json#/...") resolve against the
        # schema's $id, as in an editor, and the store answers without any
        # I/O (https://rulestead.dev is never fetched).
        resolver = jsonschema.RefResolver(uri, schema, store=store)
        validators[name] = Validator(schema, resolver=resolver)
    return validators


def kind_of(rel):
    """The schema for a file at rel (a '/'-separated path inside the root),
    or None when no .yaml file may be there."""
    parts = rel.split("/")
    if len(parts) == 1:
        return "rulestead" if parts[0] == "rulestead.yaml" else "flag"
    if len(parts) == 2 and parts[0] == "segments":
        return "segment"
    if len(parts) == 3 and parts[0] == "environments":
        return "targeting"
    if len(parts) == 2 and parts[0] == "tests":
        return "expectations"
    return None


def refuse_anchors_and_tags(text):
    """The spec refuses anchors, aliases and tags (a ruleset says everything
    where it is read)."""
    for ev in yaml.parse(text, Loader=RulesetLoader):
        what = None
        if isinstance(ev, yaml.AliasEvent):
            what = "alias '*%s'" % ev.anchor
        elif getattr(ev, "anchor", None) is not None:
            what = "anchor '&%s'" % ev.anchor
        elif isinstance(ev, (yaml.ScalarEvent, yaml.CollectionStartEvent)) \
                and ev.tag is not None:
            what = "tag '%s'" % ev.tag
        if what:
            raise yaml.YAMLError("line %d: %s not allowed"
                                 % (ev.start_mark.line + 1, what))


def error_path(err):
    path = "".join("[%d]" % p if isinstance(p, int) else "." + str(p)
                   for p in err.absolute_path)
    return path.lstrip(".") or "(document)"


def _alternative_errors(err):
    """The errors of the oneOf/anyOf alternative that the instance most likely
    meant: not one whose required key or type it lacks, and then the one
    that failed deepest inside the instance."""
    groups = {}
    for e in err.context:
        groups.setdefault(e.relative_schema_path[0], []).append(e)
    meant = [g for g in groups.values()
             if not any(e.validator in ("required", "type")
                        and not e.relative_path for e in g)]
    if not meant:
        return min(groups.values(), key=len)
    return max(meant, key=lambda g: max(len(e.relative_path) for e in g))


def _one_key_of(err):
    """oneOf [{required: [a]}, {required: [b]}, ...]: exactly one key."""
    alts = err.validator_value
    if err.validator != "oneOf" or not isinstance(err.instance, dict) or \
            not all(isinstance(a, dict) and list(a) == ["required"]
                    for a in alts):
        return None
    keys = [a["required"][0] for a in alts]
    found = [k for k in keys if k in err.instance]
    return "expected exactly one of %s; found %s" % (
        ", ".join(keys), ", ".join(found) if found else "none")


def explain(err):
    """One specific error for err: descend through condition and serve
    alternatives to the mistake itself."""
    while err.validator in ("oneOf", "anyOf"):
        one = _one_key_of(err)
        if one:
            err.message = one
            return err
        if not err.context:
            return err
        if "then" in err.relative_schema_path:
            err.message = ("case_insensitive applies only to eq, ne, in, "
                           "not_in, contains, starts_with and ends_with")
            return err
        group = _alternative_errors(err)
        err = max(group, key=lambda e: (len(e.relative_path),
                                        e.validator == "additionalProperties",
                                        e.validator not in ("oneOf", "anyOf")))
    return err


def best_message(err):
    err = explain(err)
    return "%s: %s" % (error_path(err), err.message)


def check_root(root, validators, out):
    problems = 0
    files = []
    for dirpath, dirnames, filenames in os.walk(root):
        # Dot-files and dot-directories belong to other tools (.github/,
        # .gitlab-ci.yml), as docs/ruleset.md says and rsc does.
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(n for n in filenames if not n.startswith(".")):
            full = os.path.join(dirpath, name)
            rel = os.path.relpath(full, root).replace(os.sep, "/")
            if name.endswith(".yml"):
                out.append("%s: error: '.yml' files are not read; "
                           "name it '.yaml'" % full)
                problems += 1
            elif name.endswith(".yaml"):
                files.append((rel, full))
    if not any(rel == "rulestead.yaml" for rel, _ in files):
        out.append("%s: error: no rulestead.yaml" % root)
        problems += 1
    for rel, full in files:
        kind = kind_of(rel)
        if kind is None:
            out.append("%s: error: a .yaml file outside the ruleset layout"
                       % full)
            problems += 1
            continue
        try:
            with open(full, "rb") as f:
                text = f.read()
            refuse_anchors_and_tags(text)
            doc = yaml.load(text, Loader=RulesetLoader)
        except (yaml.YAMLError, UnicodeDecodeError) as e:
            out.append("%s: error: %s" % (full, str(e).replace("\n", " ")))
            problems += 1
            continue
        errors = list(validators[kind].iter_errors(doc))
        if errors:
            # An unknown key explains a missing one ('enabeld' for enabled).
            # Keys required by another key's value (allOf/if/then) come
            # last: 'type: bool' is the mistake, not the missing variants.
            first = min(errors, key=lambda e: (
                0 if e.validator == "additionalProperties" else
                2 if "allOf" in e.schema_path else 1,
                [str(p) for p in e.absolute_path]))
            more = " (and %d more)" % (len(errors) - 1) if len(errors) > 1 \
                else ""
            out.append("%s: error: %s (%s schema)%s"
                       % (full, best_message(first), kind, more))
            problems += 1
    return problems


def main(argv):
    if len(argv) < 2 or argv[1] in ("-h", "--help"):
        sys.stderr.write("usage: schema_check.py ROOT...\n")
        return 2
    validators = load_schemas()
    bad = 0
    for root in argv[1:]:
        if not os.path.isdir(root):
            sys.stderr.write("schema_check.py: %s: not a directory\n" % root)
            return 2
        out = []
        bad += check_root(root, validators, out)
        for line in out:
            print(line)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
