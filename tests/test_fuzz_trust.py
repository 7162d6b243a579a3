"""Property-based tests of the trust boundary (issue 12), on real repositories.

A hostile contributor controls every byte of a tree: file and directory names are
written with `git mktree -z`, so they hold what no work tree would (newlines, tabs,
C1 controls, backslashes, `.git` in any case, NFD forms, 300-byte names). Each
generated release goes build-manifest -> gate -> plan -> commit -> push into a real
bare downstream. The properties: nothing outside `dest` ever changes, nothing
crashes (an exception that is not a SkillsyncError is what exit 70 means), and each
release is either synced exactly or refused with a reason.

`nox -s tests` runs a bounded, derandomized number of examples; `nox -s fuzz` sets
HYPOTHESIS_PROFILE=fuzz for a long run.
"""

from __future__ import annotations

import contextlib
import json
import os
import posixpath
import subprocess
import unicodedata
from itertools import count
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from conftest import git, make_bare_remote
from engine_fixtures import target_yaml
from skillsync import manifest as mf
from skillsync import paths
from skillsync.errors import SkillsyncError
from skillsync.gate import check_manifest
from skillsync.plan import desired_files
from skillsync.runlog import RunDir
from skillsync.sync import Options, run_sync
from skillsync.targets import load_targets

settings.register_profile(
    "ci", max_examples=int(os.environ.get("SKILLSYNC_FUZZ_EXAMPLES", "20")), deadline=None,
    derandomize=True, database=None, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                           HealthCheck.data_too_large, HealthCheck.filter_too_much])
settings.register_profile(
    "fuzz", max_examples=int(os.environ.get("SKILLSYNC_FUZZ_EXAMPLES", "500")), deadline=None,
    database=None, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                           HealthCheck.data_too_large, HealthCheck.filter_too_much])
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")

DEST = ".agents/skills"

# The names an attacker reaches for, beside arbitrary text.
NASTY = [".", "..", ".git", ".GIT", ".Git", ".git.", ".git ", "git~1", "GIT~1", "CON", "nul.txt",
         "e\u0301", "\u00e9", "E\u0301", "x\ny", "a\tb", "c\rd", "\x1b[31m", "\x7f", "\x85",
         "\u200b", "\u202e", "back\\slash", "-rf", "~", "a" * 300, "\U0001f600", "SKILL.md",
         "README.md", "x\n100644 " + "e" * 40 + "\t.github", ".github", "workflows"]

# Mostly names a release really has (so that many examples reach the commit and the
# push), often names that are odd but legal, sometimes the nasty ones.
component = st.one_of(
    st.from_regex(r"[a-z][a-z0-9_-]{0,8}(\.(md|py|sh|txt))?", fullmatch=True),
    st.from_regex(r"[a-z][a-z0-9_-]{0,8}(\.(md|py|sh|txt))?", fullmatch=True),
    st.sampled_from(["sp ace", "#1", "[x]", "caf\u00e9", "\U0001f600", "a.b.c", "-dash", "~x"]),
    st.sampled_from(NASTY),
    st.text(st.characters(blacklist_characters="/\x00", blacklist_categories=("Cs",)),
            min_size=1, max_size=12),
)
rel_path = st.lists(component, min_size=1, max_size=4).map("/".join)
skill_name = st.one_of(st.just("alpha"), st.just("beta"),
                       st.sampled_from(["Alpha", "caf\u00e9", "cafe\u0301",
                                        "../../.github/workflows", "a/b", ".git", "x\ny", ""]),
                       component)

_seq = count()


# -- a tree exactly as the attacker writes it ---------------------------------------------------
def _mktree(repo: Path, entries: dict[bytes, tuple[str, str, str]]) -> str:
    data = b"".join(f"{mode} {kind} {sha}\t".encode() + name + b"\0"
                    for name, (mode, kind, sha) in sorted(entries.items()))
    return subprocess.run(["git", "-C", str(repo), "mktree", "-z", "--missing"], input=data,
                          capture_output=True, check=True).stdout.decode().strip()


def _blob(repo: Path, data: bytes) -> str:
    return subprocess.run(["git", "-C", str(repo), "hash-object", "-w", "--stdin"], input=data,
                          capture_output=True, check=True).stdout.decode().strip()


