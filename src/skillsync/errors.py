"""Exceptions and the exit codes they map to (DESIGN.md, "Exit codes").

Library code raises these; only `skillsync.cli`'s error handler turns them into exit codes.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_HALTED = 3
EXIT_INTERNAL = 70
EXIT_INTERRUPTED = 130

EXIT_CODES_HELP = """\
exit codes:
  0    success (including "nothing to do")
  1    at least one target or check failed
  2    usage or configuration error
  3    halted by release policy (e.g. semver-major without opt-in)
  70   unexpected internal error (traceback in the run log)
  130  interrupted"""


class SkillsyncError(Exception):
    """An expected failure: one line for the user, a documented exit code."""

    exit_code = EXIT_FAILED

    def __init__(self, message: str, *, where: str | None = None) -> None:
        self.message = message
        self.where = where
        super().__init__(f"{where}: {message}" if where else message)


class UsageError(SkillsyncError):
    exit_code = EXIT_USAGE


class ConfigError(SkillsyncError):
    """A target file, source config or option is wrong (file and line in `where`)."""

    exit_code = EXIT_USAGE


class SourceError(SkillsyncError):
    """The skills source cannot be read: not a repository, unknown ref, unreachable."""

    exit_code = EXIT_USAGE


class ReleaseRefused(SkillsyncError):
    """The release (or a manifest said to describe it) breaks the path policy or does
    not match its source: nothing is synced anywhere (issue 12)."""

    exit_code = EXIT_USAGE


class GateRefused(ReleaseRefused):
    """The pre-sync validation refused the release: no target of the run is written."""


class TargetError(SkillsyncError):
    """One target failed; the run goes on with the others."""

    exit_code = EXIT_FAILED


class AuthError(TargetError):
    """A target refused our credential: HTTP 401 or 403 from git or the forge API, or an
    SSH key refused. The message names the auth method and the variable to renew
    (RELIABILITY.md 17); the sync leaves a manual fallback bundle (skillsync.fallback).
    `status` is the HTTP status (401/403) when known."""

    status: int | None = None


class PolicyHalt(SkillsyncError):
    exit_code = EXIT_HALTED


class GitError(SkillsyncError):
    """A git command failed. The message names the command, its code and stderr."""

    exit_code = EXIT_FAILED

    def __init__(self, args: list[str], returncode: int, stderr: str) -> None:
        from skillsync.secrets import redact

        self.args_list = args
        self.returncode = returncode
        self.stderr = redact(stderr.strip())
        cmd = " ".join(redact(a) for a in args)
        lines = [ln.strip() for ln in self.stderr.splitlines() if ln.strip()]
        key = [ln for ln in lines if ln.startswith(("fatal:", "error:"))]
        detail = (key or lines[-1:] or [""])[0]
        super().__init__(f"git {cmd} exited {returncode}" + (f": {detail}" if detail else ""))

    @property
    def reason(self) -> str:
        """The most telling line of git's stderr, without its `fatal:`/`error:` prefix:
        the first fatal or error line names the cause (later ones are generic advice)."""
        lines = [ln.strip() for ln in self.stderr.splitlines() if ln.strip()]
        key = [ln for ln in lines if ln.startswith(("fatal:", "error:"))]
        line = (key or lines[-1:] or [f"git exited {self.returncode}"])[0]
        for prefix in ("fatal:", "error:"):
            line = line.removeprefix(prefix)
        return line.strip()
