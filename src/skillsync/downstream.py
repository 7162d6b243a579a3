"""Reading and writing one downstream git repository cheaply.

A target is opened as a temporary bare repository with a shallow, blob-less
clone of the branches we care about. Its object store borrows the source
repository's objects through `objects/info/alternates`, so new commits are
built with plumbing (read-tree / update-index / write-tree / commit-tree)
without checking anything out or copying a single blob: the push sends
exactly the objects the downstream lacks.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
import shutil
import signal
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from skillsync import git, gitauth
from skillsync.downstream_lock import Lock, LockError, parse_lock
from skillsync.errors import GitError, TargetError

# upload-pack runs as our child for local and file:// remotes; these let it
# serve blob-less and single-commit fetches the way hosted forges do.
SERVE_ENV = {
    "GIT_CONFIG_COUNT": "2",
    "GIT_CONFIG_KEY_0": "uploadpack.allowFilter",
    "GIT_CONFIG_VALUE_0": "true",
    "GIT_CONFIG_KEY_1": "uploadpack.allowAnySHA1InWant",
    "GIT_CONFIG_VALUE_1": "true",
}


# git drops GIT_CONFIG_* from the environment of a local upload-pack (they would
# describe the wrong repository), so SERVE_ENV never reaches it; the remote's
# `uploadpack` command line is how a file:// fetch gets blob-less filtering.
LOCAL_UPLOAD_PACK = (
    "git -c uploadpack.allowFilter=true -c uploadpack.allowAnySHA1InWant=true upload-pack"
)


def transport_url(url: str) -> str:
    """Local paths go through file:// so shallow and filtered fetches work as on a forge."""
    if git.is_local(url):
        return Path(url).resolve().as_uri()
    return url


KILL_ENV = "SKILLSYNC_TEST_KILL_AT"
# Another machine's run writing this target holds this ref (skillsync.concurrency).
LOCK_REF = "refs/skillsync/lock"
# Where `fetch_heads` puts the lock ref it sees, in the scratch repository only.
SEEN_LOCK_REF = "refs/skillsync-seen/lock"


@dataclass(frozen=True)
class Tip:
    """What a fetched branch head says of itself (read with its ref, no extra process)."""

    tree: str
    trailers: dict[str, str]


