"""The skills source at a pinned commit: the one reader of it (issue 14).

`open_source(source, commit)` opens a local repository in place (read only) or a URL
as a blob-less bare copy kept in the store (skillsync.store), fetched by commit; the
same `Source` serves build-manifest (resolve a ref, list the tree, stream blobs),
validation and the sync (its git directory lends the release's blobs to each
target's scratch repository). A credential in a source URL reaches git only as a
header (git.url_auth), never in argv or the copy's .git/config.

Where to read from (issue 13): the manifest records the public origin as `source.repo` and,
for a local source, the path it was given as `source.checkout`. Later steps read from that
checkout while it exists and holds the commit (a CI job's own checkout, a maintainer's work
tree: nothing to fetch, no credentials needed), else from `source.repo`; `--source` overrides
both. Reading from any repository that holds the commit is safe because every file is checked
against the blob ids of the pinned commit (integrity.verify_files).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from skillsync import git
from skillsync.downstream import SERVE_ENV, remote_env, transport_url
from skillsync.errors import GitError, SkillsyncError, SourceError, UsageError
from skillsync.source_config import CONFIG_FILE
from skillsync.store import source_dir
from skillsync.urls import redact_url, redact_urls, url_secrets

# No auto-gc/maintenance in a copy we keep: it may detach and outlive the command.
_NO_GC = ("-c", "gc.auto=0", "-c", "maintenance.auto=false")


def _detail(exc: GitError) -> str:
    return redact_urls(exc.reason)  # no userinfo or query credential in messages


class Entry(NamedTuple):
    """One `git ls-tree -r -l` row (a tuple: a release lists thousands of them)."""

    mode: str
    type: str
    blob: str
    size: int | None  # None for gitlinks
    path: str
    utf8: bool = True


@dataclass
class Source:
    """An opened skills source: a local repository, or a temporary partial clone of a URL."""

    git_dir: Path
    repo: str            # what the manifest records as source.repo: the public origin
    cloned: bool = False
    # A local source: the path exactly as given (source.checkout; later steps read from it
    # while it holds the commit, issue 13), and its work tree when it has one.
    checkout: str | None = None
    work_tree: Path | None = None
    env: dict[str, str] = field(default_factory=dict)   # how to reach the origin (a URL copy)
    _prefetched: set[str] = field(default_factory=set)

    def record(self) -> dict[str, str]:
        """Where the manifest says it came from (`source.repo`, and `source.checkout`)."""
        return {"repo": self.repo, **({"checkout": self.checkout} if self.checkout else {})}

    def config_drift(self, commit: str) -> str | None:
        """Why the work tree's .skillsync.yaml is not the one the manifest used (the pinned
        commit's), or None: an edit that is not committed changes nothing, so say so."""
        if self.work_tree is None:
            return None
        path = self.work_tree / CONFIG_FILE
        try:
            here: bytes | None = path.read_bytes() if path.is_file() else None
        except OSError:
            here = None
        proc = git.run(["cat-file", "blob", f"{commit}:{CONFIG_FILE}"], self.git_dir, check=False)
        there = proc.stdout if proc.returncode == 0 else None
        if here == there:
            return None
        what = ("is not in" if there is None else "is deleted from the work tree but is in"
                if here is None else "in the work tree differs from the one in")
        return (f"{CONFIG_FILE} {what} commit {commit[:12]}, which is what the release is "
                "built from: commit the change for it to take effect")

    def check_ref(self, ref: str) -> None:
        """SourceError unless `ref` may reach git: no option, no space or control
        character (RELIABILITY.md 23)."""
        if (not ref or ref.startswith("-") or not ref.isprintable()
                or any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in ref)):
            raise SourceError(f"invalid ref {ref!r}", where=self.repo)

    def resolve(self, ref: str, reader: git.BlobStream) -> tuple[str, str]:
        """(commit, tree) for `ref`, resolved once (RELIABILITY.md 9, 23) by the same
        `cat-file --batch` that then reads the release (issue 17: one process, not two
        rev-parse calls); the tree is the commit object's own `tree` line."""
        self.check_ref(ref)
        found = reader.object(f"{ref}^{{commit}}")
        if found is None or found[1] != "commit" or not git.SHA_RE.match(found[0]):
            raise SourceError(f"unknown ref '{ref}': no such tag, branch or commit",
                              where=self.repo)
        commit, _, body = found
        first = body.split(b"\n", 1)[0].decode("ascii", "replace")
        tree = first.removeprefix("tree ")
        if not first.startswith("tree ") or not git.SHA_RE.match(tree):
            raise SourceError(f"commit {commit[:12]} has no tree line", where=self.repo)
        return commit, tree

    def has_commit(self, sha: str) -> bool:
        return bool(git.SHA_RE.match(sha)) and git.has_commit(self.git_dir, sha)

    def is_tag(self, name: str) -> bool:
        proc = git.run(["show-ref", "--verify", "--quiet", f"refs/tags/{name}"], self.git_dir,
                       check=False)
        return proc.returncode == 0

    def prefetch(self, commit: str) -> None:
        """Fetch the commit's missing blobs in one request (a partial clone would
        otherwise fetch them one by one as cat-file asks)."""
        if not self.cloned or commit in self._prefetched:
            return
        # --no-object-names: the listing would otherwise carry paths, newline-framed.
        listing = git.out(["rev-list", "--objects", "--no-object-names", "--no-walk",
                           "--missing=print", commit], self.git_dir)
        missing = [ln[1:].split()[0] for ln in listing.splitlines() if ln.startswith("?")]
        if missing:
            try:
                git.run([*_NO_GC, "-c", "fetch.negotiationAlgorithm=noop", "fetch", "origin",
                         "--no-tags",
                         "--no-write-fetch-head", "--recurse-submodules=no",
                         "--filter=blob:none", "--stdin"],
                        self.git_dir, input=("\n".join(missing) + "\n").encode(), env=self.env)
            except GitError as exc:
                raise SourceError(f"cannot fetch files: {_detail(exc)}", where=self.repo) from None
        self._prefetched.add(commit)

    def ls_tree(self, commit: str) -> list[Entry]:
        raw = git.run(["ls-tree", "-r", "-z", "--full-tree", "-l", commit], self.git_dir).stdout
        entries = []
        for rec in raw.split(b"\0"):
            if not rec:
                continue
            meta, _, path_b = rec.partition(b"\t")
            mode, typ, oid, size = meta.decode("ascii").split()
            try:
                path, utf8 = path_b.decode("utf-8"), True
            except UnicodeDecodeError:
                path, utf8 = path_b.decode("utf-8", "backslashreplace"), False
            entries.append(Entry(mode, typ, oid, None if size == "-" else int(size), path, utf8))
        return entries

    def reader(self) -> git.BlobStream:
        return git.BlobStream(self.git_dir, self.repo)

    def fetch(self, commit: str) -> None:
        """Fetch `commit` (blob-less) into the store's copy."""
        git.run(["--git-dir", str(self.git_dir), *_NO_GC, "fetch", "--quiet", "--no-tags",
                 "--filter=blob:none", "origin", commit], env=self.env)

    def __fspath__(self) -> str:
        """A Source stands for its git directory wherever a path is taken."""
        return str(self.git_dir)

    def __enter__(self) -> Source:
        return self

    def __exit__(self, *exc: object) -> None:
        pass


