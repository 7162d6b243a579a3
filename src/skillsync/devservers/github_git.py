"""The loopback GitHub's repository side (issue 16): the git data API (create a commit,
read it back with its `verification`, create and move refs) over a real bare repository
attached with `FakeGitHub.attach_git`, the repository itself (`GET /repos/{o}/{r}` with
the caller's `permissions`), and classic branch protection (`protect`), enforced on the
ref updates it serves the way GitHub does: a branch that requires signed commits refuses
a commit GitHub did not verify, one that requires reviews refuses any direct update.

GitHub signs the commits it creates through the API for a GitHub App or the Actions
token; this server marks every commit it creates as verified unless
`api_commits_verified` is False (what a personal token gets). It cannot check a git
signature itself: a signature rule for pushes is a `pre-receive` hook on the bare
repository (tests/test_signing.py).
"""

from __future__ import annotations

import datetime as dt
import os
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from skillsync.devservers._base import Recorded, Reply

DOCS = "https://docs.github.com/rest"
_ZERO = "0" * 40
WEB_FLOW = ("GitHub", "noreply@github.com")     # who GitHub's API commits are committed by


@dataclass
class Protection:
    required_signatures: bool = False
    required_reviews: int = 0                   # approving reviews; > 0: PRs only
    status_checks: tuple[str, ...] = ()
    enforce_admins: bool = False


@dataclass
class RepoSide:
    """What a fake repository holds besides issues and pull requests."""

    git_dir: Path | None = None
    verified: set[str] = field(default_factory=set)      # commits GitHub made and signed
    protection: dict[str, Protection] = field(default_factory=dict)


def _git(git_dir: Path, args: list[str], *, input: bytes | None = None,
         env: dict[str, str] | None = None, check: bool = True) -> str:
    from skillsync import git

    proc = git.run(["--git-dir", str(git_dir), *args], input=input, env=env, check=check)
    return proc.stdout.decode("utf-8", "replace").strip() if proc.returncode == 0 else ""


def _ok(git_dir: Path, args: list[str]) -> bool:
    from skillsync import git

    return git.run(["--git-dir", str(git_dir), *args], check=False).returncode == 0


def _not_found(message: str = "Not Found") -> Reply:
    return Reply(404, {"message": message, "documentation_url": DOCS, "status": "404"})


def _unprocessable(message: str) -> Reply:
    return Reply(422, {"message": message, "documentation_url": DOCS, "status": "422"})