def parse_trailers(text: str) -> dict[str, str]:
    """`Key: value` lines (git's `%(trailers:only,unfold)`) -> dict; the last one wins."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if value:
            out[key.strip()] = value.strip()
    return out


def checkpoint(step: str) -> None:
    """Test hook for RELIABILITY 10: with SKILLSYNC_TEST_KILL_AT=<step> in the
    environment, the process SIGKILLs itself when it reaches <step>, so the
    kill tests can stop a real run at each step in turn. Steps, in order:
    locked, snapshot, push, pushed, applied, verified (see sync.sync_one)."""
    if os.environ.get(KILL_ENV) == step:
        os.kill(os.getpid(), signal.SIGKILL)


def remote_env(extra: Mapping[str, str]) -> dict[str, str]:
    """SERVE_ENV plus `extra` (an auth_env), with both GIT_CONFIG_* lists merged."""
    env = dict(SERVE_ENV)
    env.update({k: v for k, v in extra.items() if not k.startswith("GIT_CONFIG_")})
    n = int(env["GIT_CONFIG_COUNT"])
    i = 0
    while f"GIT_CONFIG_KEY_{i}" in extra:
        env[f"GIT_CONFIG_KEY_{n}"] = extra[f"GIT_CONFIG_KEY_{i}"]
        env[f"GIT_CONFIG_VALUE_{n}"] = extra[f"GIT_CONFIG_VALUE_{i}"]
        n += 1
        i += 1
    env["GIT_CONFIG_COUNT"] = str(n)
    return env


@dataclass
class Counters:
    """What a sync cost, for the log and the benchmarks."""

    ls_remote: int = 0
    clones: int = 0
    fetches: int = 0
    pushes: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(vars(self))


def _head_patterns(branches: Sequence[str], prefix: str) -> list[str]:
    patterns = [f"refs/heads/{b}" for b in branches]
    if prefix:
        patterns.append(f"refs/heads/{prefix}*")
    patterns.append(LOCK_REF)     # free in the same ls-remote: another run's lock
    return patterns


@dataclass
class TargetRepo:
    url: str
    env: dict[str, str]
    source_git_dir: Path | None = None
    counters: Counters = field(default_factory=Counters)
    git_dir: Path | None = None
    _tmp: tempfile.TemporaryDirectory[str] | None = None
    # What this repository object did, for the manual fallback (skillsync.fallback):
    built: list[str] = field(default_factory=list)     # commits build_commit made
    rejected: str | None = None                         # why the server refused a push
    # How build_commit signs (skillsync.signing.Signer; None or method api: git does not
    # sign, and for api GitHub makes the signed commit from the one built here).
    signer: Any = None
    _fetched: set[str] = field(default_factory=set)
    _in_place: bool = False
    _borrowed: bool = False
    # The lock ref the last `heads` saw (another run's, or a stale one), and lock refs
    # the next push deletes in the same atomic push (a stale lock taken over).
    seen_lock: str | None = None
    raced: bool = False        # the last push lost to a concurrent one (re-plan, retry)
    drop_refs: list[tuple[str, str]] = field(default_factory=list)
    # Branch -> head (None: absent) as this object last read them (`heads`, `fetch_heads`):
    # `open` fetches exactly these commits, and a snapshot records what the plan read.
    seen: dict[str, str | None] = field(default_factory=dict)
    # ref -> value a push must find there (--force-with-lease): a branch the plan read
    # and writes fast-forward from (push targets), so what it replaced is what was read.
    lease_on: dict[str, str | None] = field(default_factory=dict)
    # ref -> commit the server reported updated in our last successful push (its
    # report-status, in `push --porcelain`): skillsync.sync._ref_confirms reads it.
    pushed: dict[str, str] = field(default_factory=dict)
    _tips: dict[str, Tip] = field(default_factory=dict)

    # -- remote refs -------------------------------------------------------------
    def heads(self, branches: Sequence[str], *, prefix: str = "",
              timeout: float | None = None) -> dict[str, str]:
        """branch -> sha for the branches that exist on the remote (and, with `prefix`,
        every branch whose name starts with it)."""
        if self._in_place:
            # A repository on this machine is read in place: no transport at all.
            text = self.out(["for-each-ref", "--format=%(objectname) %(refname)",
                             *[f"refs/heads/{b}" for b in branches],
                             *([f"refs/heads/{prefix}"] if prefix else [])], timeout=timeout)
            refs = {name: sha for sha, _, name in (ln.partition(" ") for ln in
                                                   text.splitlines())}
        else:
            self.counters.ls_remote += 1
            try:
                refs = git.ls_remote(transport_url(self.url), _head_patterns(branches, prefix),
                                     env=self._env(), timeout=timeout)
            except GitError as exc:  # a 401/403 is said as such (RELIABILITY.md 17)
                raise gitauth.check(exc, "ls-remote", self.url) from None
        self.seen_lock = refs.get(LOCK_REF)
        out = {}
        for name, sha in refs.items():
            branch = name.removeprefix("refs/heads/")
            if name.startswith("refs/heads/") and (
                    branch in branches or (prefix and branch.startswith(prefix))):
                out[branch] = sha
        self.seen.update({b: out.get(b) for b in branches})
        self.seen.update({b: sha for b, sha in out.items() if b not in branches})
        return out

    def read_ahead(self) -> bool:
        """`heads_ahead` started the ls-remote `heads` would make (sync-target does, as
        its process starts): `heads` takes that answer, with its round trip overlapped."""
        return not self._in_place and git.ahead_of(transport_url(self.url))

    def fetch_heads(self, branches: Sequence[str], *, optional: Sequence[str] = (),
                    want: Sequence[str] = (), timeout: float | None = None) -> dict[str, str]:
        """`heads` and `open` in one git process: a fetch by ref name (its ls-refs is the
        ls-remote) of `branches` and `optional`, depth 1, no blobs, plus the objects named
        in `want` (e.g. a lock blob we expect). Three HTTP requests instead of five, and
        the tips' trees and trailers come back from one for-each-ref (`tip`).

        `optional` branches, and the lock ref another run may hold, are fetched by a glob
        (a missing ref matching a glob is no error; one named exactly is): the few other
        refs such a glob also matches (`skillsync/1.1.0-rc.1` beside `skillsync/1.1.0`)
        cost one commit and its trees each, and are not reported. When the fetch fails
        for any reason but a refused credential (a branch in `branches` that does not
        exist yet, an unreachable remote), this falls back to `heads` and `open`: rare,
        and then the same requests and the same error messages as those two."""
        assert not self._in_place, "a repository read in place is never written"
        self._init()
        self.counters.fetches += 1
        specs = [f"+refs/heads/{b}:refs/remotes/origin/{b}" for b in branches]
        specs += [f"+refs/heads/{b}*:refs/remotes/origin/{b}*" for b in optional]
        specs.append(f"+{LOCK_REF}*:{SEEN_LOCK_REF}*")
        try:
            try:
                self._fetch([*specs, *want], timeout=timeout)
            except GitError as exc:
                if not want or not _retryable(exc) or "couldn't find remote ref" in exc.stderr:
                    raise
                want = ()   # what we hoped to find is not served: read without it
                self._fetch(specs, timeout=timeout)
        except GitError as exc:
            auth = gitauth.error_for(exc.stderr, "ls-remote", self.url)
            if auth is not None:
                # Said as the ls-remote this fetch stands in for: its first request is
                # that ref listing, and `git ls-remote URL` shows the same refusal.
                raise auth from None
            if not _retryable(exc):   # a hung or crawling server is not asked twice
                from skillsync.urls import redact_url

                raise GitError(["fetch", redact_url(self.url)], exc.returncode,
                               exc.stderr) from None
            # A branch that does not exist, or anything else: the two steps one at a time
            # (the same reads, and the same errors, as before this fetch stood in for them).
            heads = self.heads([*branches, *optional], timeout=timeout)
            self.open([b for b in (*branches, *optional) if b in heads], timeout=timeout)
            return heads
        fmt = "%(objectname) %(tree)%00%(refname)%00%(trailers:only,unfold)%00"
        raw = self._git(["for-each-ref", f"--format={fmt}", "refs/remotes/origin/",
                         SEEN_LOCK_REF]).stdout.decode("utf-8", "replace")
        fields = raw.split("\0")
        out: dict[str, str] = {}
        self.seen_lock = None
        for i in range(0, len(fields) - 2, 3):
            shas, name, trailers = fields[i].split(), fields[i + 1], fields[i + 2]
            if not shas:
                continue
            if name == SEEN_LOCK_REF:
                self.seen_lock = shas[0]
                continue
            branch = name.removeprefix("refs/remotes/origin/")
            if branch in branches or branch in optional:
                out[branch] = shas[0]
                if len(shas) > 1:   # a commit (a hostile ref may name a tree or a blob)
                    self._tips[shas[0]] = Tip(shas[1], parse_trailers(trailers))
        self.seen.update({b: out.get(b) for b in (*branches, *optional)})
        self._fetched.update(want)
        return out

    def attach_local(self) -> bool:
        """Read a repository on this machine in place, read only (no transfer, no copy);
        False when the target is not a local repository. Only for reading: every write
        goes through `open`'s scratch repository and a push."""
        if not git.is_local(self.url):
            return False
        p = Path(self.url)
        for gd in (p, p / ".git"):
            if (gd / "objects").is_dir() and (gd / "HEAD").is_file():
                self.git_dir, self._in_place = gd, True
                return True
        return False

    def _env(self) -> dict[str, str]:
        # auth_env appends after our GIT_CONFIG_* entries
        return remote_env(self.env)

    @staticmethod
    def heads_ahead(url: str, env: Mapping[str, str], branches: Sequence[str], *,
                    prefix: str = "") -> None:
        """Start reading what `heads(branches, prefix=prefix)` of a TargetRepo(url, env)
        will ask, now (git.ls_remote_ahead): a job that knows its target overlaps the
        round trip with its own start-up."""
        git.ls_remote_ahead(transport_url(url), _head_patterns(branches, prefix),
                            env=remote_env(dict(env)))

    # -- local scratch repository -------------------------------------------------
    def _init(self) -> None:
        if self.git_dir is not None:
            return
        self._tmp = tempfile.TemporaryDirectory(prefix="skillsync-target-")
        self.git_dir = Path(self._tmp.name) / "repo.git"
        git.run(["init", "--bare", "-q", str(self.git_dir)])
        # One append instead of six `git config` processes (a measurable
        # share of a small target's sync). The URL carries no credential:
        # those travel in GIT_CONFIG_* variables only.
        url = transport_url(self.url).replace("\\", "\\\\").replace('"', '\\"')
        with open(self.git_dir / "config", "a", encoding="utf-8") as fh:
            fh.write(
                "[core]\n\trepositoryformatversion = 1\n"
                "[extensions]\n\tpartialclone = origin\n"
                f'[remote "origin"]\n\turl = "{url}"\n'
                "\tfetch = +refs/heads/*:refs/remotes/origin/*\n"
                "\tpromisor = true\n\tpartialclonefilter = blob:none\n"
                + (f"\tuploadpack = {LOCAL_UPLOAD_PACK}\n" if url.startswith("file:") else "")
            )

    def _fetch(self, specs: Sequence[str], *, timeout: float | None = None) -> None:
        self._git(["fetch", "-q", "--depth=1", "--filter=blob:none", "--no-tags",
                   "--no-write-fetch-head", "origin", *specs], timeout=timeout)

    def open(self, branches: Sequence[str], *, want: Sequence[str] = (),
             timeout: float | None = None) -> Path:
        """Shallow, blob-less copy of `branches` (those that exist) in a temp dir, plus
        the objects named in `want`. A branch whose head `heads` just read is fetched
        by that commit id: the fetch then needs no ls-refs of its own (two HTTP requests,
        not three), and it gets exactly the commit the caller planned on."""
        assert not self._in_place, "a repository read in place is never written"
        self._init()
        if branches or want:
            self.counters.fetches += 1
            specs = [f"+{self.seen[b]}:refs/remotes/origin/{b}" if self.seen.get(b)
                     else f"+refs/heads/{b}:refs/remotes/origin/{b}" for b in branches]
            try:
                try:
                    self._fetch([*specs, *want], timeout=timeout)
                except GitError as exc:
                    if not want or not specs or not _retryable(exc):
                        raise
                    want = ()   # what we hoped to find is not served: read without it
                    self._fetch(specs, timeout=timeout)
            except GitError as exc:
                raise gitauth.check(exc, "fetch", self.url) from None
            self._fetched.update(want)
        assert self.git_dir is not None
        return self.git_dir

    def _borrow(self) -> None:
        """Lend the source's objects to the scratch repository (objects/info/alternates),
        before the first commit is built: the push sends the release's blobs from there.
        Not at `open`: a no-op never needs the source, and opening it costs processes."""
        if self.source_git_dir is None or self._borrowed or self.git_dir is None:
            return
        alt = self.git_dir / "objects" / "info" / "alternates"
        alt.write_text(str(Path(self.source_git_dir).resolve() / "objects") + "\n")
        self._borrowed = True

    def fetch_commits(self, shas: Iterable[str]) -> None:
        """Fetch these commits (depth 1, no blobs) into the scratch repository.

        Presence is judged from the refs we fetched and the commits we made, not
        by asking git: in a partial clone, looking up a missing commit would
        lazily fetch it together with its whole history."""
        assert self.git_dir is not None
        have = set(self.out(["for-each-ref", "--format=%(objectname)"]).split())
        have |= set(self.built) | self._fetched
        want = [s for s in dict.fromkeys(shas) if s and s not in have]
        if want:
            self.counters.fetches += 1
            self._fetch(want)
            self._fetched.update(want)

    def _git(self, args: Sequence[str], **kw: Any) -> Any:
        assert self.git_dir is not None
        return git.run(["--git-dir", str(self.git_dir), *args], env=self._env(), **kw)

    def out(self, args: Sequence[str], **kw: Any) -> str:
        return str(self._git(args, **kw).stdout.decode("utf-8", "replace").strip())

    def close(self) -> None:
        if self._in_place:
            self.git_dir, self._in_place = None, False
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None
            self.git_dir = None

    def __enter__(self) -> TargetRepo:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- reading ------------------------------------------------------------------
    def tree(self, commit: str, prefixes: Iterable[str]) -> dict[str, tuple[str, str]]:
        """path -> (mode, blob) for every entry under `prefixes` at `commit`."""
        pfx = sorted({p.rstrip("/") for p in prefixes if p})
        if not pfx:
            return {}
        raw = self._git(["ls-tree", "-r", "-z", "--full-tree", commit, "--", *pfx]).stdout
        entries: dict[str, tuple[str, str]] = {}
        for rec in raw.decode("utf-8", "surrogateescape").split("\0"):
            if not rec:
                continue
            meta, _, path = rec.partition("\t")
            mode, _type, sha = meta.split()
            entries[path] = (mode, sha)
        return entries

    def blob(self, commit: str, path: str) -> bytes | None:
        proc = self._git(["cat-file", "blob", f"{commit}:{path}"], check=False)
        if proc.returncode != 0:
            return None
        return bytes(proc.stdout)

    def read_lock(self, commit: str, path: str) -> Lock | None:
        raw = self.blob(commit, path)
        try:
            return parse_lock(raw)
        except LockError as exc:
            raise TargetError(f"{path}: {exc}") from None

    # -- writing ------------------------------------------------------------------
    def hash_object(self, data: bytes) -> str:
        return self.out(["hash-object", "-w", "--stdin"], input=data)

    def build_commit(
        self,
        parent: str | None,
        changes: Mapping[str, tuple[str, str] | None],
        message: str,
        *,
        within: Sequence[str],
        stamp_tree: bool = False,
    ) -> str:
        """A commit on `parent` with `changes` (path -> (mode, blob), or None to
        delete); returns `parent` itself when the tree would not change.

        Containment is proved here, in the one place commits are built (issue 12):
        every path must pass the path policy, the index is fed NUL-terminated records
        (a newline in a name cannot inject an entry), and the finished tree is diffed
        against `parent`: a change to any path outside `within` (directories, or files
        skillsync owns by name) means no commit and a TargetError naming the path.

        `stamp_tree` adds the trailer `Skillsync-Tree: <the commit's own tree id>`: a
        later run trusts the head's other trailers ("this is the sync commit of release
        X", a no-op without reading a blob) only while the head's tree is still that
        one, so an amended or copied message over other files is never taken for ours."""
        from skillsync import paths

        assert self.git_dir is not None
        self._borrow()
        for path in changes:
            problem = paths.problem(path)
            if problem:
                raise TargetError(f"refusing to write '{paths.show(path)}': {problem}")
        index = self.git_dir / "skillsync.index"
        env = {**self._env(), "GIT_INDEX_FILE": str(index)}
        gd = ["--git-dir", str(self.git_dir)]
        records = b"".join(
            (f"0 {'0' * 40}\t" if entry is None else f"{entry[0]} {entry[1]}\t").encode()
            + path.encode("utf-8", "surrogateescape") + b"\0"
            for path, entry in sorted(changes.items())
        )
        try:
            if parent:
                git.run([*gd, "read-tree", parent], env=env)
            git.run([*gd, "update-index", "--add", "--remove", "-z", "--index-info"], env=env,
                    input=records)
            # --missing-ok: the downstream's own blobs are on its remote already; a plain
            # write-tree would lazily download every one of them (134 MB vs 11 MB in the bench).
            tree = git.run([*gd, "write-tree", "--missing-ok"], env=env).stdout.decode().strip()
        finally:
            index.unlink(missing_ok=True)
        if parent and (self._tips[parent].tree if parent in self._tips
                       else self.out(["rev-parse", f"{parent}^{{tree}}"])) == tree:
            return parent
        outside = [p for p in self.changed_paths(parent, tree)
                   if not any(paths.inside(p, root) for root in within)]
        if outside:
            raise TargetError(
                f"refusing to push: the sync commit would change '{paths.show(outside[0])}'"
                + (f" and {len(outside) - 1} more path(s)" if len(outside) > 1 else "")
                + " outside " + ", ".join(paths.show(r) for r in within) + "; nothing pushed")
        if stamp_tree:
            message = message.rstrip("\n") + f"\nSkillsync-Tree: {tree}\n"
        from skillsync import signing

        # Signed (target `signing:` ssh or gpg) only after containment is proved: the key
        # is on disk for this one commit-tree and never reaches argv or a log.
        with signing.commit_options(self.signer) as (sign_opts, sign_env):
            args = [*git.IDENTITY, *sign_opts, *gd, "commit-tree",
                    *(["-S"] if sign_opts else []), tree, "-F", "-"]
            if parent:
                args += ["-p", parent]
            proc = git.run(args, env={**self._env(), **sign_env}, input=message.encode(),
                           check=not sign_opts)
        if proc.returncode != 0:
            raise signing.failed(self.signer, proc.stderr.decode("utf-8", "replace"))
        sha = proc.stdout.decode().strip()
        self.built.append(sha)
        return sha

    def changed_paths(self, old: str | None, new: str) -> list[str]:
        """Every path whose entry differs between tree-ish `old` (None: empty) and `new`,
        from tree objects alone (no blob is read, so a blob-less clone suffices)."""
        if old:
            args = ["diff-tree", "-r", "-z", "--no-renames", "--name-only", old, new]
        else:
            args = ["ls-tree", "-r", "-z", "--full-tree", "--name-only", new]
        raw = self._git(args).stdout
        return [p.decode("utf-8", "surrogateescape") for p in raw.split(b"\0") if p]

    def check_dirs(self, commit: str, dirs: Iterable[str]) -> None:
        """Every directory we may write into must be a plain directory (or absent) in
        the target's tree at `commit`, all the way down: a `dest` that passes through a
        symlink, a submodule or a file committed downstream is refused, not replaced."""
        from skillsync import paths

        prefixes = sorted({"/".join(d.split("/")[:i]) for d in dirs
                           for i in range(1, len(d.split("/")) + 1)})
        if not prefixes:
            return
        raw = self._git(["ls-tree", "-z", "--full-tree", commit, "--", *prefixes]).stdout
        kinds = {"120000": "a symlink", "160000": "a submodule"}
        for rec in raw.split(b"\0"):
            meta, _, name = rec.partition(b"\t")
            path = name.decode("utf-8", "surrogateescape")
            if not rec or path not in prefixes:
                continue
            mode = meta.split()[0].decode()
            if mode != "040000":
                what = kinds.get(mode, "a file")
                under = [d for d in sorted(dirs) if paths.inside(d, path)]
                raise TargetError(
                    f"'{paths.show(under[0] if under else path)}' passes through "
                    f"'{paths.show(path)}', which is {what} in the target; refusing to write "
                    "there (make it a plain directory, or choose another dest)")

    def push(self, refspecs: Sequence[str], *, leases: Sequence[str] = ()) -> None:
        """Push atomically (all refs or none); `leases` are --force-with-lease=ref:expect.
        A ref in `lease_on` is leased on that value unless `leases` names it: a branch
        pushed fast-forward from the head the plan read must still be at that head, so
        the snapshot of that head is exactly what the push replaced. On success `pushed`
        holds what the server reported it updated (its report-status, per ref)."""
        self._borrow()
        self.counters.pushes += 1
        refspecs = [*refspecs, *(f":{ref}" for ref, _ in self.drop_refs)]
        leases = [*leases, *(f"{ref}:{sha}" for ref, sha in self.drop_refs)]
        named = {lease.partition(":")[0] for lease in leases}
        dests = {spec.partition(":")[2] for spec in refspecs}
        guarded = {ref: old for ref, old in self.lease_on.items()
                   if ref in dests and ref not in named}
        leases += [f"{ref}:{old or ''}" for ref, old in guarded.items()]
        args = ["push", "--atomic", "--porcelain",
                *[f"--force-with-lease={lease}" for lease in leases], "origin", *refspecs]
        checkpoint("push")
        proc = self._git(args, check=False)
        if proc.returncode != 0:
            stdout = proc.stdout.decode("utf-8", "replace")
            stderr = proc.stderr.decode("utf-8", "replace")
            err = gitauth.error_for(stderr, "push", self.url) \
                or TargetError(push_failure(stdout, stderr, fast_forward=bool(guarded)))
            text = stdout + stderr
            self.raced = pushed_into_a_race(text) or "non-fast-forward" in text \
                or "fetch first" in text or "stale info" in text
            self.rejected = None if self.raced else str(err)
            raise err
        for ref, sha in pushed_refs(proc.stdout.decode("utf-8", "replace")).items():
            if sha:
                self.pushed[ref] = sha
            else:
                self.pushed.pop(ref, None)
        checkpoint("pushed")

    def tip(self, commit: str) -> Tip:
        """Tree and trailers of `commit` (fetched): from `fetch_heads`'s one for-each-ref
        when it read this commit, else one `git log`."""
        if commit not in self._tips:
            raw = self.out(["log", "-1", "--format=%T%x00%(trailers:only,unfold)", commit])
            tree, _, text = raw.partition("\0")
            self._tips[commit] = Tip(tree.strip(), parse_trailers(text))
        return self._tips[commit]

    def parents(self, commit: str) -> list[str]:
        """The parents `commit` names (read from the object itself: in a shallow
        repository git's own views show a commit at the boundary without them)."""
        raw = self.out(["cat-file", "commit", commit])
        head = raw.partition("\n\n")[0]
        return [ln.split()[1] for ln in head.splitlines()
                if ln.startswith("parent ") and len(ln.split()) == 2]

    def trailers(self, commit: str) -> dict[str, str]:
        return dict(self.tip(commit).trailers)