def open_source(source: str | Mapping[str, Any], commit: str | None = None) -> Source:
    """The source `source` (a path or URL; or a manifest's `source` mapping: its checkout
    while that holds the commit, else its repo — `locate`), holding `commit` when one is
    given. A local repository is opened in place; a URL is a blob-less bare copy in the
    store, cloned once and fetched by commit afterwards. SourceError when unreadable.

    A Source is also a context manager (a no-op), for `with open_source(x) as src:`."""
    if not isinstance(source, str):
        source = locate(source)
    if not source:
        raise UsageError("the source is empty")
    src = _open_local(source) if git.is_local(source) else _open_url(source)
    if commit is not None and not src.has_commit(commit):
        if src.cloned:
            try:
                src.fetch(commit)
            except GitError as exc:
                raise SourceError(f"cannot fetch commit {commit[:12]}: {_detail(exc)}",
                                  where=src.repo) from None
        if not src.has_commit(commit):
            raise SourceError(f"does not have commit {commit}", where=src.repo)
    return src


class LazySource:
    """A source opened on first use: a no-op sync never reads the source, so one
    sync-target process (a CI matrix job) should not pay for finding and opening it
    (seven git processes of the eight a warm no-op ran; issue 17). It stands for the
    source's git directory wherever a path is taken, like Source."""

    def __init__(self, src: Mapping[str, Any], override: str | None = None) -> None:
        self._src, self._override = src, override
        self._opened: Source | None = None

    @property
    def source(self) -> Source:
        if self._opened is None:
            self._opened = open_source(locate(self._src, self._override),
                                       str(self._src["commit"]))
        return self._opened

    @property
    def git_dir(self) -> Path:
        return self.source.git_dir

    def __fspath__(self) -> str:
        return str(self.source.git_dir)

    def __str__(self) -> str:
        return self.__fspath__()


