"""Signed sync commits (issue 16): what a target's `signing:` asks for.

Many organisations protect their default branch with "Require signed commits", which
refuses every unsigned push. Two ways to sign, per target:

- `ssh` / `gpg`: git signs the commit itself (`commit-tree -S`, in
  downstream.TargetRepo.build_commit, the one place commits are built). The private key
  comes from the environment variable the target names (`signing.key_env`; never the
  key, never a file path in the target file). It is registered as a secret when read,
  and it is on disk only while the one `commit-tree` runs: a 0600 file in a 0700
  temporary directory (ssh, `gpg.format=ssh` + `user.signingkey=<file>`), or a temporary
  GNUPGHOME it is imported into (gpg), removed right after.
- `api`: GitHub creates the commit and signs it (GitHub marks commits it creates through
  its API for a GitHub App or the Actions token as verified). The commit is still built
  here first, so the containment proof of build_commit covers its tree; `publish` then
  pushes that commit's objects to a temporary ref (`refs/skillsync/tmp/<sha>`: the
  tree and blobs must exist on GitHub before the API can name them), asks
  `POST /repos/{o}/{r}/git/commits` for a commit with exactly that tree and those
  parents (checked in the answer), moves the branch with the git refs API
  (fast-forward only, so a person's push in between is refused, never overwritten),
  and deletes the temporary ref. Why not createCommitOnBranch or the contents API: they
  take file contents, not a tree, so file modes (an executable `scripts/run.sh`) would
  be lost, every file would travel base64 in a JSON body, and the tree GitHub makes
  would no longer be the one containment was proved on.

A dry run never reaches any of this: it plans, it does not commit.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from skillsync import secrets
from skillsync.errors import TargetError

if TYPE_CHECKING:
    from skillsync.downstream import TargetRepo
    from skillsync.model import Target

TMP_REF_PREFIX = "refs/skillsync/tmp/"
_GPG_TIMEOUT = 60.0


class SigningError(TargetError):
    """The signing key is missing or unusable: the message names the variable and the fix
    (a per-target failure). Not an AuthError: the target did not refuse us, so no manual
    fallback bundle is written; set the variable and sync again."""


@dataclass(frozen=True)
class Signer:
    """A target's signing method with its key (read from the environment); `repr` never
    shows the key."""

    method: str                          # ssh | gpg | api
    key_env: str | None = None
    key: str | None = field(default=None, repr=False)

    @property
    def signs_locally(self) -> bool:
        return self.method in ("ssh", "gpg")


def signer_for(target: Target, env: Mapping[str, str] | None = None) -> Signer | None:
    """The target's Signer, its key read from the variable it names now; None when the
    target does not sign. SigningError when the variable is unset or empty."""
    from skillsync.paths import show

    s = target.signing
    if s is None:
        return None
    if s.method == "api":
        return Signer("api")
    value = secrets.from_env(s.key_env or "", env) if s.key_env else None
    if not value or not value.strip():
        raise SigningError(
            f"signing key variable {s.key_env} is not set or empty (signing method {s.method} "
            f"in {show(str(target.source_file))}): export the private key's text in it "
            "(docs/security.md, 'Signing keys')")
    key = value.replace("\\n", "\n") if "\\n" in value and "\n" not in value.strip() else value
    key = key.strip() + "\n"    # ssh-keygen refuses a key file without its final newline
    secrets.register(key)
    secrets.register(key.strip())
    return Signer(s.method, s.key_env, key)


@contextlib.contextmanager
def commit_options(signer: Signer | None) -> Iterator[tuple[list[str], dict[str, str]]]:
    """(git -c options, environment) that make `commit-tree -S` sign with `signer`'s key;
    ([], {}) when the commit is not signed by git. The key is on disk only inside this
    block."""
    if signer is None or not signer.signs_locally:
        yield [], {}
        return
    assert signer.key is not None
    tmp = Path(tempfile.mkdtemp(prefix="skillsync-sign-"))   # 0700
    home = tmp / "gnupg"
    try:
        if signer.method == "ssh":
            keyfile = tmp / "key"
            fd = os.open(keyfile, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(signer.key)
            yield ["-c", "gpg.format=ssh", "-c", f"user.signingkey={keyfile}"], {}
        else:
            home.mkdir(mode=0o700)
            fingerprint = _gpg_import(home, signer)
            yield (["-c", "gpg.format=openpgp", "-c", f"user.signingkey={fingerprint}"],
                   {"GNUPGHOME": str(home)})
    finally:
        if home.is_dir():
            _gpg(home, ["gpgconf", "--kill", "gpg-agent"], check=False)
        shutil.rmtree(tmp, ignore_errors=True)


def failed(signer: Signer, reason: str) -> SigningError:
    """git could not sign: say with what, never with the key."""
    last = reason.strip().splitlines()[-1] if reason.strip() else "no reason given"
    return SigningError(
        f"signing the sync commit failed (signing method {signer.method}, key in "
        f"${signer.key_env}): {secrets.redact(last)}; "
        "check that the variable holds an unencrypted private key (docs/security.md, "
        "'Signing keys'); nothing pushed")


# gpg is the one program besides git that skillsync runs, and only here: git signs with
# it, and a key must be imported into a keyring before git can name it.
def _gpg(home: Path, argv: list[str], *, input: bytes | None = None,
         check: bool = True) -> subprocess.CompletedProcess[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env["GNUPGHOME"] = str(home)
    try:
        proc = subprocess.run(argv, input=input, capture_output=True, env=env,
                              timeout=_GPG_TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        if not check:
            return subprocess.CompletedProcess(argv, 1, b"", b"")
        raise SigningError(f"cannot run {argv[0]} ({type(exc).__name__}): install GnuPG "
                           "for signing method gpg") from None
    if check and proc.returncode != 0:
        raise SigningError(f"{argv[0]} {argv[1]} failed (exit {proc.returncode})")
    return proc


def _gpg_import(home: Path, signer: Signer) -> str:
    assert signer.key is not None
    try:
        _gpg(home, ["gpg", "--batch", "--quiet", "--import"], input=signer.key.encode())
        listing = _gpg(home, ["gpg", "--batch", "--with-colons", "--list-secret-keys"])
    except SigningError:
        raise SigningError(
            f"${signer.key_env} does not hold an OpenPGP secret key gpg can import (signing "
            "method gpg): put the output of `gpg --armor --export-secret-keys KEYID` in it, "
            "for a key without passphrase") from None
    fingerprints = []
    after_sec = False
    for line in listing.stdout.decode("utf-8", "replace").splitlines():
        fields = line.split(":")
        if fields[0] == "sec":
            after_sec = True
        elif fields[0] == "fpr" and after_sec and len(fields) > 9:
            fingerprints.append(fields[9])
            after_sec = False
    if not fingerprints:
        raise SigningError(f"${signer.key_env} holds no OpenPGP secret key (signing method "
                           "gpg): export the secret key, not the public one")
    return fingerprints[0]


# -- putting a commit on a branch ---------------------------------------------------------------
def publish(repo: TargetRepo, target: Target, token: str | None, commit: str, branch: str, *,
            old: str | None, lease: bool, log: Any = None) -> str:
    """Put `commit` on `branch` of the target and return the commit the branch now
    points at: a git push (fast-forward only; with `lease`, leased on `old`, None =
    the branch must not exist), or for `signing: api` a commit GitHub creates with the
    same tree and parents (docstring of this module)."""
    if target.signing is None or target.signing.method != "api":
        repo.push([f"{commit}:refs/heads/{branch}"],
                  leases=[f"refs/heads/{branch}:{old or ''}"] if lease else [])
        return commit
    return _api_publish(repo, target, token, commit, branch, old=old, log=log)


def _api_publish(repo: TargetRepo, target: Target, token: str | None, commit: str,
                 branch: str, *, old: str | None, log: Any) -> str:
    from skillsync import forge

    if target.forge is None or not target.forge.repository:
        raise TargetError("signing method api needs forge.repository in the target file")
    if not token:
        raise SigningError(f"signing method api needs a token: {target.auth.env or 'auth.env'} "
                           "is not set")
    raw = repo.out(["cat-file", "commit", commit])
    header, _, message = raw.partition("\n\n")
    tree = next(ln.split()[1] for ln in header.splitlines() if ln.startswith("tree "))
    parents = [ln.split()[1] for ln in header.splitlines() if ln.startswith("parent ")]
    tmp = f"{TMP_REF_PREFIX}{commit}"
    repository = target.forge.repository
    # The objects travel by git (one pack, modes kept); the ref is ours by name, so it may
    # be replaced when a killed run left it behind.
    repo.push([f"+{commit}:{tmp}"])
    try:
        with forge.GitHub(target.forge.api_url, token, token_env=target.auth.env) as gh:
            made = gh.create_commit(repository, message=message + ("\n" if message and
                                                                   not message.endswith("\n")
                                                                   else ""),
                                    tree=tree, parents=parents)
            sha = str(made.get("sha") or "")
            got_tree = str((made.get("tree") or {}).get("sha") or "")
            got_parents = [str(p.get("sha")) for p in made.get("parents") or []
                           if isinstance(p, dict)]
            if got_tree != tree or got_parents != parents:
                raise TargetError(
                    f"POST /repos/{repository}/git/commits: GitHub answered a commit with "
                    f"tree {got_tree[:12]} and parents {[p[:12] for p in got_parents]}, not the "
                    f"tree {tree[:12]} skillsync built and checked; branch {branch} not moved")
            verified = bool((made.get("verification") or {}).get("verified"))
            if old is None:
                gh.create_ref(repository, f"refs/heads/{branch}", sha)
            else:
                gh.update_ref(repository, f"heads/{branch}", sha, force=False)
            if log is not None:
                log("signing", "ok" if verified else "warning",
                    f"GitHub created commit {sha[:12]} on {branch} "
                    + ("(verified)" if verified else
                       "(not verified: GitHub signs API commits of a GitHub App or the "
                       "Actions token, not of a personal token)"),
                    commit=sha, verified=verified, calls=gh.calls)
    finally:
        try:
            repo.push([f":{tmp}"])
        except TargetError as exc:   # a leftover ref is untidy, not a failed sync
            if log is not None:
                log("signing", "warning", f"could not delete {tmp}: {exc}")
    return sha
