"""The bench's world: a large deterministic skills source, a fleet of downstreams in the
state an earlier skillsync run left them, and the loopback servers with a modelled link.

Nothing here measures; `benchmarks.measure` and `benchmarks.baselines` do. The fleet is
built directly with git plumbing (`benchmarks.repos`: fast-import, hard-linked packs) and
skillsync's own plan/lock code, so the setup does not depend on the sync engine under test.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.repos import (
    make_downstream,
    refs_of,
    restore,
    seed_repo,
    sh,
    stage_release,
    vendor_commit,
)

__all__ = ["sh"]   # re-exported: the other bench modules run git through it too

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = ROOT / "scripts"
TOKEN_ENV = "SKILLSYNC_BENCH_TOKEN"  # noqa: S105 - the variable's name, not a token
OLD, NEW = "v1.0.0", "v1.1.0"          # the fleet holds OLD; P1 syncs NEW
OWNER = "bench"
LABEL = "skills-sync"
SUBSET = "skill-00*"                    # every fourth target takes only these skills


def say(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def isolate(work: Path, token: str) -> None:
    """This process and every child: no user/system git config, pinned identity."""
    home = work / "home"
    home.mkdir(parents=True, exist_ok=True)
    (work / "tmp").mkdir(exist_ok=True)
    cfg = work / "gitconfig"
    cfg.write_text("[init]\n\tdefaultBranch = main\n[gc]\n\tauto = 0\n"
                   "[maintenance]\n\tauto = false\n[advice]\n\tdetachedHead = false\n")
    for key in list(os.environ):
        if key.startswith(("GIT_", "SKILLSYNC_", "GITHUB_")):
            del os.environ[key]
    os.environ.update({
        "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"),
        "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": str(cfg),
        "GIT_AUTHOR_NAME": "Bench Dev", "GIT_AUTHOR_EMAIL": "dev@bench.invalid",
        "GIT_COMMITTER_NAME": "Bench Dev", "GIT_COMMITTER_EMAIL": "dev@bench.invalid",
        "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C", TOKEN_ENV: token,
        "TMPDIR": str(work / "tmp"),   # every scratch clone on the same filesystem
        # Python's default: byte-code cached, as an installed skillsync has it (pip
        # compiles a wheel's modules). A PYTHONDONTWRITEBYTECODE=1 in the caller's shell
        # made every measured process compile ~100 modules from source (~70 ms a
        # start-up, issue 17's no-op process and P4 figures); the cache goes in the work
        # directory, never into the checkout.
        "PYTHONPYCACHEPREFIX": str(work / "pycache"),
    })
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    sys.pycache_prefix, sys.dont_write_bytecode = str(work / "pycache"), False
    import compileall

    import skillsync

    compileall.compile_dir(Path(skillsync.__file__).parent, quiet=1)


def git_env_with_token(token: str) -> dict[str, str]:
    """Environment for the shell baselines: the token as a header, as auth_env sends it."""
    from skillsync.git import auth_env

    return {**os.environ, **auth_env(token)}


# =========================================================================== the link


@dataclass(frozen=True)
class Link:
    """What stands between a runner and its forge, modelled by the git server: `mbps`
    shared by every git HTTP answer (0: unlimited loopback), `latency_ms` before each."""

    mbps: float = 0.0
    latency_ms: float = 0.0

    @property
    def name(self) -> str:
        parts = ([f"{self.mbps:g}mbps"] if self.mbps else []) + (
            [f"{self.latency_ms:g}ms"] if self.latency_ms else [])
        return "-".join(parts) or "loopback"

    @property
    def label(self) -> str:
        parts = ([f"{self.mbps:g} Mbit/s"] if self.mbps else []) + (
            [f"{self.latency_ms:g} ms"] if self.latency_ms else [])
        return " + ".join(parts) or "zero latency"

    def apply(self, git_srv: Any) -> None:
        git_srv.latency = self.latency_ms / 1000
        git_srv.bandwidth = self.mbps * 1e6 / 8


DEFAULT_LINKS = "loopback,100mbps,100mbps-30ms"
_LINK_RE = re.compile(r"(?:(\d+(?:\.\d+)?)mbps)?-?(?:(\d+(?:\.\d+)?)ms)?")


def parse_links(text: str) -> list[Link]:
    """`loopback,100mbps,100mbps-30ms` -> links; ValueError names the bad entry."""
    out = []
    for item in (s.strip() for s in text.split(",")):
        m = _LINK_RE.fullmatch(item)
        if item == "loopback":
            out.append(Link())
        elif item and m and (m.group(1) or m.group(2)):
            out.append(Link(float(m.group(1) or 0), float(m.group(2) or 0)))
        else:
            raise ValueError(f"{item!r}: not a link (loopback, 100mbps, 30ms, 100mbps-30ms)")
    if len({link.name for link in out}) != len(out):
        raise ValueError(f"{text!r}: a link is named twice")
    return out


@contextlib.contextmanager
def servers(work: Path, token: str) -> Iterator[tuple[Any, Any]]:
    """The git smart-HTTP server (serving `work/serve`) and the fake GitHub API, both on
    127.0.0.1; `Link.apply` sets the git server's link between measurements."""
    from skillsync.devservers.git_http import GitHttpServer
    from skillsync.devservers.github import FakeGitHub

    git_srv = GitHttpServer(work / "serve", token=token, max_log=200_000).start()
    gh = FakeGitHub(token=token).start()
    try:
        yield git_srv, gh
    finally:
        gh.stop()
        git_srv.stop()


