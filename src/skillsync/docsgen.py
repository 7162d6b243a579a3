"""Generated documentation: `docs/cli.md` (the `--help` of every script) and the
generated sections of hand-written pages (the escalation path per target in
`docs/incident-response.md`).

Like sqlite-utils' cog-generated CLI reference: the text comes from the code and
`scripts/docs --check` fails CI when a committed page differs, so the docs cannot
drift. Output is deterministic: help is rendered in-process at a fixed width (not
the terminal's), targets are sorted, there are no timestamps.
"""

from __future__ import annotations

import ast
import contextlib
import io
import os
from collections.abc import Iterator, Sequence
from pathlib import Path

from skillsync.errors import EXIT_FAILED, ConfigError, SkillsyncError
from skillsync.model import Target

HELP_WIDTH = 80
CLI_DOC = "docs/cli.md"
INCIDENT_DOC = "docs/incident-response.md"


class StaleError(SkillsyncError):
    """A committed generated page differs from what the code generates."""

    exit_code = EXIT_FAILED


def _banner(what: str) -> str:
    return (f"<!-- GENERATED FILE - DO NOT EDIT. Made by scripts/docs from {what};\n"
            "     change the code, then run scripts/docs. CI runs `scripts/docs --check`. -->")


# -- the --help of every script ------------------------------------------------

def scripts_in(directory: Path) -> list[Path]:
    """The executable scripts of `directory`, sorted by name."""
    return sorted(p for p in Path(directory).iterdir()
                  if p.is_file() and not p.name.startswith((".", "_")) and os.access(p, os.X_OK))


def _command_module(script: Path) -> str | None:
    """The `skillsync.commands.*` module a Python shim imports `main` from."""
    try:
        tree = ast.parse(script.read_text(encoding="utf-8"), filename=str(script))
    except SyntaxError:
        return None
    for node in ast.walk(tree):
        if (isinstance(node, ast.ImportFrom) and node.module
                and node.module.startswith("skillsync.commands.")
                and any(a.name == "main" for a in node.names)):
            return node.module
    return None


@contextlib.contextmanager
def _columns(width: int) -> Iterator[None]:
    # argparse wraps to $COLUMNS; pin it so the text is the same on every terminal.
    old = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = str(width)
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("COLUMNS", None)
        else:
            os.environ["COLUMNS"] = old


def module_help(module: str, width: int = HELP_WIDTH) -> str:
    """What `main(["--help"])` of a command module prints."""
    import importlib

    mod = importlib.import_module(module)
    out = io.StringIO()
    with _columns(width), contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):
        mod.main(["--help"])
    text = out.getvalue()
    if not text.strip():
        raise ConfigError(f"{module}: --help printed nothing")
    return text


def shell_help(script: Path) -> str:
    """A shell script documents itself in the comment block after its shebang."""
    lines = script.read_text(encoding="utf-8").splitlines()[1:]
    block = []
    for line in lines:
        if not line.startswith("#"):
            break
        block.append(line[2:] if line.startswith("# ") else line[1:])
    return "\n".join(block).strip() + "\n"


def script_help(script: Path, width: int = HELP_WIDTH) -> str:
    module = _command_module(script)
    if module is not None:
        return module_help(module, width)
    first = script.read_text(encoding="utf-8").split("\n", 1)[0]
    if first.startswith("#!") and ("sh" in first.rsplit("/", 1)[-1]):
        return shell_help(script)
    raise ConfigError("neither a skillsync command shim nor a shell script", where=str(script))


