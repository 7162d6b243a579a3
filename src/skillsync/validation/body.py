"""SKILL.md body checks (issue 18): file references the release does not ship,
references more than one level deep, and the spec's length guidance.

The spec (agentskills.io/specification, "File references") says to reference files by
relative paths from the skill root, one level deep from SKILL.md, and to keep SKILL.md
under 500 lines and about 5,000 tokens. A reference is a Markdown link or image, a
reference-style link definition, or a path under the spec's own directories
(`scripts/`, `references/`, `assets/`) written in text or code. Inside a fenced code
block only such paths count: a link there is not a link, but `python3 scripts/x.py`
in a code block is still a file the agent is told to run.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from urllib.parse import unquote

from skillsync.findings import Finding
from skillsync.paths import show
from skillsync.validation.profiles import BODY_MAX_LINES, BODY_MAX_TOKENS, SkillDoc

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
# [text](target "title") and ![alt](target); the target may be <bracketed>.
_LINK = re.compile(r"!?\[(?:[^\]\\]|\\.)*\]\(\s*(<[^>\n]*>|[^)\s]+)(?:\s+[\"'(][^)]*)?\)")
_DEFINITION = re.compile(r"^ {0,3}\[[^\]]+\]:\s*(<[^>\n]*>|\S+)")
_DIR_PATH = re.compile(r"(?<![\w./-])(?:\./)?((?:scripts|references|assets)/[\w./-]*[\w/-])")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
CHARS_PER_TOKEN = 4  # the usual estimate for English prose; no tokenizer needed


@dataclass(frozen=True)
class Ref:
    target: str   # as written
    line: int     # 1-based line in the file
    link: bool    # a Markdown link (True) or a bare path (False)


def references(text: str, first_line: int = 1) -> Iterator[Ref]:
    """Every file reference in Markdown `text` whose first line is `first_line`."""
    fence: str | None = None
    for i, line in enumerate(text.split("\n")):
        n = first_line + i
        m = _FENCE.match(line)
        if m:
            mark = m.group(1)
            if fence is None:
                fence = mark[0] * 3
            elif mark.startswith(fence):
                fence = None
            continue
        if fence is None:
            for lm in _LINK.finditer(line):
                yield Ref(lm.group(1).strip("<>"), n, True)
            dm = _DEFINITION.match(line)
            if dm:
                yield Ref(dm.group(1).strip("<>"), n, True)
            # bare paths outside links (a path inside inline code is still a path)
            rest = _LINK.sub(" ", line)
        else:
            rest = line
        for pm in _DIR_PATH.finditer(rest):
            yield Ref(pm.group(1), n, False)


def resolve(target: str, base_dir: str) -> str | None:
    """`target` as a path from the skill root, "" for the root itself, None when it is not
    a relative file reference (a URL, an anchor, an absolute path, a template)."""
    t = target.split("#", 1)[0].split("?", 1)[0]
    if (not t or _SCHEME.match(t) or t.startswith(("/", "~", "//"))
            or any(c in t for c in "{}$*<>|")):
        return None
    t = unquote(t)
    joined = posixpath.normpath(posixpath.join(base_dir, t))
    return "" if joined == "." else joined


def check_body(doc: SkillDoc, shipped: set[str], dropped: Mapping[str, str],
               texts: Mapping[str, str]) -> list[Finding]:
    """Findings for one SKILL.md body. `shipped`: the skill's file paths (from its root);
    `dropped`: its files the release left out, with the reason; `texts`: the decoded
    Markdown files of the skill, by path, for the reference-depth check."""
    out: list[Finding] = []
    dirs = {posixpath.dirname(p) for p in shipped} | {""}
    dirs |= {d for p in dirs for d in _parents(p)}
    direct: dict[str, int] = {}
    seen: set[tuple[str, int]] = set()
    for ref in references(doc.body, doc.fm.body_line):
        rel = resolve(ref.target, "")
        if rel is None or (rel, ref.line) in seen:
            continue
        seen.add((rel, ref.line))
        where = f"{doc.path}:{ref.line}"
        if rel == ".." or rel.startswith("../"):
            out.append(Finding(where, "skill-ref-outside", "warning",
                               f"'{show(ref.target)}' points outside the skill: downstream the "
                               "skill lands alone in a folder named after it, so the path "
                               "depends on what else the target holds"))
            continue
        if rel in shipped or rel in dirs:
            direct.setdefault(rel, ref.line)
            continue
        if rel in dropped:
            out.append(Finding(where, "skill-ref-dropped", "warning",
                               f"'{show(ref.target)}' is not shipped: the release dropped it "
                               f"({dropped[rel]}), so the link is broken downstream"))
        elif ref.link or rel.split("/", 1)[0] in dirs:
            # A bare `scripts/x.py` is the skill's own file only if the skill has a
            # `scripts/` at all; otherwise it is likely the user's project ("run
            # scripts/test.sh"), which is not ours to check.
            out.append(Finding(where, "skill-ref-missing", "warning",
                               f"'{show(ref.target)}' is not a file of this skill in the "
                               "release: the reference is broken downstream"))
    out += _depth(doc, direct, shipped, texts)
    out += _length(doc)
    return out


def _parents(path: str) -> Iterator[str]:
    while path:
        path = posixpath.dirname(path)
        yield path


def _depth(doc: SkillDoc, direct: Mapping[str, int], shipped: set[str],
           texts: Mapping[str, str]) -> list[Finding]:
    """A file SKILL.md does not reference, reached only through one it does."""
    out: list[Finding] = []
    reported: set[str] = set()
    for via in sorted(p for p in direct if p in texts):
        base = posixpath.dirname(via)
        for ref in references(texts[via]):
            rel = resolve(ref.target, base)
            if rel is not None and rel not in shipped:
                rel = resolve(ref.target, "")  # the spec's "relative to the skill root"
            if (rel is None or rel not in shipped or rel in direct or rel == via
                    or rel in reported):
                continue
            reported.add(rel)
            out.append(Finding(
                f"{doc.path}:{direct[via]}", "skill-ref-depth", "info",
                f"{show(rel)} is reached only through {show(via)} (two levels from "
                "SKILL.md); the spec asks for references one level deep, so link it from "
                "SKILL.md"))
    return out


def _length(doc: SkillDoc) -> list[Finding]:
    out: list[Finding] = []
    where = f"{doc.path}:{doc.fm.body_line}"
    lines = doc.fm.body_line - 1 + doc.body_lines
    if lines > BODY_MAX_LINES:
        out.append(Finding(where, "skill-body-long", "info",
                           f"SKILL.md is {lines:,} lines; the spec recommends under "
                           f"{BODY_MAX_LINES} (move detail into references/)"))
    tokens = len(doc.body) // CHARS_PER_TOKEN
    if tokens > BODY_MAX_TOKENS:
        out.append(Finding(where, "skill-body-tokens", "info",
                           f"the SKILL.md body is about {tokens:,} tokens (characters / "
                           f"{CHARS_PER_TOKEN}); the spec recommends under {BODY_MAX_TOKENS:,}"))
    return out
