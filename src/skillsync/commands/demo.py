"""demo: the whole pipeline on the bundled demo fleet — local git repositories
and loopback servers only, no network, no credentials of yours.

It builds the example skills source from examples/, creates a bare repository
for every target in targets/ under .skillsync/demo/, starts a loopback
GitHub-compatible API (127.0.0.1:8788) and webhook receiver (127.0.0.1:8789),
then walks releases v1.0.0 -> v2.0.0 through validate, dry run, live sync,
no-op re-run, a newer release superseding the older sync pull requests, pre-release
channel and semver-major halt."""

from __future__ import annotations

import hashlib
import json
import os
import secrets as _random
import shutil
import time
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from skillsync import cli

SCRATCH = Path(".skillsync") / "demo"
GITHUB_PORT = 8788
WEBHOOK_PORT = 8789


def demo_source() -> Path:
    """Build (or reuse) the example source repository and return its path."""
    from skillsync.examples import build_example_source

    dest = (SCRATCH / "source").resolve()
    build_example_source(dest)
    return dest


class Demo:
    def __init__(self, targets: Path) -> None:
        self.targets = targets
        self.scratch = SCRATCH.resolve()
        self.runs = self.scratch / "runs"
        self.step_no = 0

    # -- printing -------------------------------------------------------------------
    def step(self, title: str) -> None:
        self.step_no += 1
        cli.say(f"\n=== {self.step_no}. {title}")

    def call(self, main: Callable[[Sequence[str] | None], int], argv: list[str],
             expect: Sequence[int] = (0,)) -> int:
        cli.say(f"$ {main.__module__.rsplit('.', 1)[-1].replace('_', '-')} {' '.join(argv)}")
        code = main(argv)
        if code not in expect:
            raise DemoError(f"step exited {code}, expected {' or '.join(map(str, expect))}")
        return code

    # -- setup -----------------------------------------------------------------------
    def fresh(self) -> None:
        shutil.rmtree(self.scratch, ignore_errors=True)
        self.scratch.mkdir(parents=True)
        os.environ["SKILLSYNC_CACHE"] = str(self.scratch / "cache")
        os.environ["SKILLSYNC_RUNS"] = str(self.runs)

    def make_fleet(self, source: Path, tags: dict[str, str]) -> list[Any]:
        from skillsync import git
        from skillsync.targets import load_targets

        fleet = load_targets(self.targets)
        for t in fleet:
            if t.repo is None:
                continue
            bare = Path(t.repo)
            if self.scratch not in bare.parents:
                raise DemoError(f"{t.source_file}: demo targets must live under {SCRATCH}")
            work = self.scratch / "work" / t.id
            git.run(["init", "-q", "-b", t.branch, str(work)])
            (work / "README.md").write_text(f"# {t.id}\n\nA downstream of the demo skills.\n")
            (work / ".agents").mkdir()
            (work / ".agents" / "local-notes.md").write_text("Ours, not synced: must survive.\n")
            git.run(["add", "-A"], work)
            if t.submodule is not None:
                # relative URL, resolved against this repository's remote like git does
                rel = os.path.relpath(source, bare.parent)
                (work / ".gitmodules").write_text(
                    f'[submodule "skills"]\n\tpath = {t.submodule.path}\n\turl = ../{rel}\n')
                git.run(["add", ".gitmodules"], work)
                git.run(["update-index", "--add", "--cacheinfo",
                         f"160000,{tags['v1.0.0']},{t.submodule.path}"], work)
            git.run([*git.IDENTITY, "commit", "-q", "-m", "initial downstream"], work)
            git.run(["clone", "-q", "--bare", str(work), str(bare)])
        return fleet

    def fleet_state(self) -> str:
        from skillsync import git

        h = hashlib.sha256()
        for bare in sorted((self.scratch / "remotes").glob("*.git")):
            h.update(git.run(["--git-dir", str(bare), "for-each-ref"]).stdout)
            h.update(git.run(["--git-dir", str(bare), "count-objects", "-v"]).stdout)
        return h.hexdigest()

    def summary_line(self, run: str) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((self.runs / run / "summary.json").read_text())
        return data


class DemoError(Exception):
    pass


def demo(ctx: cli.RunContext, /, *, validate_only: bool = False,
         targets: str = "targets") -> int:
    """Run the demo (or, `validate_only`, validate the example release); exit 1 when a
    step did not end as the demo expects."""
    try:
        return _walk(Path(targets), validate_only=validate_only)
    except DemoError as exc:
        cli.say(f"demo: FAILED: {exc}")
        return 1


