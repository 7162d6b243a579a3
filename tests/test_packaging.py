"""The installable package: a wheel built from this checkout, installed into a fresh venv,
gives every script as a `skillsync-<script-name>` console command calling the same `main`
as scripts/<script-name>, with the schemas and workflow templates inside the wheel; and the
hashed lock the composite action installs from is current against pyproject.toml."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import ROOT, SCRIPTS, make_repo

# The wheel is built with the setuptools already installed (no build isolation, so no
# network); setuptools >= 70.1 builds wheels without the separate `wheel` package.


def _project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def _shims() -> dict[str, str]:
    """scripts/<name> (Python shims) -> the module whose `main` it calls."""
    out = {}
    for p in sorted(SCRIPTS.iterdir()):
        if p.suffix or not p.is_file():
            continue   # scripts/*.sh are shell wrappers around a Python shim
        m = re.search(r"^from (skillsync\.commands\.\w+) import main\b", p.read_text(), re.M)
        assert m, f"scripts/{p.name} is not a shim over skillsync.commands.*:main"
        out[p.name] = m[1]
    return out


def test_every_script_is_a_console_command_calling_the_same_main() -> None:
    declared = _project()["project"]["scripts"]
    expected = {f"skillsync-{name}": f"{module}:main" for name, module in _shims().items()}
    missing = {k: v for k, v in expected.items() if k not in declared}
    wrong = {k: (declared[k], v) for k, v in expected.items() if k in declared
             and declared[k] != v}
    assert not missing, f"add to [project.scripts]: {missing}"
    assert not wrong, f"[project.scripts] calls another main than scripts/: {wrong}"
    for name, target in declared.items():
        assert name.startswith("skillsync-"), name
        module = target.partition(":")[0]
        assert (ROOT / "src" / (module.replace(".", "/") + ".py")).is_file(), target


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A wheel of this checkout, installed into a fresh venv (deps from the system site)."""
    try:
        import setuptools
    except ImportError:  # pragma: no cover - setuptools is our build backend
        pytest.fail("setuptools is not installed")
    if tuple(int(x) for x in setuptools.__version__.split(".")[:2]) < (70, 1):
        pytest.fail(f"setuptools {setuptools.__version__} cannot build a wheel offline; "
                    "pyproject needs setuptools>=70.1 (install it: pip install -U setuptools)")
    tmp = tmp_path_factory.mktemp("pkg")
    # Build from a copy with the real layout (the symlinks src/skillsync/schemas and
    # src/skillsync/workflows included), so the checkout gets no build/ or egg-info.
    src = tmp / "checkout"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, src / name)
    shutil.copytree(ROOT / "src", src / "src", symlinks=True,
                    ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    shutil.copytree(ROOT / "schemas", src / "schemas")
    shutil.copytree(ROOT / ".github", src / ".github")
    dist = tmp / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-build-isolation", "--no-deps",
                    "--no-index", "--no-cache-dir", "-q", "-w", str(dist), str(src)],
                   check=True, capture_output=True, timeout=120)
    [wheel] = dist.glob("skillsync-*.whl")
    env_dir = tmp / "venv"
    # Dependencies (pyyaml, requests, ...) come from the system site; skillsync itself
    # only from the wheel, which the venv's own site-packages puts first.
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", "--system-site-packages",
                    str(env_dir)], check=True, timeout=60)
    subprocess.run([sys.executable, "-m", "pip", "--python", str(env_dir / "bin" / "python"),
                    "install", "--no-deps", "--no-index", "--no-cache-dir", "-q", str(wheel)],
                   check=True, capture_output=True, timeout=120)
    (env_dir / "wheel").write_text(str(wheel))
    yield env_dir


@pytest.mark.slow
def test_wheel_holds_schemas_and_workflow_templates(venv: Path) -> None:
    names = zipfile.ZipFile((venv / "wheel").read_text()).namelist()
    for schema in sorted((ROOT / "schemas").glob("*.json")):
        assert f"skillsync/schemas/{schema.name}" in names
    for wf in ("sync-downstream.yml", "rollback.yml", "skillsync-validate.yml"):
        assert f"skillsync/workflows/{wf}" in names, "add 'workflows/*.yml' to package-data"
    assert "skillsync/py.typed" in names


