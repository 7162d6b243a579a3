"""Git plumbing that builds the bench's repositories fast and deterministically: the
downstreams' histories as fast-import streams, one shared pack of the previous release's
files, the staged release trees the shell baselines copy in, and the hard-link reset.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any


def sh(args: Sequence[str], *, cwd: Path | None = None, input: bytes | None = None,
       env: dict[str, str] | None = None) -> bytes:
    proc = subprocess.run(list(args), cwd=cwd, input=input, capture_output=True, env=env,
                          check=False, timeout=900)
    if proc.returncode != 0:
        raise SystemExit(f"bench: error: {' '.join(map(str, args))[:200]}: exit "
                         f"{proc.returncode}: {proc.stderr.decode(errors='replace')[-800:]}")
    return proc.stdout



def base_history(mb: int, commits: int = 300) -> bytes:
    """A fast-import stream (refs/heads/base): the project history the downstreams share,
    as forks of one application would: 150 source files edited over `commits` commits and
    binary assets replaced now and then, about `mb` MB of history (~6 MB current tree)."""
    import hashlib

    out: list[bytes] = []
    swaps = mb * 4                       # 256 KB assets, incompressible
    for k in range(commits):
        who = f"App Dev <app@downstream.invalid> {1_600_000_000 + k * 43200} +0000".encode()
        msg = f"app: change {k}\n".encode()
        out.append(b"commit refs/heads/base\nauthor %s\ncommitter %s\ndata %d\n%s"
                   % (who, who, len(msg), msg))
        edits = range(150) if k == 0 else (k * 7 % 150, k * 13 % 150)
        for j in edits:
            words = hashlib.shake_256(f"app:{j}:{k}".encode()).hexdigest(2000)
            text = f"# file {j}, revision {k}\n" + "\n".join(
                words[n:n + 80] for n in range(0, len(words), 80)) + "\n"
            data = text.encode() * 2
            out.append(b"M 100644 inline app/src/file_%03d.py\ndata %d\n%s\n"
                       % (j, len(data), data))
        assets = range(8) if k == 0 else (
            [k % 8] if k * max(swaps - 8, 0) // commits != (k - 1) * max(swaps - 8, 0) // commits
            else [])
        for j in assets:
            data = hashlib.shake_256(f"asset:{j}:{k}".encode()).digest(256 * 1024)
            out.append(b"M 100644 inline app/assets/img_%d.bin\ndata %d\n%s\n"
                       % (j, len(data), data))
        out.append(b"\n")
    return b"".join(out)


def own_history(i: int, vendor: bytes = b"", commits: int = 24, base: str = "") -> bytes:
    """A fast-import stream: the downstream's own history (code, docs) on top of `base`,
    deterministic, then `vendor` (the commit that vendored the previous release)."""
    out: list[bytes] = []
    t0 = 1_700_000_000 + i * 3600
    for k in range(commits):
        who = f"Dev {i % 7} <dev{i % 7}@downstream.invalid> {t0 + k * 86400} +0000".encode()
        msg = f"downstream {i}: change {k}\n".encode()
        out.append(b"commit refs/heads/main\nmark :%d\nauthor %s\ncommitter %s\n"
                   b"data %d\n%s" % (k + 1, who, who, len(msg), msg))
        if k:
            out.append(b"from :%d\n" % k)
        elif base:
            out.append(b"from %s\n" % base.encode())
        files = {f"src/module_{k % 8}.py": f"# module {k % 8} of downstream {i}\n"
                 + "".join(f"def f{j}():\n    return {i * 1000 + k * 10 + j}\n"
                           for j in range(20 + k)),
                 f"docs/notes-{k % 5}.md": f"# Notes {k % 5}\n\n" + f"revision {k}\n" * 30}
        if k == 0:
            files["README.md"] = f"# downstream {i}\n\nOur own project; skills are vendored.\n"
        for path, text in files.items():
            data = text.encode()
            out.append(b"M 100644 inline %s\ndata %d\n%s\n" % (path.encode(), len(data), data))
        out.append(b"\n")
    if vendor:
        out.append(vendor.replace(b"@FROM@", b":%d" % commits))
    out.append(b"done\n")
    return b"".join(out)


def seed_repo(path: Path, source: Path, manifest: dict[str, Any],
              layouts: Sequence[tuple[str, str]], history_mb: int
              ) -> tuple[dict[tuple[str, str], str], str]:
    """One pack holding the vendored files of the previous release for every (dest,
    selection) layout; returns layout -> tree id. Each downstream hard-links this pack, so
    a fleet of N repositories costs one pack on disk, and the git server serves real
    objects (a downstream never borrows from the source)."""
    import fnmatch

    sh(["git", "init", "-q", "--bare", str(path)])
    (path / "objects" / "info" / "alternates").write_text(str(source / "objects") + "\n")
    out: list[bytes] = [base_history(history_mb)] if history_mb else []
    for n, (dest, sel) in enumerate(layouts):
        msg = f"layout {dest} {sel}\n".encode()
        who = b"Bench <bench@bench.invalid> 1700000000 +0000"
        out.append(b"commit refs/heads/layout-%d\nauthor %s\ncommitter %s\ndata %d\n%s"
                   % (n, who, who, len(msg), msg))
        for s in manifest["skills"]:
            if fnmatch.fnmatchcase(s["name"], sel):
                for f in s["files"]:
                    out.append(b"M %s %s %s/%s/%s\n" % (f["mode"].encode(), f["blob"].encode(),
                               dest.encode(), s["name"].encode(), f["path"].encode()))
        out.append(b"\n")
    out.append(b"done\n")
    sh(["git", "--git-dir", str(path), "fast-import", "--quiet", "--done"], input=b"".join(out))
    sh(["git", "--git-dir", str(path), "repack", "-a", "-d", "-q"])   # no -l: take the blobs
    (path / "objects" / "info" / "alternates").unlink()
    sh(["git", "--git-dir", str(path), "fsck", "--connectivity-only", "--no-progress"])
    trees = {layout: sh(["git", "--git-dir", str(path), "rev-parse",
                         f"refs/heads/layout-{n}:{layout[0]}"]).decode().strip()
             for n, layout in enumerate(layouts)}
    base = sh(["git", "--git-dir", str(path), "rev-parse", "refs/heads/base"]).decode().strip() \
        if history_mb else ""
    return trees, base


def vendor_commit(target: Any, manifest: dict[str, Any], tree: str, i: int) -> bytes:
    """The commit a previous skillsync run left on main: the release files under `dest`,
    the downstream lock (built by skillsync's own plan/lock code) and the trailers."""
    from skillsync.plan import desired_files, new_lock

    lock = new_lock(manifest, desired_files(manifest, target), "bench-previous-run")
    data = lock.to_json().encode()
    src = manifest["source"]
    msg = (f"skillsync: sync skills {manifest['version']}\n\n"
           f"Skillsync-Source: {src['repo']}\nSkillsync-Commit: {src['commit']}\n"
           f"Skillsync-Version: {manifest['version']}\nSkillsync-Run: bench-previous-run\n"
           ).encode()
    who = f"skillsync <skillsync@users.noreply.github.com> {1_710_000_000 + i} +0000".encode()
    return (b"commit refs/heads/main\nauthor %s\ncommitter %s\ndata %d\n%sfrom @FROM@\n"
            b"M 040000 %s %s\nM 100644 inline %s\ndata %d\n%s\n\n"
            % (who, who, len(msg), msg, tree.encode(), target.dest.encode(),
               target.lock_path.encode(), len(data), data))


def make_downstream(path: Path, i: int, seed: Path, vendor: bytes, base: str) -> None:
    sh(["git", "init", "-q", "--bare", "-b", "main", str(path)])
    for f in (seed / "objects" / "pack").iterdir():
        os.link(f, path / "objects" / "pack" / f.name)
    sh(["git", "--git-dir", str(path), "fast-import", "--quiet", "--done"],
       input=own_history(i, vendor, base=base))
    with open(path / "config", "a") as fh:   # no gc in the middle of a measurement
        fh.write("[receive]\n\tautogc = false\n[gc]\n\tauto = 0\n")


def stage_release(source: Path, manifest: dict[str, Any], selection: str, dest: Path) -> int:
    """The files a target of `selection` receives, laid out as `<skill>/<path>` (what the
    floor and naive scripts copy in). Returns the file count."""
    import fnmatch

    files = [(f"{s['name']}/{f['path']}", f) for s in manifest["skills"]
             if fnmatch.fnmatchcase(s["name"], selection) for f in s["files"]]
    proc = subprocess.Popen(["git", "--git-dir", str(source), "cat-file", "--batch"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert proc.stdin is not None and proc.stdout is not None
    feeder = threading.Thread(target=lambda: (proc.stdin.write(  # type: ignore[union-attr]
        "".join(f["blob"] + "\n" for _, f in files).encode()), proc.stdin.close()))  # type: ignore[union-attr]
    feeder.start()
    for rel, f in files:
        header = proc.stdout.readline().split()
        data = proc.stdout.read(int(header[2]))
        proc.stdout.read(1)
        p = dest / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
        if f["mode"] == "100755":
            p.chmod(0o755)
    feeder.join()
    proc.stdout.close()   # the pipe, not left to the garbage collector
    proc.wait()
    return len(files)


def restore(pristine: Path, serve: Path) -> None:
    """Every downstream back to the pre-release state: a hard-link copy of the pristine
    repositories (git never rewrites an object or ref file in place; refs change by rename)."""
    if serve.exists():
        shutil.rmtree(serve)
    shutil.copytree(pristine, serve, copy_function=os.link)


def refs_of(git_dir: Path) -> str:
    return sh(["git", "--git-dir", str(git_dir), "for-each-ref",
               "--format=%(refname) %(objectname)"]).decode()