def _walk(targets: Path, *, validate_only: bool) -> int:
    from skillsync.commands import (
        build_manifest,
        health,
        notify,
        rollback,
        route_targets,
        sync,
        validate_sync_targets,
    )
    from skillsync.examples import build_example_source

    d = Demo(targets)
    started = time.monotonic()
    if validate_only:
        d.step("Validate the example release and the target files")
        src = (SCRATCH / "source").resolve()
        tags = build_example_source(src)
        newest = list(tags)[-1]
        mpath = SCRATCH / "validate-manifest.json"
        d.call(build_manifest.main, ["--source", str(src), "--ref", newest, "-o", str(mpath)])
        d.call(validate_sync_targets.main, ["--manifest", str(mpath), "--targets", str(d.targets),
                                            "-o", str(SCRATCH / "validate-findings.json")])
        cli.say("validation passed")
        return 0

    d.fresh()
    d.step("Build the example skills source from examples/ (one commit and tag per release)")
    source = demo_source()
    tags = build_example_source(source)
    for tag, sha in tags.items():
        cli.say(f"  {tag:12} {sha}")

    d.step("Create the demo fleet: one bare repository per git target in targets/")
    fleet = d.make_fleet(source, tags)
    for t in fleet:
        cli.say(f"  {t.id:18} {t.mechanism:12} risk={t.risk:6} channel={t.channel:10} "
                f"{'enabled' if t.enabled else 'DISABLED'}")

    with ExitStack() as stack:
        servers = _start_servers(stack)
        gh, hook, smtp = servers["github"], servers["webhook"], servers["smtp"]

        manifests = {}
        d.step("Build the v1.0.0 manifest and validate it")
        for tag in tags:
            out = SCRATCH / f"manifest-{tag}.json"
            build_manifest.main(["--source", str(source), "--ref", tag, "-o", str(out)])
            manifests[tag] = out
        m = json.loads(manifests["v1.0.0"].read_text())
        cli.say(f"  {len(m['skills'])} skills, {len(m['adapters'])} adapters, "
                f"digest {m['digest'][:19]}…")
        d.call(validate_sync_targets.main, ["--manifest", str(manifests["v1.0.0"]),
                                            "--targets", str(d.targets), "-o",
                                            str(SCRATCH / "findings-v1.0.0.json")])
        d.call(health.main, ["--targets", str(d.targets), "-o", str(SCRATCH / "health.json")])

        d.step("Route v1.0.0: which targets take it, in which wave")
        d.call(route_targets.main, ["--manifest", str(manifests["v1.0.0"]), "--targets",
                                    str(d.targets), "--all", "-o", str(SCRATCH / "routes.json")])

        def run(tag: str, name: str, *extra: str, expect: Sequence[int] = (0,)) -> dict[str, Any]:
            d.call(sync.main, ["--manifest", str(manifests[tag]), "--targets", str(d.targets),
                               "--run-dir", str(d.runs / name), "-o",
                               str(d.runs / f"{name}.summary.json"), *extra], expect=expect)
            return d.summary_line(name)

        d.step("Dry run of v1.0.0 against every target: plans and a log, zero writes")
        before, writes_before = d.fleet_state(), len(gh.writes()) + len(hook.requests)
        run("v1.0.0", "1-dry-run", "--dry-run")
        after, writes_after = d.fleet_state(), len(gh.writes()) + len(hook.requests)
        if before != after or writes_before != writes_after:
            raise DemoError("the dry run wrote something")
        cli.say("  dry run wrote nothing: every ref and object of every target repository "
                "unchanged, 0 API writes, 0 webhook deliveries")

        d.step("Live sync of v1.0.0 (canary wave first, each target verified after its sync)")
        run("v1.0.0", "2-live")
        cli.say(f"  pull requests on the loopback GitHub: {_prs(gh)}")

        d.step("Sync v1.0.0 again: nothing to write anywhere, decided before any clone "
               "(pull-request targets are pending: their PRs await merge)")
        s = run("v1.0.0", "3-rerun")
        if any(t["status"] not in ("no-op", "skipped", "halted", "pending")
               for t in s["targets"]):
            raise DemoError("the re-run was not a no-op")

        d.step("A contributor's release smuggles a workflow in through a file name: refused")
        hostile = _hostile_source(d.scratch / "hostile-source")
        before, writes_before = d.fleet_state(), len(gh.writes()) + len(hook.requests)
        d.call(build_manifest.main, ["--source", str(hostile), "--ref", "v1.0.1"], expect=(2,))
        d.call(sync.main, ["--source", str(hostile), "--ref", "v1.0.1", "--targets",
                           str(d.targets), "--run-dir", str(d.runs / "3b-hostile")], expect=(2,))
        if d.fleet_state() != before or writes_before != len(gh.writes()) + len(hook.requests):
            raise DemoError("the hostile release wrote something")
        cli.say("  refused before any target was read: every target repository unchanged")

        d.step("Release v1.1.0 (skills added, changed, a file deleted): its pull requests "
               "supersede 1.0.0's, which are closed and their branches deleted")
        s = run("v1.1.0", "4-v1.1.0")
        cli.say(f"  pull requests: {_prs(gh)}")
        _show_superseded(d, gh, s)

        d.step("Someone merges unrelated work on acme-agents; re-sync v1.1.0 updates its PR")
        _push_unrelated(d.scratch / "remotes" / "acme-agents.git", d.scratch / "work" / "acme2")
        run("v1.1.0", "5-pr-update")
        cli.say(f"  pull requests: {_prs(gh)}")

        d.step("Pre-release v2.0.0-rc.1: only the prerelease channel takes it")
        run("v2.0.0-rc.1", "6-rc")

        d.step("Semver-major v2.0.0: halts where not opted in; platform-monorepo's "
               "protected branch rejects the push")
        _protect(d.scratch / "remotes" / "platform-monorepo.git")
        s = run("v2.0.0", "7-major", expect=(1,))

        d.step("Notify: the failure goes to a GitHub issue, Slack and email (loopback receivers)")
        d.call(notify.main, [str(d.runs / "7-major"), "-o", str(d.scratch / "notify.json")])
        for issue in gh.issues("acme/skills"):
            cli.say(f"  GitHub issue acme/skills#{issue.number}: {issue.title!r} "
                    f"(labels: {', '.join(issue.labels)})")
        for body in hook.bodies():
            if isinstance(body, dict) and "text" in body:
                cli.say("  Slack: " + str(body["text"]).splitlines()[0])
        for mail in smtp.messages:
            cli.say(f"  email to {', '.join(mail.rcpt_tos)}: {mail.subject!r}")
        for t in s["targets"]:
            if t["status"] == "failed" and t.get("fallback"):
                cli.say(f"  manual fallback bundle for {t['id']}: {t['fallback']}")

        d.step("Roll beta-lab back from v2.0.0 to its pre-sync snapshot, and verify")
        d.call(rollback.main, ["--run", str(d.runs / "7-major"), "--target", "beta-lab",
                               "--targets", str(d.targets), "-o",
                               str(d.scratch / "rollback.json")])
        d.step("Roll back again: a no-op")
        d.call(rollback.main, ["--run", str(d.runs / "7-major"), "--target", "beta-lab",
                               "--targets", str(d.targets), "-o",
                               str(d.scratch / "rollback-again.json")])

    cli.say(f"\nDemo finished in {time.monotonic() - started:.1f}s. Run directories: {d.runs}")
    # The exact commands, with this demo's paths: a run id alone is looked up in
    # .skillsync/runs (or $SKILLSYNC_RUNS), not in the demo's directory.
    runs = os.path.relpath(d.runs) if d.runs.is_relative_to(Path.cwd()) else str(d.runs)
    cli.say(f"Report a run:  scripts/report {runs}/7-major --format md   "
            f"(or SKILLSYNC_RUNS={runs} scripts/report 7-major)")
    cli.say("Query a log, e.g.: jq -r 'select(.step==\"result\") | \"\\(.target) \\(.status) "
            f"\\(.message)\"' {runs}/7-major/log.jsonl")
    return 0