def pushed_refs(porcelain: str) -> dict[str, str]:
    """ref -> commit for every ref `git push --porcelain` reports updated or already
    there ("" for one it deleted): its lines are `<flag>\t<from>:<to>\t<summary>`,
    printed from the server's report-status (`ok <ref>`), so they are the server's own
    answer for each ref, not what we asked for."""
    out: dict[str, str] = {}
    for line in porcelain.splitlines():
        flag, _, rest = line.partition("\t")
        src, _, dst = rest.partition("\t")[0].partition(":")
        if not dst.startswith("refs/"):
            continue
        if flag in (" ", "+", "*", "=") and git.SHA_RE.match(src):
            out[dst] = src
        elif flag == "-":
            out[dst] = ""
    return out


def push_failure(stdout: str, stderr: str, *, fast_forward: bool = False) -> str:
    """One line that says why the server refused a push (porcelain status + remote text).
    `fast_forward`: the lease only guarded a fast-forward from the head we planned on,
    so a stale lease is said as what it means there: the branch moved on."""
    from skillsync.secrets import redact

    status = [ln.split("\t")[-1].strip() for ln in stdout.splitlines() if ln.startswith("!")]
    remote = [ln.removeprefix("remote:").strip() for ln in stderr.splitlines()
              if ln.startswith("remote:") and ln.removeprefix("remote:").strip()]
    errors = [ln.strip() for ln in stderr.splitlines() if ln.startswith(("error:", "fatal:"))]
    detail = "; ".join([*status, *remote[-3:]] or errors[-2:] or ["no reason given"])
    text = stdout + stderr
    if pushed_into_a_race(text):
        msg = ("push refused: the branch moved on while we pushed (another run?); never "
               f"forced ({detail})")
    elif "non-fast-forward" in text or "fetch first" in text:
        msg = f"push refused: the branch moved on (non-fast-forward); never forced ({detail})"
    elif "stale info" in text and fast_forward:
        msg = ("push refused: the branch moved on since we read it (non-fast-forward from "
               f"the head we planned on); never forced ({detail})")
    elif "stale info" in text:
        msg = f"push refused: the branch changed since we read it (lease) ({detail})"
    elif (code := gitauth.status_of(stderr)) is not None:
        msg = f"push refused: HTTP {code}: {gitauth.advice(None, code, 'push')} ({detail})"
    else:
        msg = f"push rejected: {detail}"
    return redact(msg)


def pushed_into_a_race(text: str) -> bool:
    """The server refused our push because another push to the same ref won between our
    read and our write (it updated the ref first): a re-plan, not a person, resolves it."""
    return ("cannot lock ref" in text and "but expected" in text) or (
        "atomic transaction failed" in text and "is at" in text)


def _retryable(exc: GitError) -> bool:
    """Worth another request: not a timeout, not a transfer too slow to go on (a hung
    server must not cost the run its timeout twice, RELIABILITY.md 20)."""
    text = exc.stderr.lower()
    return exc.returncode != -1 and "too slow" not in text and "timed out" not in text


def path_prefixes(paths: Iterable[str]) -> list[str]:
    """The fewest directories (pathspecs) that cover `paths`, for one ls-tree call."""
    dirs = sorted({posixpath.dirname(p) or p for p in paths})
    out: list[str] = []
    for d in dirs:
        if not any(d == o or d.startswith(o + "/") for o in out):
            out.append(d)
    return out


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def rmtree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
