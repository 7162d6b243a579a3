"""SKILL.md and adapter front matter: parsing and Agent Skills spec checks.

Spec: https://agentskills.io/specification. Front matter is `---`, a YAML
mapping, `---`, then the Markdown body.

Front matter is not one of our config files, so it gets its own strictness
(RELIABILITY.md 27-28): duplicate keys, aliases and merge keys stay errors (they
are ambiguous or dangerous in any file), but a plain scalar that YAML would read
as a non-string (`version: 1.10` -> 1.1, `name: no` -> False) is not a parse
error here. It is kept as a `Scalar` holding the author's text and what YAML
would make of it, and the spec check reports it against the field it sits in
("metadata values must be strings ... quote it"), naming file and line.
`yamlsafe.load` raises on those scalars (right for configs), so the node walk
below is ours; its `Document` (values + line of every node) is yamlsafe's.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any

import yaml

from skillsync.errors import ConfigError
from skillsync.findings import Finding
from skillsync.paths import show
from skillsync.yamlsafe import Document

NAME_MAX = 64
DESCRIPTION_MAX = 1024
COMPATIBILITY_MAX = 500
# The spec's front matter fields; anything else belongs under `metadata`.
SPEC_FIELDS = frozenset(
    {"name", "description", "license", "compatibility", "metadata", "allowed-tools"}
)
ADAPTER_KEY = "adapter_metadata"

_FENCE = "---"
_MAX_NODES = 10_000


@dataclass(frozen=True)
class Scalar:
    """A plain (unquoted) scalar that YAML reads as something other than a string."""

    text: str      # what the author wrote, e.g. "1.10"
    reads_as: str  # what a YAML reader makes of it, e.g. "the number 1.1"


@dataclass(frozen=True)
class FrontMatter:
    data: dict[str, Any]
    doc: Document
    body_line: int  # first line of the Markdown body (1-based)

    def where(self, *path: str | int) -> str:
        return self.doc.where(tuple(path))


def text_of(value: object) -> str | None:
    """The author's text of a scalar (string or unquoted non-string), else None."""
    if isinstance(value, str):
        return value
    if isinstance(value, Scalar):
        return value.text
    return None


def starts_with_fence(raw: bytes) -> bool:
    """Cheap pre-check before decoding: does the file open with a `---` line?"""
    head = raw[3:] if raw.startswith(b"\xef\xbb\xbf") else raw
    first = head.split(b"\n", 1)[0].rstrip(b" \t\r")
    return first == b"---"


def parse_front_matter(text: str, path: str) -> FrontMatter:
    """Parse the front matter of a Markdown file; ConfigError with `path:line` if malformed."""
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = text.split("\n")
    if not lines or lines[0].rstrip(" \t\r") != _FENCE:
        raise ConfigError("no front matter: the file must start with a '---' line",
                          where=f"{path}:1")
    end = next(
        (i for i in range(1, len(lines)) if lines[i].rstrip(" \t\r") in (_FENCE, "...")), None
    )
    if end is None:
        raise ConfigError("front matter is not closed by a '---' line", where=f"{path}:1")
    yaml_text = "\n".join(line.rstrip("\r") for line in lines[1:end])
    doc = _load(yaml_text, path, first_line=2)
    if doc.data is None:
        raise ConfigError("front matter is empty", where=f"{path}:2")
    if not isinstance(doc.data, dict):
        raise ConfigError("front matter must be a YAML mapping (key: value lines)",
                          where=f"{path}:2")
    return FrontMatter(doc.data, doc, end + 2)


# --------------------------------------------------------------------------- YAML


def _load(text: str, file: str, *, first_line: int) -> Document:
    """Front matter through the one strict YAML builder (skillsync.yamlsafe); a plain
    non-string scalar stays a `Scalar` remembering what YAML would read it as, so the
    spec checks can say "1.10 would be read as the number 1.1" with its line."""
    from skillsync import yamlsafe

    return yamlsafe.load(text, file, first_line=first_line, what="front matter",
                         scalar=lambda node, _where: Scalar(node.value, _reads_as(node)))


def _reads_as(node: yaml.ScalarNode) -> str:
    kind = node.tag.rsplit(":", 1)[-1]
    try:
        value = yaml.SafeLoader("").construct_object(node)
    except (yaml.YAMLError, ValueError, TypeError):
        return f"a {kind}"
    names = {"bool": "the boolean", "int": "the number", "float": "the number",
             "timestamp": "the date"}
    return f"{names.get(kind, 'a ' + kind)} {value}"


# --------------------------------------------------------------------------- spec checks


def _kind(value: object) -> str:
    if value is None:
        return "empty"
    if isinstance(value, Scalar):
        return f"{value.text} (unquoted, which YAML reads as {value.reads_as}; quote it)"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


