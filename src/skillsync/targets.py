"""Load and validate target files (`targets/<id>.yaml`) into `model.Target`.

Three layers, each reporting file:line (RELIABILITY.md 25, 27):
1. strict YAML (`skillsync.yamlsafe`): duplicate keys, aliases, `no`/`1.10` coercions;
2. the JSON Schema shipped in `schemas/target.schema.json` (the one editors use, so the
   two cannot drift), its errors rewritten as one short line each;
3. what a schema cannot say: id == file name, ids unique across files, `dest` and other
   in-repo paths safe (relative, normalized, no `..`, not in `.git`, not through a symlink).

`check_targets` returns every problem as a Finding; `load_targets` raises the first one.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from skillsync import git
from skillsync.errors import ConfigError, UsageError
from skillsync.findings import Finding
from skillsync.model import Auth, Forge, Notify, Signing, Submodule, Target
from skillsync.target_findings import (
    _dotted,
    _order,
    _Problems,
    _raise_first,
    _schema,
    _schema_findings,
    _type_name,
    _yaml_code,
)

if TYPE_CHECKING:
    from skillsync.yamlsafe import Document

SUFFIXES = (".yaml", ".yml")
ID_PATTERN = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")   # schemas/target.schema.json: id
MAX_FILE_BYTES = 256 * 1024  # a target file is a screenful; anything larger is a mistake


@dataclass
class _FileResult:
    """What one file yielded: a Target when it is valid, and every finding."""

    file: str
    target: Target | None = None
    findings: list[Finding] = field(default_factory=list)
    id: str | None = None
    id_where: str = ""


# -- public API -----------------------------------------------------------------------------


def load_target(path: Path) -> Target:
    """Load one target file; raise the first problem as a ConfigError."""
    result = _check_file(Path(path))
    _raise_first(result.findings)
    assert result.target is not None
    return result.target


def load_targets(directory: Path, *, include_disabled: bool = True) -> list[Target]:
    """Every target in `directory`, sorted by id; the first problem raises ConfigError."""
    results = _check_dir(Path(directory))
    _raise_first([f for r in results for f in r.findings])
    targets = sorted((r.target for r in results if r.target is not None), key=lambda t: t.id)
    return [t for t in targets if include_disabled or t.enabled]


def load_one(directory: Path, target_id: str) -> Target:
    """The target `target_id` of `directory`, from its own file alone.

    A target's id is its file's name (target-id-mismatch otherwise), so no other file
    can hold it: one sync-target per CI job read and checked the whole fleet's files
    before, O(fleet) per job and O(fleet²) per run, and a broken file of another
    target stopped it. Unknown ids get select()'s message."""
    directory = Path(directory)
    if not directory.is_dir():
        _check_dir(directory)   # its ConfigError: not found / not a directory
    named = ID_PATTERN.fullmatch(target_id) is not None
    found = [p for p in (directory / f"{target_id}{s}" for s in SUFFIXES)
             if named and (p.is_file() or p.is_symlink())]
    if not found:
        known = sorted(p.name.rsplit(".", 1)[0] for p in directory.iterdir()
                       if p.suffix in SUFFIXES and not p.name.startswith("."))
        select([], [target_id], known=known)
    results = [_check_file(p) for p in found]
    _check_duplicate_ids(results)     # canary.yaml beside canary.yml
    _raise_first([f for r in results for f in r.findings])
    assert results[0].target is not None
    return results[0].target


def check_targets(directory: Path) -> list[Finding]:
    """Every problem in `directory` as a Finding (ordered by file, then line)."""
    results = _check_dir(Path(directory))
    findings = [f for r in results for f in r.findings]
    if not results:
        findings.append(
            Finding(str(directory), "target-none", "warning", "no target files (*.yaml) found")
        )
    return findings


