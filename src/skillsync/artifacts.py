"""The one reader for files read back from a run directory (issue 12, DESIGN.md
"Trust boundary").

A run directory travels between CI jobs as an artifact, so whoever can edit an
artifact can put anything in it. Every file skillsync reads back from one (plans,
results, snapshots, rollback records, routes.json, matrix.json, run.json,
targets.json, manifest.json) comes through `load`:

- read with a size limit, never through a symlink; invalid UTF-8 or JSON names
  the file and line;
- checked against its JSON Schema (`skillsync/schemas/<kind>.schema.json`); the
  first failure names the file and its JSON path:
  `RUN/results/a.json#/status: 'pwned' is not one of [...]`;
- then what a schema cannot say: a per-target file's `target` is its file name
  (a sane target id), every repository path in it passes the path policy
  (skillsync.paths), and routes name each target once.

A bad file is an ArtifactError: exit 2 and one line, before anything is written.
Untrusted text in a message is always escaped with `paths.show`.
"""

from __future__ import annotations

import functools
import json
import re
import stat
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from skillsync import paths
from skillsync.errors import UsageError

if TYPE_CHECKING:
    from skillsync.runlog import RunDir

# A snapshot of a large downstream is a few MB; anything far beyond that is not ours.
MAX_BYTES = 64 << 20
# Same rule as targets/*.yaml `id` (schemas/target.schema.json): a file name and a
# branch component, never a path.
TARGET_ID = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
BRANCH = re.compile(r"(?!-)(?!/)(?!.*//)(?!.*\.\.)(?!.*@\{)(?!.*/\.)(?!\.)(?!.*\.lock$)"
                    r"(?!.*/$)(?!.*\.$)[A-Za-z0-9._/+-]+")
SHA = re.compile(r"[0-9a-f]{40}(?:[0-9a-f]{24})?")


class ArtifactError(UsageError):
    """A run-directory file that is not what skillsync writes (exit 2)."""


Check = Callable[[Any], Iterator[tuple[str, str]]]


@dataclass(frozen=True)
class Kind:
    schema: str                  # file name in skillsync/schemas/
    folder: str | None = None    # per-target kinds: <folder>/<target id>.json
    check: Check | None = None   # what the schema cannot say: (JSON pointer, problem)


# -- checks beyond the schema -------------------------------------------------------------------
def _path_problem(path: str) -> str | None:
    # Paths recorded from a downstream tree may be NFD (a checkout on macOS); every
    # other rule of the path policy holds, because these paths reach git plumbing.
    return paths.problem(unicodedata.normalize("NFC", path))


def _paths(pairs: Iterable[tuple[str, Any]]) -> Iterator[tuple[str, str]]:
    seen: set[str] = set()   # a snapshot lists most owned paths twice (files, owned)
    for pointer, value in pairs:
        if isinstance(value, str) and value not in seen:
            seen.add(value)
            reason = _path_problem(value)
            if reason:
                yield pointer, reason


def _key(text: str) -> str:
    """One JSON-pointer token (RFC 6901)."""
    return str(text).replace("~", "~0").replace("/", "~1")


def _check_plan(data: Any) -> Iterator[tuple[str, str]]:
    yield from _paths((f"/operations/{i}/path", op.get("path"))
                      for i, op in enumerate(data.get("operations") or []))
    for key in ("branch", "work_branch"):
        value = data.get(key)
        if value is not None and not BRANCH.fullmatch(value):
            yield f"/{key}", "not a valid branch name"
    heads = {"base_head": data.get("base_head"),
             "data/work_head": (data.get("data") or {}).get("work_head")}
    for key, value in heads.items():
        if value is not None and not (isinstance(value, str) and SHA.fullmatch(value)):
            yield f"/{key}", "not a commit id"


def _check_snapshot(data: Any) -> Iterator[tuple[str, str]]:
    def pairs() -> Iterator[tuple[str, Any]]:
        for key in ("files", "work_files"):
            yield from ((f"/{key}/{_key(p)}", p) for p in (data.get(key) or {}))
        for key in ("owned", "scope"):
            yield from ((f"/{key}/{i}", p) for i, p in enumerate(data.get(key) or []))
        yield from ((f"/{key}", data.get(key)) for key in ("dest", "lock_path"))
        yield "/submodule/path", (data.get("submodule") or {}).get("path")
        yield from ((f"/lock/files/{_key(p)}", p)
                    for p in ((data.get("lock") or {}).get("files") or {}))

    return _paths(pairs())


def _check_routes(data: Any) -> Iterator[tuple[str, str]]:
    seen: set[str] = set()
    for i, route in enumerate(data):
        if route["id"] in seen:
            yield f"/{i}/id", f"target {route['id']} is routed twice"
        seen.add(route["id"])