class GitSideMixin:
    """Route handlers `_<kind>_<method>` for FakeGitHub (which holds `_lock`, `repos`)."""

    api_commits_verified: bool = True
    token_permissions: dict[str, bool]
    token_scopes: str | None

    login: str      # provided by FakeGitHub

    @property
    def url(self) -> str:  # pragma: no cover - FakeGitHub's
        raise NotImplementedError

    def _side(self, repo: Any) -> RepoSide:
        side: RepoSide = repo.side
        return side

    def _git_dir(self, repo: Any) -> Path:
        gd = self._side(repo).git_dir
        if gd is None:
            raise Reply(409, {"message": "Git Repository is empty.", "documentation_url": DOCS,
                              "status": "409"})
        return gd

    def _web(self) -> str:  # pragma: no cover - FakeGitHub's
        raise NotImplementedError

    def _user(self, login: str) -> dict[str, Any]:  # pragma: no cover - FakeGitHub's
        raise NotImplementedError

    def _repository(self, repo: Any) -> dict[str, Any]:  # pragma: no cover - FakeGitHub's
        raise NotImplementedError

    # -- the repository ---------------------------------------------------------------------
    def _repository_get(self, rec: Recorded, repo: Any, _: None) -> tuple[int, Any, dict[str, str]]:
        obj = dict(self._repository(repo))
        obj.update({"has_discussions": False, "network_count": 0, "subscribers_count": 0,
                    "visibility": "public", "allow_forking": True,
                    "web_commit_signoff_required": False, "delete_branch_on_merge": False,
                    "pushed_at": obj.get("pushed_at") or obj.get("updated_at")})
        headers: dict[str, str] = {}
        if not rec.extra.get("grant"):
            # A user's token: its role on the repository (an App token has permissions
            # of its own, not a role; GitHub leaves this out for it).
            obj["permissions"] = dict(self.token_permissions)
            if self.token_scopes is not None:
                headers["X-OAuth-Scopes"] = self.token_scopes
        return 200, obj, headers

    # -- branch protection ------------------------------------------------------------------
    def _protection_get(self, rec: Recorded, repo: Any, _: None) -> tuple[int, Any, dict[str, str]]:
        branch = str(rec.extra["match"]["branch"])
        if not rec.extra.get("grant") and not self.token_permissions.get("admin"):
            raise Reply(403, {"message": "Must have admin rights to Repository.",
                              "documentation_url": DOCS, "status": "403"})
        rule = self._side(repo).protection.get(branch)
        if rule is None:
            raise _not_found("Branch not protected")
        base = f"{self.url}/repos/{repo.full_name}/branches/{branch}/protection"
        obj: dict[str, Any] = {
            "url": base,
            "enforce_admins": {"url": f"{base}/enforce_admins", "enabled": rule.enforce_admins},
            "required_signatures": {"url": f"{base}/required_signatures",
                                    "enabled": rule.required_signatures},
            "required_linear_history": {"enabled": False},
            "allow_force_pushes": {"enabled": False},
            "allow_deletions": {"enabled": False},
            "block_creations": {"enabled": False},
            "required_conversation_resolution": {"enabled": False},
            "lock_branch": {"enabled": False},
            "allow_fork_syncing": {"enabled": False},
        }
        if rule.required_reviews:
            obj["required_pull_request_reviews"] = {
                "url": f"{base}/required_pull_request_reviews", "dismiss_stale_reviews": False,
                "require_code_owner_reviews": False,
                "required_approving_review_count": rule.required_reviews,
                "require_last_push_approval": False}
        if rule.status_checks:
            obj["required_status_checks"] = {
                "url": f"{base}/required_status_checks", "strict": True,
                "contexts": list(rule.status_checks),
                "contexts_url": f"{base}/required_status_checks/contexts",
                "checks": [{"context": c, "app_id": None} for c in rule.status_checks]}
        return 200, obj, {}

    # -- git data -----------------------------------------------------------------------------
    def _git_commits_post(self, rec: Recorded, repo: Any,
                          _: None) -> tuple[int, Any, dict[str, str]]:
        gd = self._git_dir(repo)
        body = rec.body if isinstance(rec.body, dict) else {}
        tree, parents = body.get("tree"), body.get("parents") or []
        if not isinstance(body.get("message"), str) or not isinstance(tree, str):
            raise _unprocessable("Invalid request.\n\n\"message\", \"tree\" weren't supplied.")
        if _git(gd, ["cat-file", "-t", tree], check=False) != "tree":
            raise _unprocessable("Tree SHA does not exist")
        for p in parents:
            if not isinstance(p, str) or _git(gd, ["cat-file", "-t", p], check=False) != "commit":
                raise _unprocessable("Parent SHA does not exist or is not a commit object")
        author = (self.login, f"{zlib.crc32(self.login.encode()) % 100000 + 1}+{self.login}"
                              "@users.noreply.github.com")
        env = {"GIT_AUTHOR_NAME": author[0], "GIT_AUTHOR_EMAIL": author[1],
               "GIT_COMMITTER_NAME": WEB_FLOW[0], "GIT_COMMITTER_EMAIL": WEB_FLOW[1]}
        for key in ("GIT_AUTHOR_DATE", "GIT_COMMITTER_DATE"):
            if os.environ.get(key):
                env[key] = os.environ[key]
        args = ["commit-tree", tree, *[a for p in parents for a in ("-p", p)], "-F", "-"]
        sha = _git(gd, args, input=str(body["message"]).encode(), env=env)
        # GitHub signs what it commits for an App or the Actions token; not a person's
        # own author/committer, and not when this server plays a personal token.
        if self.api_commits_verified and not (body.get("author") or body.get("committer")
                                              or body.get("signature")):
            self._side(repo).verified.add(sha)
        return 201, self._git_commit(repo, sha), {}

    def _git_commit_get(self, rec: Recorded, repo: Any, _: None) -> tuple[int, Any, dict[str, str]]:
        gd = self._git_dir(repo)
        sha = str(rec.extra["match"]["sha"])
        if _git(gd, ["cat-file", "-t", sha], check=False) != "commit":
            raise _not_found()
        return 200, self._git_commit(repo, sha), {}

    def _git_refs_post(self, rec: Recorded, repo: Any, _: None) -> tuple[int, Any, dict[str, str]]:
        gd = self._git_dir(repo)
        body = rec.body if isinstance(rec.body, dict) else {}
        ref, sha = body.get("ref"), body.get("sha")
        if not isinstance(ref, str) or not ref.startswith("refs/") or ref.count("/") < 2 \
                or not isinstance(sha, str):
            raise _unprocessable("Reference name is invalid" if isinstance(ref, str)
                                 else "Invalid request.")
        if _git(gd, ["cat-file", "-t", sha], check=False) != "commit":
            raise _unprocessable("Object does not exist")
        self._check_protection(repo, ref, None, sha)
        if not _ok(gd, ["update-ref", ref, sha, _ZERO]):
            raise _unprocessable("Reference already exists")
        return 201, self._git_ref(repo, ref, sha), {}

    def _git_ref_patch(self, rec: Recorded, repo: Any, _: None) -> tuple[int, Any, dict[str, str]]:
        gd = self._git_dir(repo)
        ref = "refs/" + str(rec.extra["match"]["ref"])
        body = rec.body if isinstance(rec.body, dict) else {}
        sha, force = body.get("sha"), bool(body.get("force"))
        old = _git(gd, ["rev-parse", "--verify", "-q", ref], check=False)
        if not old:
            raise _unprocessable("Reference does not exist")
        if not isinstance(sha, str) or _git(gd, ["cat-file", "-t", sha], check=False) != "commit":
            raise _unprocessable("Object does not exist")
        if not force and old != sha and not _ok(gd, ["merge-base", "--is-ancestor", old, sha]):
            raise _unprocessable("Update is not a fast forward")
        self._check_protection(repo, ref, old, sha)
        if not _ok(gd, ["update-ref", ref, sha, old]):   # moved meanwhile: not ours to undo
            raise _unprocessable("Update is not a fast forward")
        return 200, self._git_ref(repo, ref, sha), {}

    def _check_protection(self, repo: Any, ref: str, old: str | None, new: str) -> None:
        branch = ref.removeprefix("refs/heads/") if ref.startswith("refs/heads/") else None
        rule = self._side(repo).protection.get(branch or "")
        if rule is None:
            return
        head = f"Protected branch update failed for {ref}"
        if rule.required_reviews:
            raise _unprocessable(f"{head}: Changes must be made through a pull request.")
        if rule.status_checks:
            raise _unprocessable(f"{head}: Required status checks "
                                 f"{', '.join(rule.status_checks)} are expected.")
        if rule.required_signatures:
            gd = self._git_dir(repo)
            new_commits = _git(gd, ["rev-list", new, *(["--not", old] if old else [])]).split()
            unsigned = [c for c in new_commits if c not in self._side(repo).verified]
            if unsigned:
                raise _unprocessable(f"{head}: Commits must have verified signatures "
                                     f"({unsigned[0][:12]} is not verified).")

    # -- objects ---------------------------------------------------------------------------------
    def _git_commit(self, repo: Any, sha: str) -> dict[str, Any]:
        gd = self._git_dir(repo)
        raw = _git(gd, ["cat-file", "commit", sha])
        header, _, message = raw.partition("\n\n")
        tree = ""
        parents: list[str] = []
        people: dict[str, dict[str, str]] = {}
        for line in header.splitlines():
            key, _, rest = line.partition(" ")
            if key == "tree":
                tree = rest
            elif key == "parent":
                parents.append(rest)
            elif key in ("author", "committer"):
                name, _, tail = rest.partition(" <")
                email, _, when = tail.partition("> ")
                stamp = when.split()[0] if when.split() else "0"
                date = dt.datetime.fromtimestamp(int(stamp), dt.UTC).strftime(
                    "%Y-%m-%dT%H:%M:%SZ")
                people[key] = {"name": name, "email": email, "date": date}
        api = f"{self.url}/repos/{repo.full_name}"
        web = f"{self._web()}/{repo.full_name}"
        ok = sha in self._side(repo).verified
        return {
            "sha": sha, "node_id": f"C_{sha[:20]}", "url": f"{api}/git/commits/{sha}",
            "html_url": f"{web}/commit/{sha}", "author": people.get("author"),
            "committer": people.get("committer"), "message": message,
            "tree": {"sha": tree, "url": f"{api}/git/trees/{tree}"},
            "parents": [{"sha": p, "url": f"{api}/git/commits/{p}",
                         "html_url": f"{web}/commit/{p}"} for p in parents],
            "verification": {"verified": ok, "reason": "valid" if ok else "unsigned",
                             "signature": "-----BEGIN PGP SIGNATURE-----\n(loopback)\n"
                                          "-----END PGP SIGNATURE-----" if ok else None,
                             "payload": raw if ok else None,
                             "verified_at": "2026-01-01T00:00:00Z" if ok else None},
        }

    def _git_ref(self, repo: Any, ref: str, sha: str) -> dict[str, Any]:
        api = f"{self.url}/repos/{repo.full_name}"
        return {"ref": ref, "node_id": f"REF_{zlib.crc32(ref.encode())}",
                "url": f"{api}/git/{ref}",
                "object": {"type": "commit", "sha": sha, "url": f"{api}/git/commits/{sha}"}}
