"""Repositories: the git data API (`signing: api`), a repository's permissions and a
branch's protection (health), and the GitHub App installation endpoints."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from skillsync import secrets

if TYPE_CHECKING:
    pass

from skillsync.forge.client import Client, ForgeError, _ref_part


class Repositories(Client):
    # -- git data (signing: api) and repository settings (health) --------------------------
    def create_commit(self, repository: str, *, message: str, tree: str,
                      parents: Sequence[str]) -> dict[str, Any]:
        """POST /repos/{o}/{r}/git/commits: GitHub makes (and, for an App or the Actions
        token, signs) the commit; no author or committer is sent, so GitHub sets both."""
        data: dict[str, Any] = self._json("POST", f"{self._repo(repository)}/git/commits",
                                          json={"message": message, "tree": tree,
                                                "parents": list(parents)})
        if not isinstance(data, dict) or not isinstance(data.get("sha"), str):
            raise ForgeError(f"POST {self._repo(repository)}/git/commits: answer has no sha")
        return data

    def get_git_commit(self, repository: str, sha: str) -> dict[str, Any]:
        data: dict[str, Any] = self._json(
            "GET", f"{self._repo(repository)}/git/commits/{_ref_part(sha)}")
        return data

    def create_ref(self, repository: str, ref: str, sha: str) -> dict[str, Any]:
        """POST /repos/{o}/{r}/git/refs: a new ref (422 when it exists: a lease on absence)."""
        data: dict[str, Any] = self._json("POST", f"{self._repo(repository)}/git/refs",
                                          json={"ref": ref, "sha": sha})
        return data

    def update_ref(self, repository: str, ref: str, sha: str, *,
                   force: bool = False) -> dict[str, Any]:
        """PATCH /repos/{o}/{r}/git/refs/{ref} (ref like heads/main); fast-forward only
        unless `force` (never used by a sync)."""
        data: dict[str, Any] = self._json(
            "PATCH", f"{self._repo(repository)}/git/refs/{_ref_part(ref)}",
            json={"sha": sha, "force": force})
        return data

    def get_repository(self, repository: str) -> tuple[dict[str, Any], str | None]:
        """GET /repos/{o}/{r} and the classic token's scopes (X-OAuth-Scopes; None for
        fine-grained, App and Actions tokens, which have no scopes)."""
        resp = self.request("GET", self._repo(repository))
        try:
            data = resp.json()
        except ValueError:
            raise ForgeError(f"GET {self._repo(repository)}: answer is not JSON",
                             status=resp.status_code) from None
        if not isinstance(data, dict):
            raise ForgeError(f"GET {self._repo(repository)}: answer is not an object")
        return data, resp.headers.get("X-OAuth-Scopes")

    def branch_protection(self, repository: str, branch: str) -> dict[str, Any] | None:
        """GET /repos/{o}/{r}/branches/{branch}/protection; None when the branch is not
        protected (GitHub's 404 "Branch not protected"). Any other 404 or 403 (reading
        protection needs admin or `administration: read`) raises."""
        path = f"{self._repo(repository)}/branches/{_ref_part(branch)}/protection"
        try:
            data = self._json("GET", path)
        except ForgeError as exc:
            if exc.status == 404 and "branch not protected" in str(exc).lower():
                return None
            raise
        return data if isinstance(data, dict) else None

    # -- GitHub App installation tokens (skillsync.ghapp; this client holds the JWT) ---
    def repo_installation(self, repository: str) -> dict[str, Any]:
        """The App's installation on `repository` (GET /repos/{o}/{r}/installation)."""
        data: dict[str, Any] = self._json("GET", f"{self._repo(repository)}/installation")
        if not isinstance(data, dict) or not isinstance(data.get("id"), int):
            raise ForgeError(f"GET {self._repo(repository)}/installation: answer has no "
                             "installation id")
        return data

    def create_installation_token(
        self, installation_id: int, *, repositories: Sequence[str],
        permissions: Mapping[str, str],
    ) -> dict[str, Any]:
        """An installation access token for only `repositories` (names without the owner)
        and only `permissions` (POST /app/installations/{id}/access_tokens)."""
        path = f"/app/installations/{int(installation_id)}/access_tokens"
        data: dict[str, Any] = self._json("POST", path, json={
            "repositories": list(repositories), "permissions": dict(permissions)})
        if not isinstance(data, dict) or not isinstance(data.get("token"), str) \
                or not data["token"].strip():
            raise ForgeError(f"POST {path}: answer has no token")
        secrets.register(data["token"].strip())   # before anything can print it
        return data