KINDS: dict[str, Kind] = {
    "plan": Kind("plan.schema.json", "plans", _check_plan),
    "result": Kind("result.schema.json", "results"),
    "snapshot": Kind("snapshot.schema.json", "snapshots", _check_snapshot),
    "rollback": Kind("rollback.schema.json", "rollbacks"),
    "routes": Kind("routes.schema.json", check=_check_routes),
    "matrix": Kind("matrix.schema.json"),
    "run": Kind("run.schema.json"),
    "targets": Kind("targets-meta.schema.json"),
    "manifest": Kind("manifest.schema.json"),
}
_FILES = {"routes.json": "routes", "matrix.json": "matrix", "run.json": "run",
          "targets.json": "targets", "manifest.json": "manifest"}
_FOLDERS = {k.folder: name for name, k in KINDS.items() if k.folder}


def kind_of(relpath: str) -> str | None:
    """The kind of a file at `relpath` (POSIX, relative to a run directory), if any."""
    if relpath in _FILES:
        return _FILES[relpath]
    folder, _, name = relpath.partition("/")
    if folder in _FOLDERS and name.endswith(".json") and "/" not in name:
        return _FOLDERS[folder]
    return None


# -- schemas --------------------------------------------------------------------------------
def schema(name: str) -> dict[str, Any]:
    from skillsync.jsonschemas import load

    return load(name)


def _validator(name: str) -> Any:
    from skillsync import mechanisms

    return _compiled(name, tuple(sorted(mechanisms.REGISTRY)))


_SHIPPED_MECHANISMS = ["pull-request", "push", "submodule", "webhook"]


@functools.cache
def _compiled(name: str, known: tuple[str, ...]) -> Any:
    # Compiled once per process and set of mechanisms (issue 17 measures start-up;
    # jsonschema is imported only when a run-directory file is actually read).
    from skillsync.jsonschemas import compile_schema

    return compile_schema(_with_mechanisms(schema(name), list(known)))


def _with_mechanisms(node: Any, known: list[str]) -> Any:
    """The schemas list the mechanisms this repository ships (for editors and readers);
    the registry is what decides (issue 14): a registered mechanism's files are valid."""
    if isinstance(node, dict):
        if node.get("enum") == _SHIPPED_MECHANISMS:
            return {**node, "enum": known}
        if node.get("enum") == [*_SHIPPED_MECHANISMS, ""]:
            return {**node, "enum": [*known, ""]}
        return {k: _with_mechanisms(v, known) for k, v in node.items()}
    if isinstance(node, list):
        return [_with_mechanisms(v, known) for v in node]
    return node