# =========================================================================== the repositories


def fleet_spec(n: int, canary: bool = True) -> list[dict[str, Any]]:
    """Deterministic fleet: every third target pull-request, every fourth a subset; the
    first one the low-risk canary (its own first wave) unless `canary` is off."""
    out = []
    for i in range(n):
        pr = i % 3 == 2
        out.append({
            "id": f"t{i:03d}", "mechanism": "pull-request" if pr else "push",
            "risk": "low" if canary and i == 0 and n > 1 else "medium",
            "dest": ".claude/skills" if pr else ".agents/skills",
            "skills": [SUBSET] if i % 4 == 3 else ["*"],
        })
    return out


def target_yaml(t: dict[str, Any], git_url: str, api_url: str) -> str:
    lines = [
        f"id: {t['id']}", f"repo: {git_url}", "branch: main", f"mechanism: {t['mechanism']}",
        f"skills: {json.dumps(t['skills'])}", f"dest: {t['dest']}", f"risk: {t['risk']}",
        f"auth: {{method: token, env: {TOKEN_ENV}}}", f'owner: "@{OWNER}/team-{t["id"]}"',
    ]
    if t["mechanism"] == "pull-request":
        lines += [f"labels: [{LABEL}]",
                  f'forge: {{api_url: "{api_url}", repository: {OWNER}/{t["id"]}}}']
    return "\n".join(lines) + "\n"


# =========================================================================== the fleet