def hostile_release(root: Path, files: dict[str, bytes]) -> Path | None:
    """A repository whose v1.0.0 tree holds exactly `files` (names taken verbatim,
    split on '/'); None when git itself cannot represent the tree (a name that is
    both a file and a directory, an empty or too-long component)."""
    repo = root / f"src-{next(_seq)}"
    git("init", "-q", "-b", "main", str(repo))
    tree: dict[str, Any] = {}
    for path, data in files.items():
        parts = path.split("/")
        if any(p in ("", ".", "..") or len(p.encode()) > 255 for p in parts):
            return None
        node = tree
        for p in parts[:-1]:
            node = node.setdefault(p, {})
            if not isinstance(node, dict):
                return None
        if parts[-1] in node:
            return None
        node[parts[-1]] = data

    def write(node: dict[str, Any]) -> str:
        entries = {}
        for name, value in node.items():
            if isinstance(value, dict):
                entries[name.encode()] = ("040000", "tree", write(value))
            else:
                entries[name.encode()] = ("100644", "blob", _blob(repo, value))
        return _mktree(repo, entries)

    try:
        top = write(tree)
    except subprocess.CalledProcessError:
        return None
    commit = git("commit-tree", top, "-m", "release v1.0.0", cwd=repo)
    git("update-ref", "refs/heads/main", commit, cwd=repo)
    git("tag", "v1.0.0", commit, cwd=repo)
    return repo


def downstream(root: Path) -> tuple[Path, Path]:
    n = next(_seq)
    bare = make_bare_remote(root, f"down-{n}", {"README.md": "mine\n",
                                                 ".github/workflows/ci.yml": "on: push\n"})
    tdir = root / f"targets-{n}"
    tdir.mkdir()
    (tdir / "down.yaml").write_text(target_yaml("down", bare, dest=DEST))
    return bare, tdir


def entries(bare: Path) -> dict[str, tuple[str, str]]:
    raw = subprocess.run(["git", "--git-dir", str(bare), "ls-tree", "-r", "-z", "main"],
                         capture_output=True, check=True).stdout
    out = {}
    for rec in raw.split(b"\0"):
        if rec:
            meta, _, name = rec.partition(b"\t")
            mode, _, sha = meta.decode().split()
            out[name.decode("utf-8", "surrogateescape")] = (mode, sha)
    return out


def assert_contained(before: dict[str, tuple[str, str]], after: dict[str, tuple[str, str]]
                     ) -> None:
    changed = {p for p in set(before) | set(after) if before.get(p) != after.get(p)}
    outside = sorted(p for p in changed if not paths.inside(p, DEST))
    assert not outside, f"changed outside {DEST}: {outside}"


def skill_md(name: str) -> bytes:
    return (f"---\nname: {json.dumps(name)}\ndescription: fuzzed\n---\n\n# body\n").encode()


# -- properties ----------------------------------------------------------------------------------
@settings(settings.get_profile(PROFILE))
@given(st.text(st.characters(blacklist_categories=("Cs",)), max_size=40) | rel_path)
def test_a_path_the_policy_accepts_stays_inside_any_dest(path: str) -> None:
    problem = paths.problem(path)
    shown = paths.show(path)
    assert all(ch.isprintable() and ch != "\x7f" for ch in shown), shown
    if problem is not None:
        return
    assert unicodedata.normalize("NFC", path) == path
    assert not any(ord(c) < 32 or 0x7F <= ord(c) <= 0x9F or c == "\\" for c in path)
    parts = path.split("/")
    assert all(p not in ("", ".", "..") for p in parts)
    assert all(p.lower().rstrip(". ") not in (".git", "git~1") for p in parts)
    assert posixpath.normpath(f"{DEST}/{path}").startswith(DEST + "/")


@settings(settings.get_profile(PROFILE))
@given(st.lists(rel_path, min_size=1, max_size=6))
def test_every_case_or_normalisation_twin_is_reported(names: list[str]) -> None:
    clean = [n for n in names if paths.problem(n) is None]
    pairs = {frozenset(p) for p in paths.collisions(clean)}
    for a in clean:
        for b in clean:
            if a != b and paths.fold(a) == paths.fold(b):
                assert pairs, (a, b)


