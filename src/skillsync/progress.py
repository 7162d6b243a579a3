"""What `sync` shows while it runs: one line per target as it finishes (issue 13).

Three audiences, one stream (stderr):
- a terminal: the per-target lines scroll above a live progress line
  (done/total, failed, halted), drawn by tqdm;
- GitHub Actions (`GITHUB_ACTIONS=true`): each wave's lines inside a
  `::group::` so the log folds per wave; no redrawn line (the log is a file);
- anything else (a pipe, a file): only the per-target lines.

Every line is escaped with `paths.show` and redacted: a target's message may quote
a server's answer, and control characters must not reach a terminal.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from typing import Any, TextIO

from skillsync.mechanisms.base import Result
from skillsync.paths import show
from skillsync.secrets import redact

MODES = ("tty", "actions", "plain")


def mode_for(stream: TextIO, env: Mapping[str, str] | None = None) -> str:
    env = os.environ if env is None else env
    if env.get("GITHUB_ACTIONS") == "true":
        return "actions"
    try:
        return "tty" if stream.isatty() else "plain"
    except (AttributeError, ValueError):
        return "plain"


def line(status: str, target: str, text: str) -> str:
    """One target's line, as `sync` and `sync-target` print it."""
    return redact(f"  {status:13} {show(target):22} {show(text)}")


class Progress:
    """Feed it every Result (`sync.run_sync(on_result=progress.result)`), then `close()`."""

    def __init__(self, total: int, *, stream: TextIO | None = None, mode: str | None = None,
                 env: Mapping[str, str] | None = None) -> None:
        self.stream = stream or sys.stderr
        self.mode = mode or mode_for(self.stream, env)
        self.total = total
        self.done = 0
        self.counts: dict[str, int] = {}
        self._wave: int | None = None
        self._bar: Any = None
        if self.mode == "tty":
            from tqdm import tqdm

            self._bar = tqdm(total=total, file=self.stream, unit="target", desc="sync",
                             dynamic_ncols=True, leave=False,
                             # redraw on every result: one redraw per target is cheap,
                             # and a rate limit would hide the last state of a fast run
                             mininterval=0, miniters=1,
                             bar_format="{desc}: {n}/{total} targets{postfix} [{elapsed}]")
            self._bar.set_postfix_str(self._tally(), refresh=True)

    def _tally(self) -> str:
        return f"failed {self.counts.get('failed', 0)}, halted {self.counts.get('halted', 0)}"

    def _say(self, text: str) -> None:
        if self._bar is not None:
            self._bar.write(text, file=self.stream)
        else:
            print(text, file=self.stream, flush=True)

    def result(self, res: Result) -> None:
        """Print the target's line (and, in Actions, open its wave's group)."""
        try:
            wave = res.data.get("wave")
            if self.mode == "actions" and wave != self._wave and wave is not None:
                if self._wave is not None:
                    self._say("::endgroup::")
                self._say(f"::group::wave {int(wave)}")
                self._wave = wave
            self.done += 1
            self.counts[res.status] = self.counts.get(res.status, 0) + 1
            self._say(line(res.status, res.target, res.error or res.message))
            if self._bar is not None:
                self._bar.set_postfix_str(self._tally(), refresh=False)
                self._bar.update(1)
        except OSError:
            # stderr went away (a closed terminal): the sync goes on, its record is
            # the run directory, not this display.
            pass

    def close(self) -> None:
        try:
            if self.mode == "actions" and self._wave is not None:
                self._say("::endgroup::")
                self._wave = None
            if self._bar is not None:
                self._bar.close()
                self._bar = None
        except OSError:
            pass

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