def _start_servers(stack: ExitStack) -> dict[str, Any]:
    from skillsync.devservers.github import FakeGitHub
    from skillsync.devservers.receivers import SmtpServer, WebhookReceiver
    from skillsync.errors import UsageError

    for var in ("ACME_SYNC_TOKEN", "MOBILE_SYNC_TOKEN", "DOCS_PORTAL_HMAC_SECRET"):
        os.environ[var] = f"demo-{_random.token_hex(12)}"
    try:
        gh = FakeGitHub(port=GITHUB_PORT).start()
        stack.callback(gh.stop)
        hook = WebhookReceiver(os.environ["DOCS_PORTAL_HMAC_SECRET"], port=WEBHOOK_PORT,
                               unsigned_prefixes=("/services/",)).start()
        stack.callback(hook.stop)
    except OSError as exc:
        raise UsageError(f"cannot start the demo's loopback servers on ports {GITHUB_PORT}/"
                         f"{WEBHOOK_PORT}: {exc.strerror or exc}") from None
    smtp = SmtpServer().start()
    stack.callback(smtp.stop)
    # Where notifications go: the source repository's issues on the loopback
    # GitHub, a Slack-style incoming webhook and SMTP, all on 127.0.0.1.
    os.environ.update({
        "GITHUB_TOKEN": f"demo-{_random.token_hex(12)}",
        "GITHUB_REPOSITORY": "acme/skills",
        "GITHUB_API_URL": gh.url,
        "SKILLSYNC_SLACK_WEBHOOK_URL": f"{hook.url}/services/T0DEMO/B0DEMO/{_random.token_hex(8)}",
        "SKILLSYNC_SMTP_URL": smtp.url,
    })
    cli.say(f"  loopback GitHub API at {gh.url}, webhook/Slack receiver at {hook.url}, "
            f"SMTP at {smtp.url}")
    return {"github": gh, "webhook": hook, "smtp": smtp}