def select(targets: Sequence[Target], only: Sequence[str] | None, *,
           known: Sequence[str] = ()) -> list[Target]:
    """The targets named in `only` (all when None or empty), in the order of `targets`
    (`known`: more ids to name when one is unknown)."""
    if not only:
        return list(targets)
    ids = {t.id for t in targets} | set(known)
    unknown = sorted(set(only) - ids)
    if unknown:
        hint = ", ".join(sorted(ids)) or "none"
        raise UsageError(
            f"unknown target id{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}"
            f" (known: {hint})"
        )
    wanted = set(only)
    return [t for t in targets if t.id in wanted]


def schema() -> dict[str, Any]:
    """The target JSON Schema (as shipped in schemas/target.schema.json)."""
    return dict(_schema())


# -- directory and file ---------------------------------------------------------------------


def _check_dir(directory: Path) -> list[_FileResult]:
    if not directory.is_dir():
        what = "is not a directory" if directory.exists() else "not found"
        raise ConfigError(f"targets directory {what}", where=str(directory))
    files = sorted(
        p for p in directory.iterdir()
        if p.suffix in SUFFIXES and not p.name.startswith(".") and (p.is_file() or p.is_symlink())
    )
    results = [_check_file(p) for p in files]
    _check_duplicate_ids(results)
    return results


def _check_duplicate_ids(results: list[_FileResult]) -> None:
    by_id: dict[str, list[_FileResult]] = {}
    for r in results:
        if r.id is not None:
            by_id.setdefault(r.id, []).append(r)
    for target_id, group in by_id.items():
        if len(group) < 2:
            continue
        for r in group:
            others = ", ".join(o.file for o in group if o is not r)
            r.findings.append(
                Finding(r.id_where, "target-duplicate-id", "error",
                        f"duplicate target id '{target_id}' (also in {others})")
            )
            r.target = None
            r.findings.sort(key=_order)


def _check_file(path: Path) -> _FileResult:
    name = str(path)
    result = _FileResult(name)
    problems = _Problems(name)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        problems.add(name, "target-unreadable", f"cannot read: {exc.strerror or exc}")
        result.findings = problems.findings
        return result
    if len(raw) > MAX_FILE_BYTES:
        problems.add(name, "target-too-large", f"file is larger than {MAX_FILE_BYTES} bytes")
        result.findings = problems.findings
        return result
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        problems.add(name, "target-not-utf8", f"not UTF-8 text (byte {exc.start})")
        result.findings = problems.findings
        return result

    from skillsync import yamlsafe

    try:
        doc = yamlsafe.load(text, name)
    except ConfigError as exc:
        problems.add(exc.where or name, _yaml_code(exc.message), exc.message)
        result.findings = problems.findings
        return result
    if not isinstance(doc.data, dict):
        what = "empty" if doc.data is None else f"a {_type_name(doc.data)}"
        problems.add(doc.where(), "target-not-mapping",
                     f"a target file must be a mapping, not {what}")
        result.findings = problems.findings
        return result

    data: dict[str, Any] = doc.data
    _schema_findings(doc, problems)
    if isinstance(data.get("id"), str):
        result.id = data["id"]
        result.id_where = doc.where(("id",))
        stem = path.name.rsplit(".", 1)[0]
        if data["id"] != stem:
            problems.add(result.id_where, "target-id-mismatch",
                         f"id '{data['id']}' does not match the file name '{path.name}'"
                         f" (rename the file to {data['id']}{path.suffix} or fix the id)")
    repo = _resolve_repo(doc, path.parent, problems)
    _url_findings(doc, problems)
    if data.get("mechanism") != "webhook":  # the schema already refuses dest & co there
        _path_findings(doc, repo, problems)

    result.findings = problems.findings
    if not problems.findings:
        result.target = _build(data, path, repo)
    return result


# -- repo and in-repo paths -----------------------------------------------------------------