def kind_of(value: object) -> str:
    """How a front matter value reads in a message ("a list", "1.10 (unquoted, ...)")."""
    return _kind(value)


def body_of(text: str, fm: FrontMatter) -> str:
    """The Markdown after the front matter (line `fm.body_line` onwards)."""
    if text.startswith("\ufeff"):
        text = text[1:]
    return "\n".join(text.split("\n")[fm.body_line - 1:])


def check_skill(text: str, path: str, *, folder: str | None) -> list[Finding]:
    """Spec findings for one SKILL.md. `path` is its repo path; `folder` the name of
    its directory (None for a skill at the repository root, which has no folder name)."""
    try:
        fm = parse_front_matter(text, path)
    except ConfigError as exc:
        return [Finding(exc.where or path, "skill-front-matter", "error", exc.message)]
    return check_fields(fm, path, folder=folder)


def check_fields(fm: FrontMatter, path: str, *, folder: str | None) -> list[Finding]:
    out: list[Finding] = []
    data = fm.data

    def err(code: str, msg: str, *key: str | int) -> None:
        out.append(Finding(fm.where(*key), code, "error", msg))

    # name: skills-ref's rule (NFKC-normalised, Unicode lowercase letters and digits)
    if "name" not in data:
        err("skill-name-missing", "missing required field 'name'")
    else:
        name = data["name"]
        if not isinstance(name, str):
            err("skill-name-invalid", f"name must be a string; it is {_kind(name)}", "name")
        else:
            out.extend(check_name(name, folder, fm.where("name")))
    # description
    if "description" not in data:
        err("skill-description-missing", "missing required field 'description'")
    else:
        desc = data["description"]
        if not isinstance(desc, str):
            err("skill-description-invalid",
                f"description must be a string; it is {_kind(desc)}", "description")
        elif not desc.strip():
            err("skill-description-invalid", "description must not be empty", "description")
        elif len(desc) > DESCRIPTION_MAX:
            err("skill-description-invalid",
                f"description is {len(desc)} characters; the limit is {DESCRIPTION_MAX}",
                "description")
    # license (spec: a license name or a bundled file's name)
    if "license" in data and not isinstance(data["license"], str):
        err("skill-license-invalid",
            f"license must be a string; it is {_kind(data['license'])}", "license")
    # compatibility
    if "compatibility" in data:
        comp = data["compatibility"]
        if not isinstance(comp, str):
            err("skill-compatibility-invalid",
                f"compatibility must be a string; it is {_kind(comp)}", "compatibility")
        elif not 1 <= len(comp) <= COMPATIBILITY_MAX:
            err("skill-compatibility-invalid",
                f"compatibility must be 1-{COMPATIBILITY_MAX} characters (it has {len(comp)})",
                "compatibility")
    # metadata: a map from string keys to string values
    if "metadata" in data:
        meta = data["metadata"]
        if not isinstance(meta, dict):
            err("skill-metadata-invalid",
                f"metadata must be a mapping of strings; it is {_kind(meta)}", "metadata")
        else:
            for key, value in meta.items():
                if not isinstance(value, str):
                    err("skill-metadata-invalid",
                        f"metadata values must be strings: '{key}' is {_kind(value)}",
                        "metadata", key)
    # allowed-tools: a space-delimited string or a list of strings (experimental)
    if "allowed-tools" in data:
        tools = data["allowed-tools"]
        ok = isinstance(tools, str) or (
            isinstance(tools, list) and all(isinstance(t, str) and t for t in tools)
        )
        if not ok:
            err("skill-allowed-tools-invalid",
                "allowed-tools must be a space-delimited string or a list of strings; it is "
                + ("a list with a non-string item" if isinstance(tools, list) else _kind(tools)),
                "allowed-tools")
    # Unknown fields: the spec defines six and puts everything else under
    # `metadata`. Real skills carry extra keys for their agents (`version`,
    # `user-invocable`, ...), and a sync must not fail on them: a warning.
    extra = sorted(k for k in data if k not in SPEC_FIELDS)
    if extra:
        out.append(Finding(
            fm.where(extra[0]), "skill-unknown-field", "warning",
            f"field(s) not in the Agent Skills spec: {', '.join(extra)}; "
            "the spec puts extra properties under 'metadata'"))
    return out


def normal_name(name: str) -> str:
    """The name skills-ref validates: stripped, then NFKC-normalised."""
    return unicodedata.normalize("NFKC", name.strip())


