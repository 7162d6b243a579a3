"""Which skillsync an adopter's workflows run: this repository's identity and a commit pin.

An adopter's repository gets skillsync from this repository alone, pinned immutably
(DESIGN.md, "Distribution to adopters"; issue 13): its workflows call the reusable workflows
and the composite action of `OWNER/NAME` at a full 40-hex commit SHA, with the release tag
in a comment for Dependabot. So the one thing `skillsync-init` needs is that commit:

- `--pin SHA`: that commit;
- `--pin vX.Y.Z`: the commit the tag points at, looked up once with `git ls-remote` (in
  `--resolve-in`, default this repository on GitHub);
- neither: the commit pip installed this skillsync from (PEP 610's direct_url.json, written
  by `pip install "skillsync @ git+https://github.com/OWNER/NAME@v0.2.0"`), else the pin of
  the last init.

Everything else is refused with the reason: a `file://` URL or a path names a laptop a runner
cannot reach; a package name (`skillsync==0.1.0`) is served by no index, and whoever registers
it would run code next to every target's secret; an abbreviated SHA is not immutable.
`OWNER/NAME` comes from one place, `[project.urls] Repository` in pyproject.toml (read back
from the installed metadata), unless `--skillsync-repo` says otherwise.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from skillsync import git
from skillsync.errors import GitError, SkillsyncError, UsageError
from skillsync.paths import show

_REPOSITORY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9._-]{1,100}$")
_SHA = re.compile(r"^[0-9a-fA-F]{40}$")
_SHORT_SHA = re.compile(r"^[0-9a-fA-F]{4,39}$")
_TAG = re.compile(r"^v(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?$")
_URL_LABELS = ("repository", "source", "source code")


@dataclass(frozen=True)
class Identity:
    """Where skillsync lives: a GitHub server and `owner/name` on it."""

    server: str
    repository: str

    @property
    def url(self) -> str:
        return f"{self.server}/{self.repository}"


@dataclass(frozen=True)
class Pin:
    """One commit of skillsync, and the release tag its comment names."""

    identity: Identity
    sha: str
    tag: str

    def as_dict(self) -> dict[str, str]:
        return {"server": self.identity.server, "repository": self.identity.repository,
                "sha": self.sha, "tag": self.tag}


def parse_identity(url: str, *, what: str) -> Identity:
    """`https://github.com/OWNER/NAME[.git]` -> Identity; UsageError otherwise."""
    parts = urlsplit(url.strip())
    path = parts.path.strip("/").removesuffix(".git")
    if parts.scheme != "https" or not parts.netloc or "@" in parts.netloc \
            or not _REPOSITORY.match(path):
        raise UsageError(f"{what}: {show(url)} is not https://HOST/OWNER/NAME")
    return Identity(f"https://{parts.netloc}", path)


def identity(override: str | None, server: str | None = None) -> Identity:
    """--skillsync-repo OWNER/NAME, else the Repository URL of the installed metadata."""
    from importlib.metadata import PackageNotFoundError, metadata

    try:
        urls = metadata("skillsync").get_all("Project-URL") or []
    except PackageNotFoundError:
        urls = []
    found: Identity | None = None
    for entry in urls:
        label, _, url = str(entry).partition(",")
        if label.strip().lower() in _URL_LABELS:
            found = parse_identity(url, what="the Repository URL in skillsync's metadata")
            break
    if override is not None:
        if not _REPOSITORY.match(override):
            raise UsageError(f"--skillsync-repo: {show(override)} is not OWNER/NAME")
        return Identity(server or (found.server if found else "https://github.com"), override)
    if found is None:
        raise UsageError("the installed skillsync names no Repository URL in its metadata "
                         "(pyproject [project.urls]); give --skillsync-repo OWNER/NAME")
    return found


def installed_commit() -> tuple[str, str | None, str] | None:
    """(commit, requested revision, url) when pip installed skillsync from git (PEP 610)."""
    from importlib.metadata import PackageNotFoundError, distribution

    try:
        raw = distribution("skillsync").read_text("direct_url.json")
    except PackageNotFoundError:
        return None
    try:
        data = json.loads(raw or "")
    except ValueError:
        return None
    vcs = data.get("vcs_info") if isinstance(data, dict) else None
    if not isinstance(vcs, dict) or vcs.get("vcs") != "git":
        return None
    commit, requested = vcs.get("commit_id"), vcs.get("requested_revision")
    if not isinstance(commit, str) or not _SHA.match(commit):
        return None
    return (commit.lower(), requested if isinstance(requested, str) else None,
            str(data.get("url") or ""))


def refusal(text: str, ident: Identity) -> str | None:
    """Why `text` is not a pin (a full commit SHA or a release tag), or None."""
    want = f"give a full commit SHA of {ident.repository} or a release tag such as v1.2.3"
    if _SHA.match(text) or _TAG.match(text):
        return None
    if text.lower().startswith("file:"):
        return f"a file:// URL names this machine; a runner cannot install from it: {want}"
    if "://" in text or text.startswith("git+") or "@" in text:
        return (f"give the commit alone, not an install URL (the repository is "
                f"{ident.repository}; --skillsync-repo changes it): {want}")
    if text.startswith(("/", "./", "../", "~")) or "/" in text or "\\" in text:
        return f"a local path names this machine; a runner cannot install from it: {want}"
    if _SHORT_SHA.match(text):
        return (f"an abbreviated commit is not an immutable pin (GitHub Actions needs all 40 "
                f"hex digits): {want}")
    return ("a package name: no package index serves skillsync, and whoever registered the "
            f"name would run code next to every target's secret: {want}")


def resolve_tag(tag: str, where: str) -> str:
    """The commit `tag` points at in the repository `where` (peeled), via git ls-remote."""
    try:
        refs = git.ls_remote(where, [f"refs/tags/{tag}", f"refs/tags/{tag}^{{}}"])
    except GitError as exc:
        detail = (exc.stderr.strip().splitlines() or [f"git exited {exc.returncode}"])[-1]
        raise UsageError(f"--pin {tag}: cannot look it up in {show(where)}: {show(detail)} "
                         "(give the commit SHA, or --resolve-in a clone of skillsync)") from None
    sha = refs.get(f"refs/tags/{tag}^{{}}") or refs.get(f"refs/tags/{tag}")
    if sha is None or not _SHA.match(sha):
        raise UsageError(f"--pin {tag}: no such tag in {show(where)}")
    return sha.lower()


def resolve(text: str | None, *, ident: Identity, version: str,
            previous: Mapping[str, Any] | None = None, resolve_in: str | None = None) -> Pin:
    """The pin for `skillsync-init` (see the module docstring for the order)."""
    default_tag = f"v{version}"
    if text is not None:
        text = text.strip()
        why = refusal(text, ident)
        if why:
            raise UsageError(f"--pin {show(text)}: {why}")
        if _TAG.match(text):
            return Pin(ident, resolve_tag(text, resolve_in or f"{ident.url}.git"), text)
        return Pin(ident, text.lower(), default_tag)
    installed = installed_commit()
    if installed is not None:
        commit, requested, url = installed
        try:
            source = parse_identity(url, what="where pip installed skillsync from")
        except SkillsyncError:
            source = None
        if source is not None and source.repository.lower() != ident.repository.lower():
            raise UsageError(f"this skillsync was installed from {source.repository}, but "
                             f"its metadata names {ident.repository}: give --skillsync-repo "
                             f"{source.repository} (or --pin) to say which one to pin")
        tag = requested if requested and _TAG.match(requested) else default_tag
        return Pin(ident, commit, tag)
    if previous:
        sha, last_tag = previous.get("sha"), previous.get("tag")
        if isinstance(sha, str) and _SHA.match(sha):
            return Pin(ident, sha.lower(), last_tag if isinstance(last_tag, str)
                       and _TAG.match(last_tag) else default_tag)
    raise UsageError(f"which commit of {ident.repository} should the workflows run? This "
                     "skillsync was not installed from git, so give --pin <40-hex commit SHA> "
                     "or --pin vX.Y.Z (see docs/adopting.md)")
