#!/usr/bin/python3
"""rsc init and the CI templates it writes, played for real.

    /usr/bin/python3 tests/ci_templates_test.py RSC_BINARY

Scaffolds a repository with `rsc init`, checks what it wrote (the files of
ci/templates/ and schema/ byte for byte, editor schema lines that resolve,
validate and lint clean, refusals), then plays a pull request with the `git`
command line: an origin, the scaffold committed with a signing key, a branch
that ramps prod's split.  Against it, it runs the CI templates themselves:
each `run:` step of .github/workflows/rulestead.yml (but the one installing
rsc), each job's `script:` of .gitlab-ci.yml, and ci/rulestead.sh, with
`rsc` on PATH being RSC_BINARY.  Nothing is copied out of the templates: the
lines run are read from the files, and every line of them that calls rsc
must have run and exited 0.  A command the templates call that this rsc
lacks is a failure naming it.  Ends with "N passed, M failed".
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile

import yaml

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
TEMPLATES = os.path.join(TOP, "ci", "templates")
SCHEMAS = os.path.join(TOP, "schema")
GITHUB = ".github/workflows/rulestead.yml"
GITLAB = ".gitlab-ci.yml"
SCRIPT = "ci/rulestead.sh"
# What the templates must do (issue 10): on a pull request, on a merge, on
# a schedule.
REQUIRED_COMMANDS = ("validate", "lint", "test", "diff", "simulate",
                     "compile", "verify")
RSC_LINE = re.compile(r"(?:^|[\s;&|(])rsc ([a-z]+)")

passed = 0
failed = 0


def ok(what):
    global passed
    passed += 1
    print("ok   " + what)


def fail(what, detail=""):
    global failed
    failed += 1
    print("FAIL " + what)
    for line in detail.rstrip().splitlines():
        print("     " + line)


def check(cond, what, detail=""):
    if cond:
        ok(what)
    else:
        fail(what, detail)
    return cond


def run(argv, cwd, env=None, input_text=None):
    p = subprocess.run(argv, cwd=cwd, env=env, input=input_text,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True)
    return p.returncode, p.stdout


def git(cwd, *args):
    rc, out = run(["git"] + list(args), cwd, ENV)
    if rc != 0:
        raise RuntimeError("git %s in %s: exit %d\n%s"
                           % (" ".join(args), cwd, rc, out))
    return out


def rsc_lines(text):
    """The lines of text that call rsc (comments aside), with the command."""
    out = []
    for line in text.splitlines():
        # A comment, whole-line or trailing, is not a command.
        code = "" if line.lstrip().startswith("#") else line.split(" #", 1)[0]
        m = RSC_LINE.search(code)
        if m:
            # The shell line itself, without YAML's "run: " or "- ".
            out.append((re.sub(r"^(?:- |run: )", "", line.strip()), m.group(1)))
    return out


def load_yaml(path):
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f)


# ---------------------------------------------------------------- the files

def check_yaml_files():
    gh = load_yaml(os.path.join(TEMPLATES, GITHUB))
    # YAML 1.1 reads the key `on` as true; GitHub reads it as "on".
    on = gh.get("on", gh.get(True))
    check(isinstance(on, dict) and {"pull_request", "push", "schedule"} <= set(on),
          GITHUB + ": runs on pull requests, pushes and a schedule", repr(on))
    jobs = gh.get("jobs", {})
    check(set(jobs) == {"review", "publish", "renew"},
          GITHUB + ": jobs review, publish, renew", repr(sorted(jobs)))
    for name, job in jobs.items():
        co = [s for s in job["steps"]
              if str(s.get("uses", "")).startswith("actions/checkout@")]
        check(len(co) == 1 and co[0].get("with", {}).get("fetch-depth") == 0,
              GITHUB + ": job %s checks out the whole history (fetch-depth: 0)" % name,
              repr(co))
    script = [s["with"]["script"] for s in jobs.get("review", {}).get("steps", [])
              if str(s.get("uses", "")).startswith("actions/github-script@")]
    check(len(script) == 1 and "<!-- rulestead-diff -->" in script[0]
          and "updateComment" in script[0] and "createComment" in script[0],
          GITHUB + ": the review is one comment found by its marker, updated in place")
    gl = load_yaml(os.path.join(TEMPLATES, GITLAB))
    check(str(gl.get("variables", {}).get("GIT_DEPTH")) == "0",
          GITLAB + ": GIT_DEPTH: 0 (the whole history)")
    check({"review", "publish", "renew"} <= set(gl),
          GITLAB + ": jobs review, publish, renew", repr(sorted(gl)))
    body = open(os.path.join(TEMPLATES, GITLAB), encoding="utf-8").read()
    check("<!-- rulestead-diff -->" in body and "-X PUT" in body,
          GITLAB + ": the review is one note found by its marker, updated in place")
    return gh, gl


def check_commands(rsc):
    """Every rsc command the templates call exists in this rsc."""
    used = {}
    for rel in (GITHUB, GITLAB, SCRIPT):
        text = open(os.path.join(TEMPLATES, rel), encoding="utf-8").read()
        for line, cmd in rsc_lines(text):
            used.setdefault(cmd, []).append(rel)
    missing_required = [c for c in REQUIRED_COMMANDS if c not in used]
    check(not missing_required, "the templates call rsc " + ", ".join(REQUIRED_COMMANDS),
          "never called: " + ", ".join(missing_required))
    for cmd in sorted(used):
        rc, out = run([rsc, cmd, "--help"], TOP)
        check(rc == 0, "rsc %s exists (called by %s)" % (cmd, ", ".join(sorted(set(used[cmd])))),
              "rsc %s --help: exit %d: this rsc has no '%s' command, which the "
              "templates call\n%s" % (cmd, rc, cmd, out))


def scaffold_files():
    """rel path in the scaffold -> the repository file it comes from."""
    files = {}
    for d, _, names in os.walk(TEMPLATES):
        for n in names:
            src = os.path.join(d, n)
            files[os.path.relpath(src, TEMPLATES)] = src
    for n in os.listdir(SCHEMAS):
        if n.endswith(".schema.json"):
            files[".rulestead/schema/" + n] = os.path.join(SCHEMAS, n)
    return files


def check_init(rsc, tmp):
    d = os.path.join(tmp, "scaffold")
    rc, out = run([rsc, "init", d], tmp)
    if not check(rc == 0, "rsc init DIR: exit 0", out):
        return None
    want = scaffold_files()
    got = set()
    for root, dirs, names in os.walk(d):
        for n in names:
            got.add(os.path.relpath(os.path.join(root, n), d))
    check(got == set(want), "rsc init writes ci/templates/ and the schemas, nothing else",
          "missing: %s\nextra: %s" % (sorted(set(want) - got), sorted(got - set(want))))
    differ = [rel for rel in sorted(got & set(want))
              if open(os.path.join(d, rel), "rb").read() != open(want[rel], "rb").read()]
    check(not differ, "each written file has the bytes kept in this repository",
          "differ: " + ", ".join(differ))
    check(os.access(os.path.join(d, SCRIPT), os.X_OK), SCRIPT + " is executable")
    for rel in ("CODEOWNERS",):
        text = open(os.path.join(d, rel), encoding="utf-8").read()
        owners = {l.split()[0] for l in text.splitlines()
                  if l.strip() and not l.startswith("#")}
        check({"/environments/prod/", "/CODEOWNERS"} <= owners,
              "CODEOWNERS protects environments/prod/ and itself", text)
    rc, out = run(["git", "check-ignore", "-q", "--no-index", "keys/ci.key"], d)
    if rc == 128:  # not a repository yet: ask one
        run(["git", "init", "-q", "-b", "main"], d, ENV)
        rc, out = run(["git", "check-ignore", "-q", "--no-index", "keys/ci.key"], d)
        shutil.rmtree(os.path.join(d, ".git"))
    check(rc == 0, ".gitignore keeps keys/ci.key out of git", out)
    # Every YAML file names its schema on its first line, and it is there.
    bad = []
    for rel in sorted(got):
        if not rel.endswith((".yaml", ".yml")) or rel in (GITHUB, GITLAB):
            continue
        first = open(os.path.join(d, rel), encoding="utf-8").readline()
        m = re.match(r"# yaml-language-server: \$schema=(\S+)$", first)
        target = m and os.path.normpath(os.path.join(os.path.dirname(os.path.join(d, rel)),
                                                     m.group(1)))
        if not m or not os.path.isfile(target) or \
                not target.startswith(os.path.join(d, ".rulestead", "schema") + os.sep):
            bad.append("%s: %s" % (rel, first.strip()))
    check(not bad, "every YAML file's first line names a schema written next to it",
          "\n".join(bad))
    for cmd in ("validate", "lint"):
        rc, out = run([rsc, cmd, "--worktree", "--root", d], tmp)
        check(rc == 0 and "valid" in out and "error" not in out and
              (cmd != "lint" or "0 warnings" in out),
              "the scaffold passes rsc %s (no warning)" % cmd, out)
    # Refusals: nothing is written or replaced.
    before = snapshot_tree(d)
    rc, out = run([rsc, "init", d], tmp)
    check(rc == 2 and "--force" in out and snapshot_tree(d) == before,
          "rsc init on a non-empty DIR: exit 2, says --force, writes nothing", out)
    with open(os.path.join(d, "rulestead.yaml"), "a", encoding="utf-8") as f:
        f.write("# mine\n")
    before = snapshot_tree(d)
    rc, out = run([rsc, "init", "--force", d], tmp)
    check(rc == 2 and "rulestead.yaml exists" in out and snapshot_tree(d) == before,
          "rsc init --force never replaces a file: exit 2, names it, writes nothing", out)
    blocked = os.path.join(tmp, "blocked")
    os.mkdir(blocked)
    open(os.path.join(blocked, "README.md"), "w").close()
    open(os.path.join(blocked, "tests"), "w").close()  # a file where a directory goes
    rc, out = run([rsc, "init", "--force", blocked], tmp)
    left = sorted(os.listdir(blocked))
    check(rc == 3 and "tests exists and is not a directory" in out and
          left == ["README.md", "tests"],
          "rsc init that cannot finish leaves DIR as it was (exit 3)", out + repr(left))
    return d


def check_schema_command(rsc):
    kinds = sorted(n[:-len(".schema.json")] for n in os.listdir(SCHEMAS)
                   if n.endswith(".schema.json"))
    rc, out = run([rsc, "schema"], TOP)
    check(rc == 0 and out.split() == kinds, "rsc schema lists " + " ".join(kinds), out)
    for k in kinds:
        p = subprocess.run([rsc, "schema", k], stdout=subprocess.PIPE)
        want = open(os.path.join(SCHEMAS, k + ".schema.json"), "rb").read()
        check(p.returncode == 0 and p.stdout == want,
              "rsc schema %s prints schema/%s.schema.json" % (k, k))
    rc, out = run([rsc, "schema", "targetting"], TOP)
    check(rc == 2 and "unknown kind 'targetting'; did you mean 'targeting'?" in out,
          "rsc schema with a misspelt kind: exit 2, did you mean", out)


def snapshot_tree(d):
    out = {}
    for root, _, names in os.walk(d):
        for n in names:
            p = os.path.join(root, n)
            out[os.path.relpath(p, d)] = open(p, "rb").read()
    return out


# ------------------------------------------------------------- the story

def make_story(rsc, tmp):
    """origin (bare) with main = the scaffold + a signing key, and a branch
    `ramp` raising prod's split from 10% to 25%.  Returns origin's path."""
    origin = os.path.join(tmp, "origin.git")
    work = os.path.join(tmp, "work")
    git(tmp, "init", "-q", "--bare", "-b", "main", origin)
    rc, out = run([rsc, "init", work], tmp)
    if rc != 0:
        raise RuntimeError("rsc init: " + out)
    git(work, "init", "-q", "-b", "main")
    rc, out = run([rsc, "keygen", "--out", "keys/ci"], work)
    if rc != 0:
        raise RuntimeError("rsc keygen: " + out)
    git(work, "add", "-A")
    git(work, "commit", "-q", "-m", "Rulestead flags, from rsc init")
    tracked = git(work, "ls-files")
    if "keys/ci.key" in tracked or "keys/ci.pub" not in tracked:
        raise RuntimeError("the private key was committed, or the public one not:\n" + tracked)
    git(work, "remote", "add", "origin", origin)
    git(work, "push", "-q", "origin", "main")
    git(work, "checkout", "-q", "-b", "ramp")
    path = os.path.join(work, "environments", "prod", "new-checkout.yaml")
    text = open(path, encoding="utf-8").read()
    ramped = text.replace("on: 10\n", "on: 25\n").replace("off: 90\n", "off: 75\n")
    if ramped == text:
        raise RuntimeError("the prod split is not 10/90 any more: update this test")
    open(path, "w", encoding="utf-8").write(ramped)
    git(work, "commit", "-q", "-am", "prod: new-checkout 10% -> 25%")
    git(work, "push", "-q", "origin", "ramp")
    return origin, work


def clone(origin, tmp, name, branch):
    d = os.path.join(tmp, name)
    git(tmp, "clone", "-q", "--branch", branch, origin, d)  # the whole history
    return d


def merge_ramp(work):
    git(work, "checkout", "-q", "main")
    git(work, "merge", "-q", "--no-ff", "-m", "Merge branch 'ramp'", "ramp")
    git(work, "push", "-q", "origin", "main")


# GitHub expressions the steps' env may use, as the runner would give them
# for this story.  An expression not listed fails the test.
def gh_expressions(key_pem):
    return {
        "github.base_ref": "main",
        "secrets.RSC_SIGNING_KEY": key_pem,
        "vars.RSC_PUBLISH_TO": ENV["RSC_PUBLISH_TO"],
    }


def run_block(name, script, cwd, env, ran):
    """Runs one step or job body with bash -e (GitHub's `run:` and GitLab's
    script both stop at the first failing command) and records its rsc
    lines as run."""
    rc, out = run(["bash", "-e", "-c", script], cwd, env)
    check(rc == 0, name, "exit %d\n%s" % (rc, out))
    if rc == 0:
        ran.update(line for line, _ in rsc_lines(script))
    return rc == 0, out


def github_job(gh, job, cwd, key_pem, ran):
    exprs = gh_expressions(key_pem)
    steps = gh["jobs"][job]["steps"]
    for step in steps:
        if "run" not in step or step.get("name") == "Install rsc":
            continue
        env = dict(ENV)
        unknown = []
        for k, v in (step.get("env") or {}).items():
            v = str(v)
            for expr in re.findall(r"\$\{\{\s*(.*?)\s*\}\}", v):
                if expr not in exprs:
                    unknown.append(expr)
                else:
                    v = v.replace("${{ %s }}" % expr, exprs[expr])
            env[k] = v
        if "${{" in step["run"]:
            unknown.append("an expression in run: (use env:)")
        name = "%s: %s: %s" % (GITHUB, job, step.get("name", step["run"].strip()))
        if unknown:
            fail(name, "expressions this test cannot give: " + ", ".join(unknown))
            return False
        good, _ = run_block(name, step["run"], cwd, env, ran)
        if not good:
            return False
    return True


def gitlab_job(gl, job, cwd, key_pem, ran):
    env = dict(ENV)
    env.update({
        "CI_PIPELINE_SOURCE": {"review": "merge_request_event",
                               "publish": "push", "renew": "schedule"}[job],
        "CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "main",
        "CI_DEFAULT_BRANCH": "main",
        "RSC_SIGNING_KEY": key_pem,
    })
    env.pop("RULESTEAD_BOT_TOKEN", None)
    for k, v in (gl.get("variables") or {}).items():
        env[k] = str(v)
    script = "\n".join(gl[job]["script"] + gl[job].get("after_script", []))
    good, _ = run_block("%s: %s: script" % (GITLAB, job), script, cwd, env, ran)
    return good


def check_published(work, what):
    """The publish step put each snapshot at RSC_PUBLISH_TO (file://DIR in
    this test), byte for byte, under <env>.rsnap and <env>-<version>.rsnap."""
    dest = ENV["RSC_PUBLISH_TO"][len("file://"):]
    for env in ("dev", "prod", "staging"):
        mine = open(os.path.join(work, "snapshots", env + ".rsnap"), "rb").read()
        there = os.path.join(dest, env + ".rsnap")
        same = os.path.exists(there) and open(there, "rb").read() == mine
        check(same, "%s: published %s.rsnap to RSC_PUBLISH_TO" % (what, env))
    names = os.listdir(dest)
    check(any(re.fullmatch(r"prod-[0-9]+\.rsnap", n) for n in names),
          "%s: the versioned prod-<version>.rsnap is published too" % what, repr(names))


def play(rsc, gh, gl, tmp):
    origin, work = make_story(rsc, tmp)
    key_pem = open(os.path.join(work, "keys", "ci.key"), encoding="utf-8").read()
    ran = set()

    # A pull request: the branch with the whole history and origin/main.
    pr = clone(origin, tmp, "gh-pr", "ramp")
    if github_job(gh, "review", pr, key_pem, ran):
        review = open(os.path.join(pr, "rulestead-review.md"), encoding="utf-8").read()
        check("new-checkout" in review and "10% → 25%" in review,
              GITHUB + ": the review comment says prod's split goes 10% → 25%", review)
        check("tests/contexts.jsonl" in review and "Nobody leaves `on`" in review,
              GITHUB + ": the review comment simulates the sample contexts: nobody leaves on",
              review)
    gl_pr = clone(origin, tmp, "gl-pr", "ramp")
    if gitlab_job(gl, "review", gl_pr, key_pem, ran):
        review = open(os.path.join(gl_pr, "rulestead-review.md"), encoding="utf-8").read()
        check("new-checkout" in review, GITLAB + ": the review names the flag", review)

    # The merge, then the jobs on main.
    merge_ramp(work)
    for ci, job_runner, conf in (("gh", github_job, gh), ("gl", gitlab_job, gl)):
        main = clone(origin, tmp, ci + "-main", "main")
        for job in ("publish", "renew"):
            if job_runner(conf, job, main, key_pem, ran):
                snaps = sorted(os.listdir(os.path.join(main, "snapshots")))
                check(snaps == ["dev.rsnap", "prod.rsnap", "staging.rsnap"],
                      "%s: %s: one snapshot per environment" % (ci, job), repr(snaps))
                check_published(main, "%s: %s" % (ci, job))
        rc, out = run([rsc, "verify", "--pub", "keys/ci.pub", "--env", "prod",
                       "snapshots/prod.rsnap"], main)
        check(rc == 0, "%s: the renewed prod snapshot verifies as prod's" % ci, out)

    # The plain script on its own, as another CI would call it.
    sh = clone(origin, tmp, "sh-pr", "ramp")
    rc, out = run(["sh", SCRIPT], sh, ENV)
    check(rc == 2 and "usage" in out, SCRIPT + " without a step: usage, exit 2", out)
    steps_ok = run_block(SCRIPT + " review origin/main",
                         "sh %s review origin/main" % SCRIPT, sh, ENV, ran)[0]
    sh_main = clone(origin, tmp, "sh-main", "main")
    env = dict(ENV, RSC_SIGNING_KEY=key_pem)
    for step in ("publish", "renew"):
        steps_ok &= run_block(SCRIPT + " " + step, "sh %s %s" % (SCRIPT, step),
                              sh_main, env, ran)[0]
        check_published(sh_main, SCRIPT + " " + step)
    # Its rsc lines are the bodies of those three steps: they ran if the
    # steps did.
    if steps_ok:
        text = open(os.path.join(TEMPLATES, SCRIPT), encoding="utf-8").read()
        ran.update(line for line, _ in rsc_lines(text))
    env_nokey = dict(ENV)
    env_nokey.pop("RSC_SIGNING_KEY", None)
    rc, out = run(["sh", SCRIPT, "publish"], sh_main, env_nokey)
    check(rc != 0 and "RSC_SIGNING_KEY" in out,
          SCRIPT + " publish without the secret fails and says RSC_SIGNING_KEY", out)

    # Every line of the templates that calls rsc has run, and succeeded.
    notrun = []
    for rel in (GITHUB, GITLAB, SCRIPT):
        text = open(os.path.join(TEMPLATES, rel), encoding="utf-8").read()
        notrun += ["%s: %s" % (rel, line) for line, _ in rsc_lines(text) if line not in ran]
    check(not notrun, "every rsc line of the templates ran and exited 0",
          "\n".join(notrun))


def main():
    global ENV
    if len(sys.argv) != 2:
        print("usage: tests/ci_templates_test.py RSC_BINARY", file=sys.stderr)
        return 2
    rsc = os.path.abspath(sys.argv[1])
    if not os.access(rsc, os.X_OK):
        print("tests/ci_templates_test.py: %s: not an executable" % rsc, file=sys.stderr)
        return 2
    tmp = tempfile.mkdtemp(prefix="rsl-ci-templates.")
    try:
        bindir = os.path.join(tmp, "bin")
        os.mkdir(bindir)
        os.symlink(rsc, os.path.join(bindir, "rsc"))
        ENV = {k: v for k, v in os.environ.items()
               if not k.startswith(("GIT_", "RSC_", "MAKE"))}
        ENV.update({
            "PATH": bindir + os.pathsep + os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": tmp,                    # no user's git configuration
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_AUTHOR_NAME": "Ana Lead", "GIT_AUTHOR_EMAIL": "ana@example.com",
            "GIT_COMMITTER_NAME": "Ana Lead", "GIT_COMMITTER_EMAIL": "ana@example.com",
            # The CI variable of the publish step: a directory here.
            "RSC_PUBLISH_TO": "file://" + os.path.join(tmp, "published"),
        })
        os.mkdir(os.path.join(tmp, "published"))
        gh, gl = check_yaml_files()
        check_commands(rsc)
        check_schema_command(rsc)
        check_init(rsc, tmp)
        try:
            play(rsc, gh, gl, tmp)
        except RuntimeError as e:
            fail("the story in git", str(e))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


ENV = {}

if __name__ == "__main__":
    sys.exit(main())
