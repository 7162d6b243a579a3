"""build-manifest's bytes are pinned: every manifest below was built by the pre-issue-17
builder (several git processes, two streaming passes) and committed as
`golden/manifests.json`. The one-`cat-file` builder must reproduce each byte for byte:
the manifest is the release's identity (its digest is checked at every later step), so a
faster builder that changes one file entry, one skipped path or one key order is a
different release. `UPDATE_GOLDEN=1` rewrites the file (only when a change is intended).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from conftest import git, make_repo, write_files
from skillsync import manifest as mf
from skillsync.examples import build_example_source, generate_source
from skillsync.fsutil import dumps
from test_manifest import LIMIT, SOURCE_FILES, adapter_md, skill_md

GOLDEN = Path(__file__).parent / "golden" / "manifests.json"


def _pinned(m: dict[str, Any], root: Path) -> dict[str, Any]:
    """The manifest with its temporary paths (source.repo, source.checkout) named <tmp>."""
    text = dumps(m).replace(str(root), "<tmp>")
    out: dict[str, Any] = json.loads(text)
    return out


def _features(root: Path) -> Path:
    """test_manifest's source: nesting, hidden and vendored skills, adapters under many
    names, a symlink, a submodule, an over-size file."""
    repo = make_repo(root / "features", SOURCE_FILES)
    (repo / "skills/pdf-tools/link").symlink_to("../../README.md")
    (repo / "skills/pdf-tools/scripts/extract.py").chmod(0o755)
    git("add", "-A", cwd=repo)
    sub = git("rev-parse", "HEAD", cwd=repo)
    git("update-index", "--add", "--cacheinfo", f"160000,{sub},skills/pdf-tools/vendored-sub",
        cwd=repo)
    git("commit", "-q", "-m", "links", cwd=repo)
    git("tag", "v1.1.0", cwd=repo)
    return repo


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


@pytest.mark.parametrize("case", ["features", "examples@v2.0.0"])
def test_golden_holds_what_it_claims(case: str) -> None:
    """The pinned manifests are not trivially empty: skills, files, adapters, skips."""
    m = json.loads(GOLDEN.read_text())[case]
    assert m["skills"] and all(s["files"] for s in m["skills"])
    assert m["adapters"]
    assert mf.compute_digest(m) == m["digest"]
    if case == "features":
        assert {s["reason"] for s in m["skipped"]} == {"symlink", "submodule", "too-large"}