def cli_reference(scripts_dir: Path, width: int = HELP_WIDTH) -> str:
    """docs/cli.md: a table of contents, then each script's --help verbatim."""
    scripts = scripts_in(scripts_dir)
    lines = [
        _banner("the scripts' --help"),
        "",
        "# Command reference",
        "",
        "The `--help` of every script in `scripts/`, as printed at a width of "
        f"{width} columns. Every script exits `0` success, `1` a target or check failed, "
        "`2` usage or configuration error, `3` halted by release policy, `70` internal "
        "error, `130` interrupted. The pipeline and which script does each step: "
        "[architecture.md](architecture.md).",
        "",
    ]
    lines += [f"- [`scripts/{s.name}`](#scripts{_anchor(s.name)})" for s in scripts]
    for s in scripts:
        text = script_help(s, width).rstrip("\n")
        lines += ["", f"## scripts/{s.name}", "", "```text", text, "```"]
    return "\n".join(lines) + "\n"


def _anchor(name: str) -> str:
    # GitHub heading anchors: lower case, punctuation other than '-' and '_' dropped.
    return "".join(c for c in name.lower() if c.isalnum() or c in "-_")


# -- escalation path per target --------------------------------------------------

def escalation_table(targets: Sequence[Target]) -> str:
    """Who to call for each target, and what to renew or run, from targets/*.yaml."""
    rows = sorted(targets, key=lambda t: (not t.enabled, t.risk_rank, t.id))
    lines = [
        f"{len(rows)} target(s), canary tier first. Owner and escalation come from each "
        "target file's `owner` and `escalation`. The credential column names the variable "
        "the target's credential is read from; in CI it is the secret "
        "`SKILLSYNC_TARGET_SECRET` of the environment `skillsync-<id>` "
        "(see [release-policy.md](release-policy.md#secrets)).",
        "",
        "| target | risk | mechanism | owner | escalation | credential | notified by | "
        "roll back |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for t in rows:
        cred = f"`{t.auth.env}` ({t.auth.method})" if t.auth.env else "none"
        channels = [c for c, on in (("issue", t.notify.github_issue), ("Slack", t.notify.slack))
                    if on] + list(t.notify.email)
        ident = f"`{t.id}`" + ("" if t.enabled else " (disabled)")
        lines.append("| " + " | ".join(_cell(c) for c in (
            ident, t.risk, t.mechanism, t.owner or "**none - add `owner`**",
            t.escalation or "**none - add `escalation`**", cred, ", ".join(channels) or "none",
            f"`skillsync-rollback --run RUN --target {t.id}`")) + " |")
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def begin_marker(name: str) -> str:
    return f"<!-- BEGIN GENERATED: {name} (scripts/docs; do not edit by hand) -->"


def end_marker(name: str) -> str:
    return f"<!-- END GENERATED: {name} -->"


def replace_section(text: str, name: str, body: str, where: str) -> str:
    """`text` with the part between the markers of section `name` set to `body`."""
    begin, end = begin_marker(name), end_marker(name)
    i, j = text.find(begin), text.find(end)
    if i < 0 or j < i:
        raise ConfigError(f"no generated section {name!r}: add the lines {begin!r} and "
                          f"{end!r}", where=where)
    return text[: i + len(begin)] + "\n\n" + body.rstrip("\n") + "\n\n" + text[j:]


# -- all generated pages ---------------------------------------------------------

def render(root: Path, targets: Sequence[Target],
           scripts_dir: Path | None = None) -> dict[str, str]:
    """relative path -> the content it must have, for every generated page under `root`."""
    pages = {CLI_DOC: cli_reference(scripts_dir or root / "scripts")}
    incident = root / INCIDENT_DOC
    try:
        current = incident.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError("missing (it holds the generated escalation section)",
                          where=INCIDENT_DOC) from None
    pages[INCIDENT_DOC] = replace_section(current, "escalation", escalation_table(targets),
                                          INCIDENT_DOC)
    return pages


def stale(root: Path, pages: dict[str, str]) -> list[str]:
    """The pages whose committed text differs from `pages`."""
    out = []
    for rel, text in sorted(pages.items()):
        try:
            if (root / rel).read_text(encoding="utf-8") == text:
                continue
        except FileNotFoundError:
            pass
        out.append(rel)
    return out
