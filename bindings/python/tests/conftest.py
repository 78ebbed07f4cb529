"""Shared fixtures: real snapshots compiled by rsc from a real git
repository, published into place by rename() as a deployment would."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
RSC = os.environ.get("RSC", str(ROOT / "build" / "rsc"))


def sh(*args: str, cwd=None, env=None) -> str:
    r = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True)
    if r.returncode != 0:
        raise AssertionError(f"{' '.join(args)}: exit {r.returncode}\n{r.stderr}")
    return r.stdout


def publish(src: Path, dst: Path) -> None:
    """Writes a copy next to dst and renames it into place."""
    tmp = dst.with_name(dst.name + ".tmp")
    shutil.copyfile(src, tmp)
    os.chmod(tmp, 0o444)
    os.rename(tmp, dst)


FLAG = "key: {key}\ndescription: test\nowner: bindings\n{extra}"

DEFINITIONS = {
    "new-checkout": "",
    "color": "type: string\nvariants:\n  blue: blue\n  green: green\n"
             "  orange: orange\noff_variant: blue\n",
    "max-items": "type: integer\nvariants:\n  few: 10\n  many: 9007199254740993\n"
                 "off_variant: few\n",
    "ratio": "type: float\nvariants:\n  low: 0.25\n  high: 0.75\n"
             "off_variant: low\n",
    "banner": "type: object\nvariants:\n  plain:\n    text: hello\n"
              "    size: [1, 2]\n  long:\n    text: \"" + "x" * 2000 + "\"\n"
              "off_variant: plain\n",
    "rollout": "",
}


def targeting(generation: int) -> dict:
    """The prod targeting of each flag; generation 2 changes decisions."""
    return {
        "new-checkout": (
            "enabled: true\nrules:\n  - name: germany\n    when:\n"
            "      attribute: country\n      eq: DE\n    serve: on\n"
            f"default: {'on' if generation == 2 else 'off'}\n"),
        "color": ("enabled: true\nrules:\n  - name: pro\n    when:\n"
                  "      attribute: plan\n      eq: pro\n    serve: orange\n"
                  f"default: {'green' if generation == 2 else 'blue'}\n"),
        "max-items": ("enabled: true\nrules:\n  - name: big\n    when:\n"
                      "      attribute: seats\n      gte: 100\n    serve: many\n"
                      "default: few\n"),
        "ratio": "enabled: true\ndefault: high\n",
        "banner": ("enabled: true\nrules:\n  - name: tall\n    when:\n"
                   "      attribute: tall\n      eq: true\n    serve: long\n"
                   "default: plain\n"),
        "rollout": ("enabled: true\ndefault:\n  split:\n    on: 50\n"
                    "    off: 50\n"),
    }


@dataclass
class World:
    pub: Path
    v1: Path       # generation 1
    v2: Path       # generation 2, a later commit: a newer version
    version1: int
    version2: int


def _compile(repo: Path, key: Path, out: Path, when: int) -> None:
    env = dict(os.environ, GIT_AUTHOR_DATE=f"{when} +0000",
               GIT_COMMITTER_DATE=f"{when} +0000")
    sh("git", "add", "-A", cwd=repo)
    sh("git", "commit", "-q", "-m", f"at {when}", cwd=repo, env=env)
    sh(RSC, "compile", "--root", str(repo), "--rev", "HEAD", "--key", str(key),
       "--out", str(out))


def _version(rsnap: Path, pub: Path) -> int:
    out = sh(RSC, "inspect", "--format", "json", "--pub", str(pub), str(rsnap))
    return json.loads(out)["body"]["version"]


@pytest.fixture(scope="session")
def world(tmp_path_factory) -> World:
    if not os.access(RSC, os.X_OK):
        pytest.skip(f"{RSC} is not built (make)")
    t = tmp_path_factory.mktemp("world")
    sh(RSC, "keygen", "--out", str(t / "k"))
    repo = t / "repo"
    (repo / "environments" / "prod").mkdir(parents=True)
    sh("git", "init", "-q", "-b", "main", str(repo))
    sh("git", "-C", str(repo), "config", "user.name", "Bindings")
    sh("git", "-C", str(repo), "config", "user.email", "b@example.com")
    sh("git", "-C", str(repo), "config", "commit.gpgsign", "false")
    (repo / "rulestead.yaml").write_text("environments: [prod]\n")
    for k, extra in DEFINITIONS.items():
        (repo / f"{k}.yaml").write_text(FLAG.format(key=k, extra=extra))
    now = int(time.time())
    snaps = {}
    for gen in (1, 2):
        for k, text in targeting(gen).items():
            (repo / "environments" / "prod" / f"{k}.yaml").write_text(text)
        _compile(repo, t / "k.key", t / f"out{gen}", now - 600 + 60 * gen)
        snaps[gen] = t / f"out{gen}" / "prod.rsnap"
    w = World(pub=t / "k.pub", v1=snaps[1], v2=snaps[2],
              version1=_version(snaps[1], t / "k.pub"),
              version2=_version(snaps[2], t / "k.pub"))
    assert w.version2 > w.version1
    return w


@pytest.fixture
def served(tmp_path, world) -> Path:
    """A node's snapshot path, serving generation 1."""
    dst = tmp_path / "prod.rsnap"
    publish(world.v1, dst)
    return dst