@settings(settings.get_profile(PROFILE))
@given(name=skill_name, files=st.dictionaries(rel_path, st.binary(max_size=64), max_size=4))
def test_hostile_release_is_synced_exactly_or_refused(
        tmp_path_factory: pytest.TempPathFactory, name: str, files: dict[str, bytes]) -> None:
    root = tmp_path_factory.mktemp("fuzz-release")
    folder = name if paths.name_problem(name) is None else "skill"
    release = {f"skills/{folder}/SKILL.md": skill_md(name),
               **{f"skills/{folder}/{p}": data for p, data in files.items()}}
    src = hostile_release(root, release)
    if src is None:
        event("git cannot represent the tree")
        return
    bare, tdir = downstream(root)
    before = entries(bare)
    try:
        manifest = mf.build_manifest(str(src), "v1.0.0")
        run = RunDir(root / "run").create()
        results = run_sync(manifest, load_targets(tdir), run,
                           Options(source=str(src), jobs=1))
    except SkillsyncError as exc:             # refused, with a one-line reason
        event(f"refused: {type(exc).__name__}")
        assert str(exc) and "\n" not in str(exc)
        assert entries(bare) == before
        return
    after = entries(bare)
    assert_contained(before, after)
    res = results["down"]
    event(f"result: {res.status}")
    if res.status != "synced":
        assert res.status in ("failed", "halted", "skipped") and res.message
        assert "\n" not in res.message
        assert after == before
        return
    landed = {f"{DEST}/{s['name']}/{f['path']}": ("100644", f["blob"])
              for s in manifest["skills"] for f in s["files"]}
    assert {p: e for p, e in after.items() if p in landed} == landed   # exactly the release


MUTABLE = ("version", "source.ref", "skills.0.name", "skills.0.path", "skills.0.files.0.path",
           "skills.0.files.0.mode", "skills.0.files.0.blob", "skills.0.files.0.sha256",
           "skills.0.files.0.size", "skills.0.version", "digest")
value = st.one_of(st.sampled_from(NASTY), st.text(max_size=20), st.integers(-5, 10**12),
                  st.none(), st.booleans(), st.lists(st.text(max_size=3), max_size=2),
                  st.sampled_from(["120000", "160000", "100755", "0" * 40, "e" * 64]))


@pytest.fixture(scope="module")
def good_release(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("fuzz-good")
    src = hostile_release(root, {"skills/alpha/SKILL.md": skill_md("alpha"),
                                 "skills/alpha/run.sh": b"echo hi\n"})
    assert src is not None
    return {"root": root, "src": src, "manifest": mf.build_manifest(str(src), "v1.0.0")}


@settings(settings.get_profile(PROFILE))
@given(edits=st.lists(st.tuples(st.sampled_from(MUTABLE), value), min_size=1, max_size=3),
       redigest=st.booleans())
def test_tampered_manifest_is_refused_or_synced_within_dest(
        good_release: dict[str, Any], edits: list[tuple[str, Any]], redigest: bool) -> None:
    m = json.loads(json.dumps(good_release["manifest"]))
    for dotted, new in edits:
        node: Any = m
        keys = dotted.split(".")
        for k in keys[:-1]:
            node = node[int(k)] if isinstance(node, list) else node[k]
        node[keys[-1]] = new
    if redigest:
        # not JSON-able as the digest needs: the schema refuses it below
        with contextlib.suppress(TypeError, ValueError, KeyError):
            m["digest"] = mf.compute_digest(m)
    bare, tdir = downstream(good_release["root"])
    before = entries(bare)
    try:
        check_manifest(m, "manifest.json")
        desired_files(m, load_targets(tdir)[0])
        run = RunDir(good_release["root"] / f"run-{next(_seq)}").create()
        results = run_sync(m, load_targets(tdir), run,
                           Options(source=str(good_release["src"]), jobs=1))
    except SkillsyncError as exc:
        event(f"refused: {type(exc).__name__}")
        assert "\n" not in str(exc)
        assert entries(bare) == before
        return
    after = entries(bare)
    assert_contained(before, after)
    event(f"result: {results['down'].status}")
    if results["down"].status == "synced":
        # Only an untampered release gets through: the same files as the real one.
        real = good_release["manifest"]
        assert [f["blob"] for s in m["skills"] for f in s["files"]] == \
            [f["blob"] for s in real["skills"] for f in s["files"]]