# -- reading ----------------------------------------------------------------------------------
def _printable(text: str, limit: int = 200) -> str:
    # jsonschema quotes values with repr(), which already escapes them; this only
    # makes sure no raw control character survives, and bounds the length.
    text = "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii")
                   for ch in text)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def parse(raw: bytes, where: str) -> Any:
    """JSON from `raw`; an ArtifactError naming `where` (and the line) otherwise."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ArtifactError(f"not UTF-8 text (byte {exc.start})", where=where) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ArtifactError(f"not valid JSON: {exc.msg} (column {exc.colno})",
                            where=f"{where}:{exc.lineno}") from None
    except RecursionError:
        raise ArtifactError("nested too deeply to be a skillsync file", where=where) from None


def read(path: Path) -> Any:
    """The JSON in `path`: a regular file, not a symlink, at most MAX_BYTES."""
    where = paths.show(str(path))
    try:
        st = path.lstat()
        if stat.S_ISLNK(st.st_mode):
            raise ArtifactError("is a symlink; a run directory holds plain files", where=where)
        if not stat.S_ISREG(st.st_mode):
            raise ArtifactError("is not a regular file", where=where)
        if st.st_size > MAX_BYTES:
            raise ArtifactError(f"is {st.st_size} bytes, more than any skillsync file "
                                f"({MAX_BYTES})", where=where)
        raw = path.read_bytes()
    except OSError as exc:
        raise ArtifactError(f"cannot read: {exc.strerror or exc}", where=where) from None
    return parse(raw, where)


def check(data: Any, kind: str, where: str, *, name: str | None = None) -> Any:
    """`data` when it is a valid `kind`; else an ArtifactError naming `where` and the
    JSON path of the first failure. `name`: the target id its file name says."""
    from skillsync.jsonschemas import surely_valid

    k = KINDS[kind]
    err = None
    if not surely_valid(k.schema, data):    # else jsonschema decides, and says where
        from jsonschema.exceptions import best_match

        try:
            err = best_match(_validator(k.schema).iter_errors(data))
        except RecursionError:
            raise ArtifactError("nested too deeply to be a skillsync file",
                                where=where) from None
    if err is not None:
        pointer = "".join(f"/{_key(str(p))}" for p in err.absolute_path)
        raise ArtifactError(_printable(err.message), where=f"{where}#{paths.show(pointer)}"
                            if pointer else where)
    if name is not None and data.get("target") != name:
        raise ArtifactError(f"names target {paths.show(str(data.get('target')))!r}, but the "
                            f"file is {paths.show(name)}.json", where=f"{where}#/target")
    for pointer, problem in (k.check(data) if k.check else ()):
        raise ArtifactError(problem, where=f"{where}#{paths.show(pointer)}")
    return data


def load(path: Path, kind: str) -> Any:
    """Read and check one file of `kind` (per-target kinds: the file name is the id)."""
    name = None
    if KINDS[kind].folder:
        name = path.name.removesuffix(".json")
        if not TARGET_ID.fullmatch(name):
            raise ArtifactError("file name is not a target id (a-z, 0-9, '.', '_', '-')",
                                where=paths.show(str(path)))
    return check(read(path), kind, paths.show(str(path)), name=name)


def load_optional(path: Path, kind: str) -> Any:
    """`load`, or None when there is no such file."""
    if not path.exists() and not path.is_symlink():
        return None
    return load(path, kind)


# -- a run directory's files --------------------------------------------------------------------
def _one(run: RunDir, kind: str, target: str) -> dict[str, Any] | None:
    folder = KINDS[kind].folder
    assert folder is not None
    if not TARGET_ID.fullmatch(target):
        raise ArtifactError(f"not a target id: {paths.show(target)!r}")
    data = load_optional(run.path / folder / f"{target}.json", kind)
    return None if data is None else dict(data)


def ids(run: RunDir, kind: str) -> list[str]:
    """Target ids that have a file of `kind` (names checked, contents not read)."""
    folder = run.path / str(KINDS[kind].folder)
    out = []
    for p in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        name = p.name.removesuffix(".json")
        if not TARGET_ID.fullmatch(name):
            raise ArtifactError("file name is not a target id (a-z, 0-9, '.', '_', '-')",
                                where=paths.show(str(p)))
        out.append(name)
    return out


def plan(run: RunDir, target: str) -> dict[str, Any] | None:
    return _one(run, "plan", target)


def result(run: RunDir, target: str) -> dict[str, Any] | None:
    return _one(run, "result", target)


def snapshot(run: RunDir, target: str) -> dict[str, Any] | None:
    return _one(run, "snapshot", target)


def rollback(run: RunDir, target: str) -> dict[str, Any] | None:
    return _one(run, "rollback", target)


def results(run: RunDir) -> dict[str, dict[str, Any]]:
    """Every results/<id>.json, checked, by target id."""
    return {tid: dict(load(run.path / "results" / f"{tid}.json", "result"))
            for tid in ids(run, "result")}


def routes(run: RunDir) -> list[dict[str, Any]] | None:
    """routes.json (either form route-targets writes), checked; None when absent."""
    path = run.path / "routes.json"
    if not path.exists() and not path.is_symlink():
        return None
    return check_routes(read(path), paths.show(str(path)))


def check_routes(data: Any, where: str) -> list[dict[str, Any]]:
    """route-targets output, either a list or `{"include": [...]}` (--matrix), checked."""
    if isinstance(data, dict) and set(data) == {"include"}:
        data = data["include"]
    return list(check(data, "routes", where))


def matrix(run: RunDir) -> dict[str, Any] | None:
    data = load_optional(run.path / "matrix.json", "matrix")
    return None if data is None else dict(data)


def targets_meta(run: RunDir) -> dict[str, dict[str, Any]]:
    """targets.json (optional) by target id."""
    data = load_optional(run.path / "targets.json", "targets")
    return {t["id"]: dict(t) for t in data or []}


def manifest(run: RunDir) -> dict[str, Any] | None:
    """manifest.json, checked against the manifest schema (its digest and blobs are
    verified where it is used to write: skillsync.manifest); None when absent."""
    data = load_optional(run.path / "manifest.json", "manifest")
    return None if data is None else dict(data)


def run_meta(directory: Path) -> dict[str, Any] | None:
    """run.json of a run directory, checked; None when absent."""
    data = load_optional(directory / "run.json", "run")
    return None if data is None else dict(data)


def check_tree(directory: Path, relpaths: Sequence[str]) -> None:
    """Check every file of a known kind among `relpaths` under `directory` (merge-runs
    checks a part before copying anything of it). The manifest is left to its own
    verification (skillsync.manifest), which every step that uses it runs."""
    for rel in relpaths:
        kind = kind_of(rel)
        if kind == "manifest":
            continue
        if kind == "routes":
            check_routes(read(directory / rel), paths.show(str(directory / rel)))
        elif kind is not None:
            load(directory / rel, kind)