def name_problems(name: str) -> list[str]:
    """Why `name` breaks the Agent Skills name rule as skills-ref 0.1 applies it, or [].

    skills-ref (agentskills/agentskills, skills-ref/src/skills_ref/validator.py) strips
    and NFKC-normalises the name, then wants at most 64 characters, no uppercase, no
    leading, trailing or double hyphen, and only `str.isalnum()` characters or hyphens:
    any Unicode lowercase letter or digit, not only a-z and 0-9 (issue 18).
    """
    if not name.strip():
        return [f"must be 1-{NAME_MAX} characters"]
    norm = normal_name(name)
    problems = []
    if len(norm) > NAME_MAX:
        problems.append(f"{len(norm)} characters, the limit is {NAME_MAX}")
    if norm != norm.lower():
        problems.append("uppercase letters")
    if not all(c.isalnum() or c == "-" for c in norm):
        problems.append("characters other than letters, digits and '-'")
    if norm.startswith("-") or norm.endswith("-"):
        problems.append("starts or ends with '-'")
    if "--" in norm:
        problems.append("consecutive hyphens")
    return problems


def check_name(name: str, folder: str | None, where: str) -> list[Finding]:
    """The name rules for one skill (`folder` None: a root skill, which has no folder)."""
    shown = show(name)
    problems = name_problems(name)
    if problems:
        return [Finding(where, "skill-name-invalid", "error",
                        f"name '{shown}' is invalid: {'; '.join(problems)}")]
    out: list[Finding] = []
    norm = normal_name(name)
    if folder is not None and unicodedata.normalize("NFKC", folder) != norm:
        out.append(Finding(where, "skill-name-mismatch", "error",
                           f"name '{shown}' must equal its folder name '{show(folder)}'"))
    if name != name.strip():
        # skills-ref strips before comparing, so the source passes; but the skill lands
        # downstream in a folder named exactly `name`, which then no longer matches.
        out.append(Finding(where, "skill-name-whitespace", "error",
                           f"name '{shown}' has leading or trailing whitespace: downstream "
                           "the skill lands in a folder of that name, which skills-ref "
                           "rejects there"))
    if not norm.isascii():
        out.append(Finding(where, "skill-name-portability", "warning",
                           f"name '{shown}' is not ASCII: the Agent Skills spec and skills-ref "
                           "accept it, but gh skill publish rejects it (profile gh-skill) "
                           "and the spec's wording is disputed (agentskills/agentskills#345)"))
    return out


# --------------------------------------------------------------------------- adapters


@dataclass(frozen=True)
class AdapterMeta:
    skill_name: str
    skill_version: str | None
    adapter_id: str | None
    source_path: str | None


def adapter_meta(fm: FrontMatter) -> AdapterMeta:
    """The adapter fields of a front matter that has `adapter_metadata` (lenient:
    `check_adapter` reports what is wrong)."""
    am = fm.data.get(ADAPTER_KEY)
    am = am if isinstance(am, dict) else {}
    name = text_of(am.get("skill_name")) or text_of(fm.data.get("name")) or ""
    return AdapterMeta(
        skill_name=name,
        skill_version=text_of(am.get("skill_version")),
        adapter_id=text_of(am.get("adapter_id")) or None,
        source_path=text_of(am.get("source_path")) or None,
    )


def check_adapter(fm: FrontMatter, path: str) -> list[Finding]:
    """Shape of `adapter_metadata`: a mapping naming its skill and that skill's version."""
    out: list[Finding] = []
    am = fm.data.get(ADAPTER_KEY)
    if not isinstance(am, dict):
        return [Finding(fm.where(ADAPTER_KEY), "adapter-metadata-invalid", "error",
                        f"adapter_metadata must be a mapping; it is {_kind(am)}")]
    for key in ("skill_name", "skill_version", "adapter_id", "source_path"):
        if key in am and not isinstance(am[key], str):
            out.append(Finding(fm.where(ADAPTER_KEY, key), "adapter-metadata-invalid", "error",
                               f"adapter_metadata.{key} must be a string; it is {_kind(am[key])}"))
    if "skill_name" not in am and "source_path" not in am:
        out.append(Finding(fm.where(ADAPTER_KEY), "adapter-metadata-invalid", "error",
                           "adapter_metadata names no skill (give skill_name or source_path)"))
    if "skill_version" not in am:
        out.append(Finding(fm.where(ADAPTER_KEY), "adapter-version-missing", "error",
                           "adapter_metadata.skill_version is missing"))
    sp = am.get("source_path")
    if isinstance(sp, str) and (sp.startswith("/") or ".." in sp.split("/")):
        out.append(Finding(fm.where(ADAPTER_KEY, "source_path"), "adapter-metadata-invalid",
                           "error", f"adapter_metadata.source_path '{sp}' must be a path "
                           "inside the repository"))
    return out