def _resolve_repo(doc: Document, base: Path, problems: _Problems) -> str | None:
    repo = doc.data.get("repo")
    if not isinstance(repo, str) or not repo or repo.startswith("-") or re.search(r"\s", repo):
        return None  # the schema reported it (or it is a webhook)
    where = doc.where(("repo",))
    if not git.is_local(repo):
        try:
            parts = urlsplit(repo)
        except ValueError:
            problems.add(where, "target-invalid-value", "repo: not a valid URL")
            return None
        # Credentials in a URL end up in logs, .git/config and `ps` (RELIABILITY.md 15).
        if parts.password or (parts.scheme in ("http", "https") and parts.username):
            problems.add(where, "target-credentials-in-url", "repo: the URL embeds credentials;"
                         " put the name of the token's variable in auth.env")
            return None
        # A git remote never needs a query string or a fragment; a token is what hides there
        # (`?access_token=`, `?private_token=`), so any query is refused.
        if parts.query or parts.fragment or repo.endswith(("?", "#")):
            problems.add(where, "target-credentials-in-url", "repo: a git remote URL takes no "
                         "query string or fragment (credentials hide there); put the name of "
                         "the token's variable in auth.env")
            return None
    return git.resolve_local(repo, base)


def _url_findings(doc: Document, problems: _Problems) -> None:
    """Webhook `url` and `forge.api_url`: no credential in the query (the schema's
    patterns already refuse userinfo in both).

    A webhook endpoint may take a query (`?channel=ops`), but not a parameter whose name
    says credential (skillsync.urls.credential_params: token, sig, key, secret, auth, ...):
    the HMAC secret belongs in auth.env. The API base URL takes no query at all.
    The values are never echoed, only the parameter names."""
    from skillsync.paths import show
    from skillsync.urls import credential_params

    forge = doc.data.get("forge")
    api_url = forge.get("api_url") if isinstance(forge, dict) else None
    for key, value in (("url", doc.data.get("url")), ("forge.api_url", api_url)):
        if not isinstance(value, str) or "://" not in value:
            continue  # absent, or the schema reported it
        path = tuple(key.split("."))
        try:
            query = urlsplit(value).query
        except ValueError:
            problems.add(doc.where(path), "target-invalid-value", f"{key}: not a valid URL")
            continue
        if key != "url":
            if query:
                problems.add(doc.where(path), "target-credentials-in-url",
                             f"{key}: the API URL takes no query string (credentials hide "
                             "there); the token's variable goes in auth.env")
            continue
        names = credential_params(value)
        if names:
            listed = ", ".join(f"'{show(n[:40])}'" for n in names[:3])
            what = "parameters" if len(names) > 1 else "parameter"
            problems.add(doc.where(path), "target-credentials-in-url",
                         f"{key}: the query {what} {listed} look{'' if len(names) > 1 else 's'}"
                         " like a credential; a secret never goes in a URL, put the name of "
                         "its variable in auth.env")


def _path_findings(doc: Document, repo: str | None, problems: _Problems) -> None:
    data = doc.data
    checkout = _local_checkout(repo)
    candidates: list[tuple[tuple[str | int, ...], Any]] = []
    if "dest" in data:
        candidates.append((("dest",), data["dest"]))
    sub = data.get("submodule")
    if isinstance(sub, dict) and "path" in sub:
        candidates.append((("submodule", "path"), sub["path"]))
    adapters = data.get("adapters")
    if isinstance(adapters, dict):
        candidates.extend((("adapters", k), v) for k, v in adapters.items())
    for path, value in candidates:
        if not isinstance(value, str) or not value:
            continue  # wrong type / empty: the schema said so
        label = _dotted(path)
        problem = repo_path_problem(value)
        if problem is None and checkout is not None:
            link = _symlink_on(checkout, value)
            if link is not None:
                problem = f"passes through the symlink '{link}' in {checkout}"
        if problem is not None:
            problems.add(doc.where(path), "target-unsafe-dest", f"{label} '{value}' {problem}")


