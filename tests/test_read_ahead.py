"""A target's branch heads read ahead (git.ls_remote_ahead, issue 17): the answer is the
one a direct ls-remote gives, it is taken only by a call it covers in the same
environment, and one nobody takes does not outlive its process."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import git, make_bare_remote
from skillsync import git as gitmod
from skillsync.downstream import LOCK_REF, TargetRepo, transport_url
from skillsync.errors import GitError


@pytest.fixture
def remote(tmp_path: Path) -> str:
    bare = make_bare_remote(tmp_path, "down", {"README.md": "x\n"})
    head = git("rev-parse", "main", cwd=bare)
    for name in ("skillsync/v1.0.0", "skillsync/v1.1.0", "feature/skillsync/v9", "other"):
        git("update-ref", f"refs/heads/{name}", head, cwd=bare)
    git("update-ref", "refs/tags/main", head, cwd=bare)
    return transport_url(str(bare))


@pytest.fixture(autouse=True)
def _no_leftovers() -> object:
    yield
    gitmod._reap_ahead()


def test_the_answer_read_ahead_is_the_direct_answer(remote: str) -> None:
    want = ["refs/heads/main", "refs/heads/skillsync/v1.1.0", LOCK_REF]
    direct = gitmod.ls_remote(remote, want)
    gitmod.ls_remote_ahead(remote, ["refs/heads/main", "refs/heads/skillsync/*", LOCK_REF])
    assert remote in gitmod._READ_AHEAD
    assert gitmod.ls_remote(remote, want) == direct      # filtered to what was asked
    assert remote not in gitmod._READ_AHEAD                   # taken once
    assert set(direct) == {"refs/heads/main", "refs/heads/skillsync/v1.1.0"}


def test_target_repo_heads_take_the_read_ahead(remote: str, tmp_path: Path) -> None:
    url = str(tmp_path / "down.git")
    TargetRepo.heads_ahead(url, {}, ["main", "skillsync/v1.1.0"])
    repo = TargetRepo(url, {})
    heads = repo.heads(["main", "skillsync/v1.1.0"])
    assert remote not in gitmod._READ_AHEAD
    assert set(heads) == {"main", "skillsync/v1.1.0"} and repo.counters.ls_remote == 1
    assert heads == TargetRepo(url, {}).heads(["main", "skillsync/v1.1.0"])


@pytest.mark.parametrize("asked", [
    ["refs/heads/feature"],                # not covered by what was read
    ["refs/heads/skillsync/*"],            # a glob is covered only by the same glob,
    ["refs/heads/*"],                      # never by a narrower one
])
def test_a_call_it_does_not_cover_asks_for_itself(remote: str, asked: list[str]) -> None:
    gitmod.ls_remote_ahead(remote, ["refs/heads/main"])
    assert gitmod.ls_remote(remote, asked) == gitmod.ls_remote(remote, asked)
    assert remote in gitmod._READ_AHEAD                       # still there, for its own caller


def test_another_environment_does_not_take_it(remote: str) -> None:
    # Credentials travel in the environment: an answer read with one token is not
    # handed to a caller with another.
    gitmod.ls_remote_ahead(remote, ["refs/heads/main"], env=gitmod.auth_env("token-a"))
    gitmod.ls_remote(remote, ["refs/heads/main"], env=gitmod.auth_env("token-b"))
    assert remote in gitmod._READ_AHEAD
    gitmod.ls_remote(remote, ["refs/heads/main"], env=gitmod.auth_env("token-a"))
    assert remote not in gitmod._READ_AHEAD


def test_a_failed_read_ahead_fails_like_the_direct_call(tmp_path: Path) -> None:
    missing = transport_url(str(tmp_path / "missing.git"))
    with pytest.raises(GitError) as direct:
        gitmod.ls_remote(missing, ["refs/heads/main"])
    gitmod.ls_remote_ahead(missing, ["refs/heads/main"])
    with pytest.raises(GitError) as ahead:
        gitmod.ls_remote(missing, ["refs/heads/main"])
    assert ahead.value.returncode == direct.value.returncode


def test_only_plain_patterns_are_read_ahead(remote: str) -> None:
    gitmod.ls_remote_ahead(remote, ["refs/heads/ma?n"])
    gitmod.ls_remote_ahead(remote, [])
    assert remote not in gitmod._READ_AHEAD


def test_one_nobody_takes_is_reaped(remote: str) -> None:
    gitmod.ls_remote_ahead(remote, ["refs/heads/main"])
    proc = gitmod._READ_AHEAD[remote][2]
    gitmod._reap_ahead()
    assert proc.poll() is not None and not gitmod._READ_AHEAD
