"""The fast build-manifest (issue 17: one cat-file, one pass) answers what the plain one did.

Its bytes are pinned: every manifest below was built by the pre-issue-17 builder (seven
git processes, two streaming passes) and committed as `golden/manifests.json`. The
one-`cat-file` builder must reproduce each byte for byte: the manifest is the release's
identity (its digest is checked at every later step), so a faster builder that changes
one file entry, one skipped path or one key order is a different release.
`UPDATE_GOLDEN=1` rewrites the file (only when a change is intended).

The shortcuts taken for speed (the path policy's screens, the per-directory owner walk)
are checked against their plain definitions on generated input.
"""

from __future__ import annotations

import hashlib
import json
import os
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import git, make_repo, write_files
from skillsync import manifest as mf
from skillsync import paths
from skillsync.errors import SourceError
from skillsync.examples import build_example_source, generate_source
from skillsync.fsutil import dumps
from test_manifest import LIMIT, adapter_md, skill_md
from test_noop_cost import shimmed, subcommands

GOLDEN = Path(__file__).parent / "golden" / "manifests.json"


def _pinned(m: dict[str, Any], root: Path) -> dict[str, Any]:
    """The manifest with its temporary paths (source.repo, source.checkout) named <tmp>."""
    text = dumps(m).replace(str(root), "<tmp>")
    out: dict[str, Any] = json.loads(text)
    return out


def _features(root: Path) -> Path:
    """test_manifest's source: nesting, hidden and vendored skills, adapters under many
    names, a symlink, a submodule, an over-size file."""
    from test_manifest import features_source

    return features_source(root / "features")


def _configured(root: Path) -> Path:
    """Globs that widen (a vendored skill, a .toml adapter) and `!` globs that narrow."""
    repo = make_repo(root / "configured", {
        "skills/a/SKILL.md": skill_md("a", 'metadata:\n  version: "3.0.0"\n'),
        "skills/a/x.txt": "x\n",
        "skills/.curated/b/SKILL.md": skill_md("b"),
        "skills/drop/SKILL.md": skill_md("drop"),
        "vendor/c/SKILL.md": skill_md("c"),
        "vendor/c/lib/SKILL.md": skill_md("c-lib"),
        "adapters/x/a.md": adapter_md("a", "3.0.0"),
        "extra/a.toml": adapter_md("a", "3.0.0"),
        "extra/notes.md": "---\ntitle: not an adapter\n---\n",
        ".skillsync.yaml": "skills: ['**/SKILL.md', '!skills/drop']\n"
                           "adapters: ['extra/*.toml', 'adapters/**']\n",
    })
    git("tag", "v3.0.0", cwd=repo)
    return repo


def _root_skill(root: Path) -> Path:
    repo = make_repo(root / "solo-skill", {
        "SKILL.md": skill_md("solo-skill", "version: 2.0.0\n"),
        "scripts/run.sh": "#!/bin/sh\necho hi\n",
        "references/guide.md": "guide\n",
        "GEMINI.md": adapter_md("solo-skill", "2.0.0"),
        "adapters/codex/AGENTS.md": adapter_md("solo-skill", "2.0.0"),
        "noxfile.py": "import nox\n",
        "docs/no-front-matter.md": "# plain\n",
        "docs/broken.md": "---\nname: [unclosed\n---\n",
    })
    git("tag", "v2.0.0", cwd=repo)
    return repo


def _non_utf8(root: Path) -> Path:
    repo = make_repo(root / "latin1", {"s/SKILL.md": skill_md("s")})
    with open(os.path.join(os.fsencode(repo / "s"), b"caf\xe9.txt"), "wb") as fh:
        fh.write(b"latin-1 name\n")
    write_files(repo, {"s/same.txt": "same\n", "s/copy/same.txt": "same\n"})  # one blob, 2 paths
    git("add", "-A", cwd=repo)
    git("commit", "-q", "-m", "latin-1", cwd=repo)
    return repo


