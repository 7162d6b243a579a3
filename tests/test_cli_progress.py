"""What a person sees while `sync` runs, on a real small fleet (issue 13): each
target's line on stderr as soon as that target finishes; on a terminal (a real pty)
a live progress line and a table instead of JSON; in GitHub Actions one
`::group::` per wave; when piped, only the per-target lines and JSON on stdout.
Also the console name in usage and the empty-stdin message of a failed pipe."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path
from typing import Any

import pytest

from conftest import SCRIPTS, run_script
from safety_fixtures import add_target, reject_pushes, script_env, source, world

__all__ = ["source", "world"]  # fixtures

LINE = re.compile(r"^  (synced|failed|halted|skipped|planned|no-op|pending|not-attempted) +"
                  r"(\S+) +(.*)$")
DEADLINE = 120.0          # seconds: a bound on every wait below, never a pacing sleep


def fleet(w: dict[str, Any]) -> dict[str, Path]:
    """Five targets, one per outcome of a semver-major release, over three waves.

    `slow` (the last wave) cannot finish its push until `w["root"]/release` exists:
    its pre-receive hook waits for that file (bounded), so a test can look at the
    output while the run is provably still going."""
    bares = {
        "canary": add_target(w, "canary", risk="low", accept_major="true"),
        "held": add_target(w, "held", risk="medium"),              # major, no opt-in
        "broken": add_target(w, "broken", risk="medium", accept_major="true"),
        "slow": add_target(w, "slow", risk="high", accept_major="true"),
        "idle": add_target(w, "idle", risk="low", enabled="false"),
    }
    reject_pushes(bares["broken"])
    flag = w["root"] / "release"
    hook = bares["slow"] / "hooks" / "pre-receive"
    hook.write_text(f"#!/bin/sh\ni=0\nwhile [ ! -e '{flag}' ] && [ $i -lt 600 ]; do sleep 0.1; "
                    "i=$((i+1)); done\nexit 0\n")
    hook.chmod(0o755)
    return bares


def argv(w: dict[str, Any], *extra: str) -> list[str]:
    return [sys.executable, str(SCRIPTS / "sync"), "--source", str(w["source"]), "--ref",
            "v2.0.0", "--targets", str(w["targets"]), "--run-dir", str(w["root"] / "run"),
            *extra]


def env_for(w: dict[str, Any], **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "GITHUB_ACTIONS"}
    env.update(script_env(w, **extra))
    return env


def read_until(fd: int, pred: Any, deadline: float) -> bytes:
    """Read `fd` until `pred(data)` holds, EOF, or the deadline."""
    data = b""
    end = time.monotonic() + deadline
    while not pred(data) and time.monotonic() < end:
        ready, _, _ = select.select([fd], [], [], max(0.0, end - time.monotonic()))
        if not ready:
            break
        try:
            chunk = os.read(fd, 65536)
        except OSError:   # EIO: the pty's other side closed
            break
        if not chunk:
            break
        data += chunk
    return data


def target_lines(text: str) -> dict[str, str]:
    out = {}
    for line in text.splitlines():
        m = LINE.match(line)
        if m:
            out[m.group(2)] = m.group(1)
    return out


EXPECTED = {"canary": "synced", "held": "halted", "broken": "failed", "slow": "synced",
            "idle": "skipped"}


def test_piped_sync_streams_each_target_as_it_finishes(world: dict) -> None:
    fleet(world)
    proc = subprocess.Popen(argv(world), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=env_for(world))
    try:
        assert proc.stderr is not None and proc.stdout is not None
        early = read_until(proc.stderr.fileno(),
                           lambda d: b" canary " in d and b" broken " in d, DEADLINE)
        # The canary and wave-1 lines are out while `slow` still waits in its hook:
        # the old `sync` printed every line only after the last target.
        still_running = proc.poll() is None
        (world["root"] / "release").touch()
        out, rest = proc.communicate(timeout=DEADLINE)
    finally:
        proc.kill()
        proc.wait()
    assert still_running, early.decode()
    err = (early + rest).decode()
    assert target_lines(err) == EXPECTED
    assert proc.returncode == 1                       # one target failed
    # Piped: no progress line, no redraws, no escape sequences, no groups.
    assert "\r" not in err and "\x1b" not in err and "::group::" not in err
    assert "sync:" not in err
    # The routing decisions come first, then each wave in order.
    order = [m.group(2) for line in err.splitlines() if (m := LINE.match(line))]
    assert order.index("canary") < order.index("broken") < order.index("slow")
    assert set(order[:2]) == {"held", "idle"}
    summary = json.loads(out)                          # JSON when stdout is a pipe
    assert {t["id"]: t["status"] for t in summary["targets"]} == EXPECTED


def _pty_pair(cols: int = 120) -> tuple[int, int]:
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, cols, 0, 0))
    return master, slave


def test_terminal_gets_a_live_progress_line_and_a_table(world: dict) -> None:
    fleet(world)
    (world["root"] / "release").touch()
    master, slave = _pty_pair()
    try:
        proc = subprocess.Popen(argv(world), stdin=slave, stdout=slave, stderr=slave,
                                env=env_for(world, TERM="xterm"), close_fds=True)
        os.close(slave)
        slave = -1
        data = read_until(master, lambda d: False, DEADLINE)
        code = proc.wait(timeout=DEADLINE)
    finally:
        if slave >= 0:
            os.close(slave)
        os.close(master)
    text = data.decode("utf-8", "replace")
    assert code == 1, text
    # tqdm's live line, redrawn in place (\r), counting done/total, failed and halted.
    assert "\r" in text
    for done in range(1, 6):
        assert f"sync: {done}/5 targets" in text, text
    assert "sync: 5/5 targets, failed 1, halted 1" in text
    lines = text.replace("\r\n", "\n").split("\n")
    # Every target's line still scrolls above the progress line.
    assert target_lines("\n".join(ln.rsplit("\r", 1)[-1] for ln in lines)) == EXPECTED
    # stdout is a terminal too: a table, not 180 lines of JSON.
    assert not any(ln.lstrip().startswith("{") for ln in lines)
    header = next(ln for ln in lines if ln.startswith("TARGET"))
    assert header.split() == ["TARGET", "WAVE", "STATUS", "CHANGES", "DETAILS"]
    rows = {ln.split()[0]: ln.split() for ln in lines[lines.index(header) + 1:] if ln.strip()}
    assert rows["canary"][1:3] == ["0", "synced"] and rows["slow"][1:3] == ["2", "synced"]
    assert rows["broken"][2] == "failed" and rows["idle"][1] == "skipped"


def test_terminal_with_format_json_still_prints_json(world: dict) -> None:
    add_target(world, "only", risk="low", accept_major="true")
    master, slave = _pty_pair()
    try:
        proc = subprocess.Popen(argv(world, "--format", "json", "--dry-run"), stdin=slave,
                                stdout=slave, stderr=subprocess.DEVNULL, env=env_for(world),
                                close_fds=True)
        os.close(slave)
        slave = -1
        data = read_until(master, lambda d: False, DEADLINE)
        assert proc.wait(timeout=DEADLINE) == 0
    finally:
        if slave >= 0:
            os.close(slave)
        os.close(master)
    summary = json.loads(data.decode().replace("\r\n", "\n"))
    assert summary["targets"][0]["status"] == "planned"


def test_github_actions_groups_each_wave(world: dict) -> None:
    fleet(world)
    (world["root"] / "release").touch()
    proc = subprocess.run(argv(world, "-o", str(world["root"] / "summary.json")),
                          capture_output=True, text=True, timeout=DEADLINE,
                          env=env_for(world, GITHUB_ACTIONS="true"), check=False)
    assert proc.returncode == 1, proc.stderr
    groups: list[tuple[str, list[str]]] = []
    outside: list[str] = []
    current: list[str] | None = None
    for line in proc.stderr.splitlines():
        if line.startswith("::group::"):
            assert current is None, "groups do not nest"
            current = []
            groups.append((line.removeprefix("::group::"), current))
        elif line == "::endgroup::":
            assert current is not None
            current = None
        elif (m := LINE.match(line)):
            (outside if current is None else current).append(m.group(2))
    assert current is None, "every group is closed"
    assert groups == [("wave 0", ["canary"]), ("wave 1", ["broken"]), ("wave 2", ["slow"])]
    assert sorted(outside) == ["held", "idle"]          # routing decisions, not in a wave
    assert "\r" not in proc.stderr and "sync:" not in proc.stderr
    assert proc.stdout == ""                            # -o FILE: the JSON went there
    assert json.loads((world["root"] / "summary.json").read_text())["status"] == "failed"


def test_a_hostile_message_cannot_drive_the_terminal(world: dict) -> None:
    """A target's message quotes what a server said; it is escaped before printing."""
    bare = add_target(world, "evil", risk="low", accept_major="true")
    reject_pushes(bare, "denied \x1b]0;pwned\x07\x1b[2J")
    proc = subprocess.run(argv(world), capture_output=True, text=True, timeout=DEADLINE,
                          env=env_for(world), check=False)
    assert proc.returncode == 1
    recorded = json.loads((world["root"] / "run" / "results" / "evil.json").read_text())
    assert "\x1b" in recorded["message"]      # the escape reached us: the display must stop it
    line = next(ln for ln in proc.stderr.splitlines() if " evil " in ln)
    assert "\x1b" not in line and "\x07" not in line
    assert "denied" in line


