"""docs/downstream-inventory.md: generated, deterministic, and CI notices when it is stale."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import ROOT, run_script
from skillsync.commands.inventory import main as inventory_main
from skillsync.inventory import BANNER, render
from skillsync.targets import load_targets

COMMITTED = ROOT / "docs" / "downstream-inventory.md"


def test_render_is_deterministic_and_independent_of_order_and_location(tmp: Path) -> None:
    fleet = load_targets(ROOT / "targets")
    first = render(fleet)
    assert render(list(reversed(fleet))) == first
    # The same files loaded from another directory render the same bytes: no resolved paths.
    moved = tmp / "elsewhere" / "targets"
    shutil.copytree(ROOT / "targets", moved)
    assert render(load_targets(moved)) == first
    assert str(ROOT) not in first and str(tmp) not in first


def test_inventory_content() -> None:
    text = render(load_targets(ROOT / "targets"))
    assert text.startswith(BANNER + "\n")
    rows = [ln for ln in text.splitlines() if ln.startswith("| `")]
    assert [r.split("|")[1].strip() for r in rows] == [
        "`acme-agents`", "`beta-lab`", "`canary-docs`", "`docs-portal`", "`legacy-tools`",
        "`mobile-agents`", "`platform-monorepo`"]
    acme = rows[0]
    for cell in ("pull-request (acme/agents)", "`../.skillsync/demo/remotes/acme-agents.git`",
                 "token (`ACME_SYNC_TOKEN`)", "medium", "@acme/platform"):
        assert cell in acme
    assert "http://127.0.0.1:8789/skills/hook" in rows[3]
    assert "| **no** |" in rows[4]  # legacy-tools is disabled
    assert "submodule (`vendor/skills`, via push)" in rows[6]


def test_committed_inventory_is_fresh() -> None:
    proc = run_script("inventory", "--check", cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert COMMITTED.read_text() == render(load_targets(ROOT / "targets"))


def test_write_then_check_then_stale(tmp: Path) -> None:
    out = tmp / "docs" / "inv.md"
    targets = ROOT / "targets"
    proc = run_script("inventory", "--targets", str(targets), "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    assert out.read_text() == COMMITTED.read_text()
    ok = run_script("inventory", "--targets", str(targets), "--check", "-o", str(out))
    assert ok.returncode == 0, ok.stderr

    out.write_text(out.read_text().replace("@acme/platform", "@acme/someone-else"))
    stale = run_script("inventory", "--targets", str(targets), "--check", "-o", str(out))
    assert stale.returncode == 1
    assert stale.stderr == f"inventory: error: {out}: stale: run scripts/inventory\n"
    assert "someone-else" in out.read_text()  # --check never writes


def test_missing_inventory_is_stale(tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp / "inv.md"
    assert inventory_main(["--targets", str(ROOT / "targets"), "--check", "-o", str(out)]) == 1
    assert "stale: run scripts/inventory" in capsys.readouterr().err
    assert not out.exists()


def test_target_change_makes_inventory_stale(tmp: Path) -> None:
    targets = tmp / "targets"
    shutil.copytree(ROOT / "targets", targets)
    out = tmp / "inv.md"
    shutil.copy(COMMITTED, out)
    f = targets / "beta-lab.yaml"
    f.write_text(f.read_text().replace("risk: low", "risk: medium"))
    stale = run_script("inventory", "--targets", str(targets), "--check", "-o", str(out))
    assert stale.returncode == 1 and "stale: run scripts/inventory" in stale.stderr


def test_bad_target_file_is_config_error(tmp: Path) -> None:
    targets = tmp / "targets"
    targets.mkdir()
    (targets / "x.yaml").write_text("id: x\nrepo: r.git\nmechanism: push\nbrnch: main\n")
    proc = run_script("inventory", "--targets", str(targets), "-o", str(tmp / "inv.md"))
    assert proc.returncode == 2
    assert proc.stderr == f"inventory: error: {targets}/x.yaml:4: unknown key 'brnch'" \
                          " (did you mean 'branch'?)\n"
    assert not (tmp / "inv.md").exists()


def test_stdout_output(capsys: pytest.CaptureFixture[str]) -> None:
    assert inventory_main(["--targets", str(ROOT / "targets"), "-o", "-"]) == 0
    assert capsys.readouterr().out == COMMITTED.read_text()