def _all_manifests(root: Path) -> dict[str, Any]:
    out: dict[str, Any] = {}
    features = _features(root)
    out["features"] = mf.build_manifest(str(features), "v1.1.0", max_file_bytes=LIMIT)
    out["features@refs/tags"] = mf.build_manifest(str(features / ".git"), "refs/tags/v1.1.0")
    out["configured"] = mf.build_manifest(str(_configured(root)), "v3.0.0")
    out["root-skill"] = mf.build_manifest(str(_root_skill(root)), "v2.0.0")
    latin1 = _non_utf8(root)
    out["non-utf8"] = mf.build_manifest(str(latin1), "HEAD")
    commit = git("rev-parse", "HEAD", cwd=latin1)
    out["by-commit-id"] = mf.build_manifest(str(latin1), commit[:10])
    git("branch", "v9.0.0", cwd=latin1)  # named like a release, but not a tag
    out["branch-like-a-tag"] = mf.build_manifest(str(latin1), "v9.0.0")
    examples = root / "examples"
    build_example_source(examples)
    for tag in ("v1.0.0", "v1.1.0", "v2.0.0"):
        out[f"examples@{tag}"] = mf.build_manifest(str(examples), tag)
    generated = root / "generated.git"
    tags = generate_source(generated, skills=12, files_per_skill=5, binary_bytes=300,
                           releases=2, bare=True)
    for tag in sorted(tags):
        out[f"generated@{tag}"] = mf.build_manifest(str(generated), tag)
    return {name: _pinned(m, root) for name, m in out.items()}


def test_manifests_are_byte_identical_to_the_golden_ones(tmp_path: Path) -> None:
    text = dumps(_all_manifests(tmp_path))
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.write_text(text)
    assert text == GOLDEN.read_text(), "a manifest changed; regenerate only if intended"