def _open_url(url: str) -> Source:
    """The store's blob-less copy of `url`. A credential in the URL (userinfo) goes to
    git as a header: the copy's config and git's argv hold the URL without it."""
    label = redact_url(url)
    for value in url_secrets(url):
        from skillsync.secrets import register

        register(value)
    clean, auth = git.url_auth(url)
    env = remote_env(auth)      # SERVE_ENV's entries, then the header (both GIT_CONFIG_* lists)
    dest = source_dir(clean)
    try:
        if not (dest / "HEAD").exists():
            git.run([*_NO_GC, "clone", "--bare", "--filter=blob:none", "--quiet", "--",
                     transport_url(clean), str(dest)], env=env)
        else:
            git.run(["--git-dir", str(dest), *_NO_GC, "fetch", "--quiet", "--prune", "--tags",
                     "--force", "origin", "+refs/heads/*:refs/heads/*"], env=env)
    except GitError as exc:
        raise SourceError(f"cannot clone: {_detail(exc)}", where=label) from None
    return Source(dest, label, cloned=True, env=env)


def _open_local(source: str) -> Source:
    p = Path(source).expanduser()
    if not p.exists():
        raise SourceError("no such directory", where=source)
    if not p.is_dir():
        raise SourceError("not a directory", where=source)
    p = p.resolve()
    # The origin's URL is asked while rev-parse runs: two short processes at once on the
    # way to every build and sync (issue 17); the answer is dropped if `p` is refused.
    answers: dict[str, Any] = {}

    def ask_origin() -> None:
        try:
            answers["origin"] = git.run(["config", "--get", "remote.origin.url"], p, check=False)
        except SkillsyncError as exc:
            answers["error"] = exc

    asker = threading.Thread(target=ask_origin, name="origin-url", daemon=True)
    asker.start()
    try:
        # One rev-parse says what `p` is; `--show-prefix` (where `p` sits in its work tree)
        # stands in for a second `--show-toplevel` call (issue 17).
        proc = git.run(["rev-parse", "--is-bare-repository", "--is-inside-work-tree",
                        "--absolute-git-dir", "--show-prefix"], p, check=False)
    finally:
        asker.join()
    if proc.returncode != 0:
        raise SourceError("not a git repository", where=str(p))
    bare, in_work_tree, git_dir, prefix = (proc.stdout.decode().split("\n") + [""] * 4)[:4]
    if Path(git_dir) != p:
        # below the top of a work tree, or somewhere inside a git directory
        if in_work_tree == "true":
            top = p.parents[prefix.count("/") - 1] if prefix else p
        else:
            top = Path(git_dir)
        if top != p:
            raise SourceError(f"not a git repository (it is inside {top}; give that path)",
                              where=str(p))
    if "error" in answers:
        raise answers["error"]
    origin = answers["origin"]
    url = origin.stdout.decode("utf-8", "replace").strip()
    # git_dir is the repository's own directory (.git of a work tree): the sync lends its
    # objects/ to each target's scratch repository through objects/info/alternates.
    return Source(Path(git_dir), redact_url(url) if origin.returncode == 0 and url else str(p),
                  checkout=source, work_tree=p if bare == "false" else None)


def git_dir_of(path: str) -> Path | None:
    """The git directory of a local repository (bare or not), or None."""
    proc = git.run(["rev-parse", "--absolute-git-dir"], path, check=False)
    if proc.returncode != 0:
        return None
    return Path(proc.stdout.decode().strip())


def _repository_at(path: Path) -> Path | None:
    """The git directory of the repository whose top (or bare directory) is `path`;
    None for anything else, a directory *inside* a repository included."""
    if not path.is_dir():
        return None
    proc = git.run(["rev-parse", "--is-bare-repository", "--absolute-git-dir"], path,
                   check=False)
    if proc.returncode != 0:
        return None
    bare, git_dir = proc.stdout.decode("utf-8", "replace").splitlines()[:2]
    top = git_dir
    if bare != "true":
        proc = git.run(["rev-parse", "--show-toplevel"], path, check=False)
        if proc.returncode != 0:
            return None
        top = proc.stdout.decode("utf-8", "replace").strip()
    return Path(git_dir) if Path(top).resolve() == path.resolve() else None


def locate(src: Mapping[str, Any], override: str | None = None) -> str:
    """Where to read the manifest's source from: `override` (--source), else the recorded
    checkout when it is a repository that holds the commit, else `source.repo`."""
    if override:
        return override
    checkout, commit = src.get("checkout"), src.get("commit")
    if (isinstance(checkout, str) and checkout and git.is_local(checkout)
            and isinstance(commit, str) and git.SHA_RE.match(commit)):
        gd = _repository_at(Path(checkout).expanduser())
        if gd is not None and git.has_commit(gd, commit):
            return checkout
    return str(src["repo"])


def tag_commit(repo: str, ref: str) -> str | None:
    """What `ref` (a tag) points at on the source now, peeled; None if gone."""
    refs = git.ls_remote(transport_url(repo) if git.is_local(repo) else repo,
                         [f"refs/tags/{ref}", f"refs/tags/{ref}^{{}}"], env=SERVE_ENV)
    return refs.get(f"refs/tags/{ref}^{{}}") or refs.get(f"refs/tags/{ref}")