def repo_path_problem(value: str) -> str | None:
    """Why `value` is not a safe directory inside a repository, or None when it is.

    Relative, POSIX, normalized, no `..`, nothing inside `.git` (git's own check also
    refuses `.GIT`, `.git.` and the 8.3 name `git~1`, which some filesystems map to it).
    """
    if value in ("", "."):
        return "is empty; name a directory inside the repository"
    if "\\" in value or "\0" in value:
        return "must use '/' separators"
    if value.startswith("/") or re.match(r"^[A-Za-z]:", value) or value.startswith("~"):
        return "must be relative to the repository root"
    parts = value.split("/")
    if ".." in parts:
        return "must not contain '..'"
    for part in parts:
        if part.lower().rstrip(". ") in (".git", "git~1"):
            return "must not be inside .git"
    normal = posixpath.normpath(value)
    if normal != value:
        return f"is not normalized (write '{normal}')"
    return None


def _local_checkout(repo: str | None) -> Path | None:
    """The work tree of `repo` when it is an existing local non-bare checkout."""
    if repo is None or not git.is_local(repo):
        return None
    root = Path(repo)
    if (root / ".git").exists():
        return root
    return None


def _symlink_on(root: Path, rel: str) -> str | None:
    """The first component of `rel` under `root` that is a symlink, if any."""
    current = root
    walked: list[str] = []
    for part in rel.split("/"):
        current = current / part
        walked.append(part)
        if current.is_symlink():
            return "/".join(walked)
        if not current.exists():
            return None
    return None


# -- building the value ---------------------------------------------------------------------


def _build(data: dict[str, Any], path: Path, repo: str | None) -> Target:
    auth_data = data.get("auth") or {}
    notify_data = data.get("notify") or {}
    sub_data = data.get("submodule")
    forge_data = data.get("forge")
    signing_data = data.get("signing")
    adapters_raw = data.get("adapters") or []
    if isinstance(adapters_raw, dict):
        adapters = tuple((str(k), str(v)) for k, v in adapters_raw.items())
    else:
        adapters = tuple((str(a), "") for a in adapters_raw)
    extra: dict[str, Any] = {}
    if "repo" in data:
        # The inventory shows the repo as written: the resolved path depends on the checkout.
        extra["repo_as_written"] = data["repo"]
    defaults = Target(id="", mechanism="", source_file=path)
    return Target(
        id=data["id"],
        mechanism=data["mechanism"],
        source_file=path,
        repo=repo,
        branch=data.get("branch", defaults.branch),
        skills=tuple(data.get("skills", defaults.skills)),
        adapters=adapters,
        dest=data.get("dest", defaults.dest),
        risk=data.get("risk", defaults.risk),
        channel=data.get("channel", defaults.channel),
        accept_major=data.get("accept_major", defaults.accept_major),
        auth=Auth(method=auth_data.get("method", "none"), env=auth_data.get("env"),
                  app_id_env=auth_data.get("app_id_env"), key_env=auth_data.get("key_env")),
        notify=Notify(
            github_issue=notify_data.get("github_issue", defaults.notify.github_issue),
            slack=notify_data.get("slack", defaults.notify.slack),
            email=tuple(notify_data.get("email", ())),
        ),
        owner=data.get("owner", ""),
        escalation=data.get("escalation", ""),
        enabled=data.get("enabled", True),
        labels=tuple(data.get("labels", ())),
        url=data.get("url"),
        submodule=Submodule(path=sub_data["path"], via=sub_data.get("via", "push"))
        if sub_data else None,
        forge=Forge(api_url=forge_data.get("api_url", Forge().api_url),
                    repository=forge_data["repository"]) if forge_data else None,
        agents=tuple(data["agents"]) if "agents" in data else None,
        signing=Signing(method=signing_data["method"], key_env=signing_data.get("key_env"))
        if signing_data else None,
        extra=extra,
    )