def test_on_result_reports_every_routed_target_once(world: dict) -> None:
    """Including the targets a failed canary wave left not attempted."""
    from skillsync.runlog import RunDir
    from skillsync.sync import Options, run_sync
    from skillsync.targets import load_targets

    reject_pushes(add_target(world, "canary", risk="low"))
    add_target(world, "later", risk="high")
    add_target(world, "idle", enabled="false")
    seen: list[tuple[str, str]] = []
    manifest = json.loads(Path(world["v1.0.0"]).read_text())
    results = run_sync(manifest, load_targets(world["targets"]),
                       RunDir(world["root"] / "runs" / "r").create(), Options(),
                       on_result=lambda r: seen.append((r.target, r.status)))
    assert seen == [("idle", "skipped"), ("canary", "failed"), ("later", "not-attempted")]
    assert {t: r.status for t, r in results.items()} == dict(seen)


# -- usage names and pipes ---------------------------------------------------------------------
def test_usage_names_the_command_as_typed(tmp_path: Path) -> None:
    """`scripts/sync` says `usage: sync`; the console command says its own name."""
    res = run_script("sync", "--help")
    assert res.returncode == 0 and res.stdout.startswith("usage: sync ")
    console = tmp_path / "skillsync-sync"
    console.write_text(f"#!{sys.executable}\nimport sys\nfrom skillsync.commands.sync import "
                       "main\nraise SystemExit(main())\n")
    console.chmod(0o755)
    env = {**os.environ, "PYTHONPATH": str(SCRIPTS.parent / "src")}
    out = subprocess.run([str(console), "--help"], capture_output=True, text=True,
                         timeout=DEADLINE, env=env, check=False)
    assert out.returncode == 0 and out.stdout.startswith("usage: skillsync-sync "), out.stdout
    # The examples in the epilog name the same command.
    assert "  skillsync-sync --rerun-failed RUN" in out.stdout
    bad = subprocess.run([str(console), "--no-such-option"], capture_output=True, text=True,
                         timeout=DEADLINE, env=env, check=False)
    assert bad.returncode == 2 and "skillsync-sync: error:" in bad.stderr


def test_in_process_help_keeps_the_scripts_name(capsys: pytest.CaptureFixture[str]) -> None:
    """docs/cli.md is generated in-process: its text must not depend on who runs it."""
    from skillsync.commands import sync as cmd

    with pytest.raises(SystemExit):
        cmd.main(["--help"])
    assert capsys.readouterr().out.startswith("usage: sync ")


def test_a_failed_pipe_gives_one_error_not_two(tmp_path: Path) -> None:
    """`build-manifest --ref nope | validate-sync-targets --manifest -`: the reader says
    its input is empty (the writer's error is the one to read), not "invalid JSON"."""
    first = run_script("build-manifest", "--source", str(tmp_path / "missing"), "--ref",
                       "v9.9.9")
    assert first.returncode == 2 and first.stdout == ""
    second = run_script("validate-sync-targets", "--manifest", "-", input=first.stdout)
    assert second.returncode == 2
    assert "empty input on stdin (did the command before the pipe fail?)" in second.stderr
    assert "JSON" not in second.stderr