def _hostile_source(path: Path) -> Path:
    """A skills repository whose v1.0.1 holds a directory named so that, fed
    newline-framed to git plumbing, it would add .github/workflows/evil.yml to every
    downstream (the attack of issue 12; docs/security.md)."""
    from skillsync import git

    evil = b"on: push\njobs: {steal: {runs-on: ubuntu-latest, steps: [{run: env}]}}\n"
    work = path
    shutil.rmtree(work, ignore_errors=True)
    blob = git.out(["hash-object", "--stdin"], input=evil)
    sneaky = work / "skills" / "helpful" / f"x\n100644 {blob}\t.github" / "workflows"
    sneaky.mkdir(parents=True)
    (sneaky / "evil.yml").write_bytes(evil)
    (work / "skills" / "helpful" / "SKILL.md").write_text(
        "---\nname: helpful\ndescription: Looks helpful.\n---\n")
    git.run(["init", "-q", "-b", "main", str(work)])
    git.run(["add", "-A"], work)
    git.run([*git.IDENTITY, "commit", "-q", "-m", "Add a helpful skill"], work)
    git.run([*git.IDENTITY, "tag", "v1.0.1"], work)
    return work


def _protect(bare: Path) -> None:
    """A server-side hook that refuses pushes, as a protected branch does."""
    hook = bare / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'GH006: Protected branch update failed for refs/heads/main: "
                    "changes must be made through a pull request.' >&2\nexit 1\n")
    hook.chmod(0o755)


def _prs(gh: Any) -> str:
    rows = []
    for name in sorted(gh.repos):
        for pr in gh.pulls(name):
            rows.append(f"{name}#{pr.number} {pr.head_ref} ({pr.state}, updated {pr.updated})")
    return "; ".join(rows) or "none"


def _show_superseded(d: Demo, gh: Any, summary: dict[str, Any]) -> None:
    """acme-agents' 1.0.0 pull request must now be closed as superseded, with a comment
    linking the 1.1.0 one, and its branch gone from the downstream."""
    from skillsync import git

    old = next((p for p in gh.pulls("acme/agents") if p.head_ref == "skillsync/1.0.0"), None)
    new = next((p for p in gh.pulls("acme/agents") if p.head_ref == "skillsync/1.1.0"), None)
    if old is None or new is None or old.state != "closed" \
            or "skillsync-superseded" not in old.labels:
        raise DemoError("acme-agents' 1.0.0 pull request was not superseded")
    link = next((c["body"].splitlines()[0] for c in old.comments
                 if f"#{new.number}" in c["body"]), None)
    bare = d.scratch / "remotes" / "acme-agents.git"
    left = git.out(["--git-dir", str(bare), "for-each-ref", "--format=%(refname:short)",
                    "refs/heads/skillsync/"]).split()
    if link is None or "skillsync/1.0.0" in left:
        raise DemoError("the superseded pull request has no link to the new one, or its "
                        "branch is still there")
    cli.say(f"  acme/agents#{old.number} closed (label skillsync-superseded): {link!r}")
    cli.say(f"  sync branches left on acme-agents: {', '.join(left)}")
    for t in summary["targets"]:
        if t["mechanism"] == "pull-request":
            cli.say(f"  {t['id']}: {t['status']}: {t['message']}")


def _push_unrelated(bare: Path, work: Path) -> None:
    from skillsync import git

    git.run(["clone", "-q", str(bare), str(work)])
    (work / "docs.md").write_text("Unrelated work by the downstream team.\n")
    git.run(["add", "docs.md"], work)
    git.run([*git.IDENTITY, "commit", "-q", "-m", "unrelated work"], work)
    git.run(["push", "-q", "origin", "HEAD"], work)


COMMAND = cli.Command(demo, __doc__ or "", (
    cli.opt("--validate-only", action="store_true",
            help="only build the example source and validate its newest release "
                 "and the target files (what `nox -s validate` runs)"),
    cli.opt("--targets", metavar="DIR", help="demo targets directory"),
))


def main(argv: Sequence[str] | None = None) -> int:
    return cli.main(COMMAND, argv)


if __name__ == "__main__":
    raise SystemExit(main())