@pytest.mark.slow
def test_console_commands_run_from_the_wheel(venv: Path) -> None:
    bindir = venv / "bin"
    found = subprocess.run([str(bindir / "python"), "-c",
                            "import skillsync, json; print(json.dumps(skillsync.__file__))"],
                           capture_output=True, text=True, check=True, timeout=60)
    assert str(venv) in json.loads(found.stdout), "skillsync was not imported from the wheel"
    commands = sorted(_project()["project"]["scripts"])
    procs = {c: subprocess.Popen([str(bindir / c), "--help"], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True) for c in commands}
    for name, proc in procs.items():
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, f"{name} --help: {err}"
        assert out.startswith("usage: "), name
        assert "exit codes:" in out, name


@pytest.mark.slow
def test_installed_init_and_validate_use_packaged_data(venv: Path, tmp_path: Path) -> None:
    """init writes the packaged schema and workflows; validate loads the packaged schema."""
    bindir = venv / "bin"
    repo = make_repo(tmp_path / "skills",
                     {"skills/a/SKILL.md": "---\nname: a\ndescription: A skill.\n---\n# a\n"})
    sha = "0123456789abcdef0123456789abcdef01234567"
    proc = subprocess.run([str(bindir / "skillsync-init"), "--repo", str(repo), "--pin", sha],
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    assert (repo / "schemas/target.schema.json").read_bytes() == \
        (ROOT / "schemas/target.schema.json").read_bytes()
    repository = json.loads(proc.stdout)["pin"]["repository"]
    assert f"uses: {repository}/.github/workflows/sync-downstream.yml@{sha} # v" in \
        (repo / ".github/workflows/sync-downstream.yml").read_text()
    proc = subprocess.run([str(bindir / "skillsync-validate-sync-targets"), "--targets",
                           str(repo / "targets")], capture_output=True, text=True, timeout=120,
                          check=False)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == []


# -- the lock the composite action installs (action.yml, issue 13) ---------------------------

LOCK = ROOT / "requirements" / "action.txt"


def _lock() -> dict[str, tuple[str, list[str]]]:
    """name -> (version, hashes) of requirements/action.txt (pip-compile's format)."""
    from packaging.utils import canonicalize_name

    out: dict[str, tuple[str, list[str]]] = {}
    entry: str | None = None
    for raw in LOCK.read_text().splitlines():
        line = raw.split(" #", 1)[0].rstrip(" \\").strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("--hash="):
            assert entry is not None, raw
            out[entry][1].append(line.removeprefix("--hash="))
            continue
        assert not line.startswith("-"), f"an option in the lock: {raw}"
        m = re.fullmatch(r"([A-Za-z0-9._-]+)==([A-Za-z0-9.+!-]+)", line)
        assert m, f"not pinned with ==: {raw}"
        entry = canonicalize_name(m[1])
        out[entry] = (m[2], [])
    return out


def test_the_action_lock_is_current_pinned_and_hashed() -> None:
    """Every runtime dependency of pyproject.toml and the build backend are in the lock at
    a version their specifiers allow; every entry is pinned with == and carries sha256
    hashes (pip --require-hashes refuses anything else); the lock is closed over the
    dependencies of the locked versions this interpreter has installed."""
    from importlib.metadata import PackageNotFoundError, distribution

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    lock = _lock()
    assert lock, "requirements/action.txt is empty"
    for name, (_, hashes) in lock.items():
        assert hashes and all(re.fullmatch(r"sha256:[0-9a-f]{64}", h) for h in hashes), name
    project = _project()
    wanted = [Requirement(r) for r in project["project"]["dependencies"]]
    wanted += [Requirement(r) for r in project["build-system"]["requires"]]
    for req in wanted:
        name = canonicalize_name(req.name)
        assert name in lock, f"{req.name} is not in the lock: regenerate it (header command)"
        assert req.specifier.contains(lock[name][0], prereleases=True), \
            f"the lock has {name}=={lock[name][0]}, pyproject wants {req}: regenerate it"
    header = LOCK.read_text()
    assert "pip-compile" in header and "--generate-hashes" in header
    assert "pyproject.toml requirements/action.in" in header
    for name, (version, _) in lock.items():
        try:
            dist = distribution(name)
        except PackageNotFoundError:
            continue
        if dist.version != version:
            continue   # another version here: its dependencies may differ
        for spec in dist.requires or []:
            req = Requirement(spec)
            if req.marker is not None and not req.marker.evaluate({"extra": ""}):
                continue
            assert canonicalize_name(req.name) in lock, \
                f"{name}=={version} needs {req.name}, which the lock lacks"