def test_a_build_runs_five_git_processes_and_one_cat_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A release's ref, config and every blob come through one `cat-file --batch`; the
    work-tree source (a CI checkout) costs no `--show-toplevel` and no `rev-parse` of
    the ref. Before issue 17: eight processes (four of them rev-parse)."""
    repo = make_repo(tmp_path / "checkout", {
        ".skillsync.yaml": "skills: ['**/SKILL.md']\n",
        "skills/a/SKILL.md": skill_md("a"), "skills/a/scripts/run.sh": "echo a\n",
        "skills/b/SKILL.md": skill_md("b"), "skills/b/assets/x.bin": "\0" * 300,
    })
    git("tag", "v1.0.0", cwd=repo)
    env, log = shimmed(tmp_path)
    monkeypatch.setenv("PATH", env["PATH"])
    m = mf.build_manifest(str(repo), "v1.0.0")
    assert [s["name"] for s in m["skills"]] == ["a", "b"]
    assert sorted(subcommands(log)) == ["cat-file", "config", "ls-tree", "rev-parse", "show-ref"]


@pytest.mark.parametrize("case", ["features", "examples@v2.0.0"])
def test_golden_holds_what_it_claims(case: str) -> None:
    """The pinned manifests are not trivially empty: skills, files, adapters, skips."""
    m = json.loads(GOLDEN.read_text())[case]
    assert m["skills"] and all(s["files"] for s in m["skills"])
    assert m["adapters"]
    assert mf.compute_digest(m) == m["digest"]
    if case == "features":
        assert {s["reason"] for s in m["skipped"]} == {"symlink", "submodule", "too-large"}


# --------------------------------------------------------------------------- the stream


def test_blob_stream_writes_ahead_of_a_full_pipe_and_can_be_abandoned(tmp_path: Path) -> None:
    """3,000 requests (~120 KB, more than a pipe holds) go out while the answers come
    back, each the right blob; the stream serves a second batch; a batch left half-read
    stops git, and closing then neither hangs nor reads on."""
    files = {f"f{i:02d}.txt": f"line {i}\n" * (i * 37) for i in range(50)}
    repo = make_repo(tmp_path / "r", files)
    src = mf.open_source(str(repo))
    with src.reader() as reader:
        commit, _ = src.resolve("HEAD", reader)
        oids = {e.path: e.blob for e in src.ls_tree(commit)}
        want = {oids[p]: text.encode() for p, text in files.items()}
        requests = [(oid, i % 7) for i in range(60) for oid in sorted(want)]
        got = list(reader.stream_each(requests))
        assert len(got) == len(requests) == 3000
        for (oid, keep), (answered, size, sha, head) in zip(requests, got, strict=True):
            body = want[oid]
            assert (answered, size, sha, head) == (oid, len(body),
                                                   hashlib.sha256(body).hexdigest(), body[:keep])
        assert reader.object("HEAD^{commit}") is not None and reader.object("nope") is None
        assert reader.read(oids["f03.txt"]) == want[oids["f03.txt"]]
        half = reader.stream_each(requests)
        for _ in range(10):
            next(half)
        half.close()  # abandoned: git is stopped rather than left writing into a full pipe
        with pytest.raises(SourceError):
            reader.read(oids["f03.txt"])
    with src.reader() as reader, pytest.raises(SourceError, match="invalid object name"):
        reader.object("HEAD\nrefs/heads/main")  # one request per line: no newline in it


# --------------------------------------------------------------------------- shortcuts


def plain_problem(path: str) -> str | None:
    """paths.problem as the policy states it, one character and component at a time."""
    if path == "":
        return "path is empty"
    if any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in path):
        return "path contains a control character"
    if "\\" in path:
        return "path contains a backslash"
    if path.startswith("/"):
        return "path is absolute"
    if unicodedata.normalize("NFC", path) != path:
        return "path is not NFC-normalised"
    if len(path.encode("utf-8", "surrogateescape")) > paths.MAX_PATH_BYTES:
        return f"path is longer than {paths.MAX_PATH_BYTES} bytes"
    for part in path.split("/"):
        if part in ("", ".", ".."):
            label = {"": "an empty", ".": "a '.'", "..": "a '..'"}[part]
            return f"path has {label} component"
        if part.lower().rstrip(". ") in (".git", "git~1"):
            return "path names .git"
        if len(part.encode("utf-8", "surrogateescape")) > paths.MAX_COMPONENT_BYTES:
            return f"path has a component longer than {paths.MAX_COMPONENT_BYTES} bytes"
    return None


def plain_fold(path: str) -> str:
    return unicodedata.normalize("NFC", unicodedata.normalize("NFD", path).casefold())


def plain_collisions(items: list[str]) -> list[tuple[str, str]]:
    seen: dict[str, str] = {}
    out: list[tuple[str, str]] = []
    for p in sorted(set(items)):
        parts = p.split("/")
        for i in range(1, len(parts) + 1):
            prefix = "/".join(parts[:i])
            other = seen.setdefault(plain_fold(prefix), prefix)
            if other != prefix:
                out.append((other, prefix))
                break
    return sorted(set(out))


def plain_owner(path: str, skill_dirs: set[str]) -> str | None:
    d = path.rpartition("/")[0]
    while True:
        if d in skill_dirs:
            return None if not d and not mf._root_skill_file(path) else d
        if not d:
            return None
        d = d.rpartition("/")[0]


# Components that exercise each screen: .git spellings, Greek sigma and dotted I (whose
# lower case depends on context or grows), long names in 1- to 4-byte characters, NFD.
PARTS = ["a", "A", "skills", ".git", ".GIT", ".gIt. ", "git~1", "GIT~1", "x.git", ".gitx",
         "\u03a3\u03a3", "\u0130.GIT", "e\u0301", "\u00e9", "\u00c9", "", ".", "..",
         "a\tb", "\x85", "back\\slash", "k" * 255, "k" * 256, "\u00e9" * 128,
         "\U0001f600" * 64, "\U0001f600" * 63, "SKILL.md", "scripts", "LICENSE", "ss", "SS",
         "\u00df", "Stra\u00dfe", "cafe\u0301"]
part = st.one_of(st.sampled_from(PARTS),
                 st.text(st.characters(blacklist_characters="/", blacklist_categories=("Cs",)),
                         max_size=6))
a_path = st.lists(part, min_size=1, max_size=5).map("/".join)


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(a_path)
def test_problem_screens_change_no_answer(path: str) -> None:
    assert paths.problem(path) == plain_problem(path)


# A path and the spellings a case- or normalisation-insensitive filesystem confuses with it.
SPELLINGS = [str.upper, str.lower, lambda p: unicodedata.normalize("NFD", p),
             lambda p: p.replace("ss", "\u00df"), lambda p: p.replace("e\u0301", "\u00c9")]


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(st.lists(st.tuples(a_path, st.sampled_from(range(len(SPELLINGS))), st.booleans()),
                max_size=8))
def test_collisions_fold_shortcut_changes_no_answer(
        picks: list[tuple[str, int, bool]]) -> None:
    items = [p for p, _, _ in picks]
    items += [SPELLINGS[i](p) + ("/x" if deeper else "") for p, i, deeper in picks]
    assert paths.collisions(items) == plain_collisions(items)
    for p in items:
        assert paths.fold(p) == plain_fold(p)


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(st.lists(st.lists(st.sampled_from(["a", "b", "scripts", "SKILL.md", "x.txt"]),
                         min_size=1, max_size=4).map("/".join), max_size=15),
       st.sets(st.lists(st.sampled_from(["a", "b", "scripts"]), max_size=3).map("/".join),
               max_size=4))
def test_owner_per_directory_is_the_nearest_skill(files: list[str], dirs: set[str]) -> None:
    assert mf._owners(files, dirs) == {p: plain_owner(p, dirs) for p in files}