class Fleet:
    """The source, its manifests and a fleet of `size` downstreams served by the git
    server; `targets_dir(n)` holds the target files of the first n (the same repositories
    for every fleet size a run measures)."""

    def __init__(self, work: Path, token: str, size: int, *, canary: bool = True,
                 history_mb: int = 20, skills: int = 200) -> None:
        self.work = work
        self.token = token
        self.size = size
        self.history_mb = history_mb
        self.skills = skills
        self.specs = fleet_spec(size, canary)
        self.source = work / "source.git"
        self.serve = work / "serve"
        self.pristine = work / "pristine"
        self.manifests: dict[str, Path] = {}
        self.stage: dict[str, Path] = {}
        self.timings: dict[str, float] = {}
        self.git_url = ""

    def targets_dir(self, n: int) -> Path:
        return self.work / f"targets-{n}"

    def spec(self, n: int) -> list[dict[str, Any]]:
        return self.specs[:n]

    def url_of(self, tid: str) -> str:
        return f"{self.git_url}/{tid}.git"

    # -- setup -------------------------------------------------------------------------------
    def setup(self, git_srv: Any, gh: Any, sizes: Sequence[int]) -> None:
        from skillsync.examples import generate_source
        from skillsync.fsutil import dumps
        from skillsync.manifest import build_manifest
        from skillsync.targets import load_targets

        self.git_url = git_srv.url
        t = time.perf_counter()
        generate_source(self.source, skills=self.skills, files_per_skill=10, binary_bytes=45_000,
                        releases=3, seed=0, bare=True)
        self.timings["generate_source_s"] = round(time.perf_counter() - t, 2)
        self.source_bytes = sum(p.stat().st_size for p in self.source.rglob("*") if p.is_file())
        for ref in (OLD, NEW):
            m = build_manifest(str(self.source), ref)
            p = self.work / f"manifest-{ref}.json"
            p.write_text(dumps(m))
            self.manifests[ref] = p
        new = json.loads(self.manifests[NEW].read_text())
        self.release_files = sum(len(s["files"]) for s in new["skills"])
        self.release_bytes = sum(f["size"] for s in new["skills"] for f in s["files"])
        self.release_skills = len(new["skills"])
        # Staged release trees for the shell baselines (not timed: a stricter floor).
        for sel in ("*", SUBSET):
            d = self.work / "stage" / ("all" if sel == "*" else "subset")
            stage_release(self.source, new, sel, d)
            self.stage[sel] = d
        # The fleet as it looks before a release: each downstream's own history, then the
        # previous release vendored by skillsync (pull requests merged).
        t = time.perf_counter()
        old = json.loads(self.manifests[OLD].read_text())
        for n in sorted({self.size, *sizes}):
            tdir = self.targets_dir(n)
            tdir.mkdir()
            for spec in self.spec(n):
                (tdir / f"{spec['id']}.yaml").write_text(
                    target_yaml(spec, self.url_of(spec["id"]), gh.url))
        targets = {tg.id: tg for tg in load_targets(self.targets_dir(self.size))}
        layouts = sorted({(s["dest"], s["skills"][0]) for s in self.specs})
        trees, base = seed_repo(self.work / "seed.git", self.source, old, layouts,
                                self.history_mb)
        self.serve.mkdir(parents=True)
        vendors: dict[tuple[str, str], bytes] = {}
        for i, spec in enumerate(self.specs):
            layout = (spec["dest"], spec["skills"][0])
            if layout not in vendors:   # same lock text for the same layout
                vendors[layout] = vendor_commit(targets[spec["id"]], old, trees[layout], 0)
            make_downstream(self.serve / f"{spec['id']}.git", i, self.work / "seed.git",
                            vendors[layout], base)
        self.serve.rename(self.pristine)
        self.pristine_refs = {p.name: refs_of(p) for p in sorted(self.pristine.iterdir())}
        self.fleet_bytes = sum(p.stat().st_size for p in self.pristine.rglob("*") if p.is_file())
        self.timings["setup_fleet_s"] = round(time.perf_counter() - t, 2)

    def reset(self, git_srv: Any, gh: Any) -> None:
        """Every downstream back to the pre-release state; the servers forget everything."""
        restore(self.pristine, self.serve)
        with gh._lock:   # forget the pull requests of the previous repetition
            gh.repos.clear()
            gh.requests.clear()
        git_srv.clear()

    # -- checks ------------------------------------------------------------------------------
    def check(self, label: str, n: int, sample: int = 0) -> list[str]:
        """Every target's branch holds the release files (the same blobs for every method)."""
        problems = []
        version = NEW.removeprefix("v")
        want: dict[str, str] = {}
        for sel, d in self.stage.items():
            want[sel] = sh(["git", "hash-object", "--stdin-paths"], input="\n".join(
                sorted(str(p) for p in d.rglob("*") if p.is_file())).encode()).decode()
        for spec in self.spec(n)[: sample or None]:
            gd = self.serve / f"{spec['id']}.git"
            ref = "main" if spec["mechanism"] == "push" else f"skillsync/{version}"
            raw = sh(["git", "--git-dir", str(gd), "ls-tree", "-r", f"{ref}:{spec['dest']}"])
            rows = sorted((ln.split("\t")[1], ln.split()[2]) for ln in raw.decode().splitlines()
                          if not ln.endswith(".skillsync-lock.json"))
            d = self.stage[spec["skills"][0]]
            paths = sorted(str(p) for p in d.rglob("*") if p.is_file())
            expect = sorted(zip((str(Path(p).relative_to(d)) for p in paths),
                                want[spec["skills"][0]].split(), strict=True))
            if rows != expect:
                problems.append(f"{label}: {spec['id']} {ref} does not hold the release")
        return problems

    def pristine_problems(self) -> list[str]:
        """The hard-link reset is only safe if nothing wrote through a link."""
        return [f"pristine copy of {name} changed: hard-link reset unsafe"
                for name, before in self.pristine_refs.items()
                if refs_of(self.pristine / name) != before]
