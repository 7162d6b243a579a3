"""Target files: schema, strict YAML, safe paths, the demo fleet (RELIABILITY.md 25, 27)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from conftest import ROOT, make_repo, run_script
from engine_fixtures import make_source
from skillsync.commands.health import main as health_main
from skillsync.errors import ConfigError, UsageError
from skillsync.targets import (
    check_targets,
    load_one,
    load_target,
    load_targets,
    repo_path_problem,
    select,
)

BASE = "id: t\nrepo: r.git\nmechanism: push\n"  # three lines: additions start at line 4

ALIAS_BOMB = """\
id: t
repo: r.git
mechanism: push
a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
"""

# (case id, {file name: text}, file:line of the problem, text the one line must contain)
BAD = [
    ("duplicate-key", {"t.yaml": BASE + "branch: main\nbranch: dev\n"}, "t.yaml:5",
     "duplicate key 'branch'"),
    ("unknown-key", {"t.yaml": BASE + "brnch: main\n"}, "t.yaml:4",
     "unknown key 'brnch' (did you mean 'branch'?)"),
    ("unknown-nested-key", {"t.yaml": BASE + "auth:\n  method: none\n  token: x\n"}, "t.yaml:6",
     "auth: unknown key 'token'"),
    ("alias-bomb", {"t.yaml": ALIAS_BOMB}, "t.yaml:5", "aliases are not allowed"),
    ("no-coercion", {"t.yaml": BASE + "enabled: no\n"}, "t.yaml:4",
     "'no' would be read as a boolean"),
    ("number-coercion", {"t.yaml": BASE + "branch: 1.10\n"}, "t.yaml:4",
     "'1.10' would be read as the number 1.1"),
    ("duplicate-id", {"a.yaml": "id: a\nrepo: r.git\nmechanism: push\n",
                      "b.yaml": "# copied\nid: a\nrepo: r.git\nmechanism: push\n"},
     "a.yaml:1", "duplicate target id 'a' (also in {dir}/b.yaml)"),
    ("id-mismatch", {"x.yaml": "id: y\nrepo: r.git\nmechanism: push\n"}, "x.yaml:1",
     "id 'y' does not match the file name 'x.yaml'"),
    ("dest-absolute", {"t.yaml": BASE + "dest: /etc/skills\n"}, "t.yaml:4",
     "dest '/etc/skills' must be relative"),
    ("dest-dotdot", {"t.yaml": BASE + "dest: skills/../../outside\n"}, "t.yaml:4",
     "dest 'skills/../../outside' must not contain '..'"),
    ("dest-in-git", {"t.yaml": BASE + "dest: .git/hooks\n"}, "t.yaml:4",
     "dest '.git/hooks' must not be inside .git"),
    ("dest-in-git-casefold", {"t.yaml": BASE + "dest: sub/.GIT/x\n"}, "t.yaml:4",
     "must not be inside .git"),
    ("dest-empty-dot", {"t.yaml": BASE + "dest: .\n"}, "t.yaml:4", "dest '.' is empty"),
    ("dest-not-normalized", {"t.yaml": BASE + "dest: ./skills//x\n"}, "t.yaml:4",
     "is not normalized (write 'skills/x')"),
    ("adapter-dir-unsafe", {"t.yaml": BASE + "adapters:\n  claude: ../claude\n"}, "t.yaml:5",
     "adapters.claude '../claude' must not contain '..'"),
    ("auth-env-not-a-name",
     {"t.yaml": BASE + "auth:\n  method: token\n  env: ghp_0123456789abcdefSECRET\n"},
     "t.yaml:6", "auth.env must be the NAME of an environment variable"),
    ("auth-token-without-env", {"t.yaml": BASE + "auth: {method: token}\n"}, "t.yaml:4",
     "auth: missing key 'env'"),
    ("webhook-without-url", {"t.yaml": "id: t\nmechanism: webhook\nrisk: low\n"}, "t.yaml:1",
     "missing key 'url' (required for webhook targets)"),
    ("webhook-with-repo",
     {"t.yaml": "id: t\nmechanism: webhook\nurl: https://h.example/x\nrepo: r.git\n"},
     "t.yaml:4", "repo does not apply to webhook targets"),
    ("webhook-url-scheme", {"t.yaml": "id: t\nmechanism: webhook\nurl: ftp://h.example/x\n"},
     "t.yaml:3", "url must be an http:// or https:// URL"),
    ("git-without-repo", {"t.yaml": "id: t\nmechanism: push\n"}, "t.yaml:1",
     "missing key 'repo' (required for push targets)"),
    ("submodule-without-path", {"t.yaml": BASE.replace("push", "submodule")}, "t.yaml:1",
     "missing key 'submodule' (required for submodule targets)"),
    ("bad-enum", {"t.yaml": BASE + "risk: extreme\n"}, "t.yaml:4",
     "risk: 'extreme' is not one of: canary, low, medium, high"),
    ("wrong-type", {"t.yaml": BASE + "accept_major: 'yes'\n"}, "t.yaml:4",
     "accept_major: expected true or false, got string"),
    ("credentials-in-url",
     {"t.yaml": "id: t\nrepo: https://bot:hunter22@git.example/x.git\nmechanism: push\n"},
     "t.yaml:2", "repo: the URL embeds credentials"),
    ("not-a-mapping", {"t.yaml": "- id: t\n"}, "t.yaml:1", "must be a mapping, not a list"),
    ("empty-file", {"t.yaml": "# nothing\n"}, "t.yaml:1", "must be a mapping, not empty"),
]


def _write(directory: Path, files: dict[str, str]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (directory / name).write_text(text)
    return directory


@pytest.mark.parametrize(("files", "where", "text"),
                         [pytest.param(*case[1:], id=case[0]) for case in BAD])
def test_bad_target_is_one_error_with_file_and_line(
    tmp: Path, files: dict[str, str], where: str, text: str, capsys: pytest.CaptureFixture[str]
) -> None:
    d = _write(tmp / "targets", files)
    text = text.format(dir=d)
    findings = [f for f in check_targets(d) if f.severity == "error"]
    assert any(f.path == f"{d}/{where}" and text in f.message for f in findings), findings
    with pytest.raises(ConfigError) as exc:
        load_targets(d)
    assert exc.value.where == f"{d}/{where}"
    assert text in exc.value.message
    # The command line (in-process here; as a real script in the test below) shows it as
    # one line `prog: error: file:line: what`, exit 2, nothing on stdout.
    assert health_main(["--targets", str(d)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1 and err.startswith(f"health: error: {d}/{where}: "), err
    assert text in err


@pytest.mark.parametrize(
    ("files", "where", "text"),
    [pytest.param(*case[1:], id=case[0]) for case in BAD
     if case[0] in ("duplicate-key", "alias-bomb", "number-coercion", "duplicate-id",
                    "dest-dotdot")],
)
def test_validate_script_prints_one_line_and_exits_2(
    tmp: Path, files: dict[str, str], where: str, text: str
) -> None:
    d = _write(tmp / "targets", files)
    proc = run_script("validate-sync-targets.sh", "--targets", str(d))
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith(f"health: error: {d}/{where}: "), lines[0]
    assert text.format(dir=d) in lines[0]
    assert "Traceback" not in proc.stderr
    assert proc.stdout == ""


def test_secret_pasted_into_auth_env_is_not_echoed(tmp: Path) -> None:
    token = "ghp_0123456789abcdefSECRET"
    d = _write(tmp / "targets", {"t.yaml": BASE + f"auth: {{method: token, env: {token}}}\n"})
    findings = check_targets(d)
    assert findings
    assert all(token not in f.message for f in findings)
    proc = run_script("health", "--targets", str(d))
    assert proc.returncode == 2
    assert token not in proc.stderr + proc.stdout


def test_credentials_in_repo_url_are_not_echoed(tmp: Path) -> None:
    d = _write(tmp / "targets",
               {"t.yaml": "id: t\nrepo: https://bot:hunter22@git.example/x.git\nmechanism: push\n"})
    assert all("hunter22" not in f.message for f in check_targets(d))


def test_dest_through_symlink_in_local_checkout(tmp: Path) -> None:
    down = make_repo(tmp / "down", {"README.md": "x\n"})
    (tmp / "elsewhere").mkdir()
    os.symlink(tmp / "elsewhere", down / "docs")
    d = _write(tmp / "targets", {
        "t.yaml": "id: t\nrepo: ../down\nmechanism: push\ndest: docs/skills\n",
        "u.yaml": "id: u\nrepo: ../down\nmechanism: push\ndest: real/skills\n",
    })
    findings = check_targets(d)
    assert [(f.path, f.code) for f in findings] == [(f"{d}/t.yaml:4", "target-unsafe-dest")]
    assert "passes through the symlink 'docs'" in findings[0].message
    # The dest itself being a symlink is refused too.
    os.symlink(tmp / "elsewhere", down / "linked")
    (d / "u.yaml").write_text("id: u\nrepo: ../down\nmechanism: push\ndest: linked\n")
    assert any(f.path == f"{d}/u.yaml:4" and "symlink 'linked'" in f.message
               for f in check_targets(d))


def test_every_problem_is_reported_and_first_raises_with_count(tmp: Path) -> None:
    d = _write(tmp / "targets", {
        "a.yaml": BASE.replace("id: t", "id: a") + "brnch: x\nrisk: extreme\n",
        "b.yaml": "id: b\nmechanism: webhook\n",
    })
    findings = check_targets(d)
    assert [(Path(f.path).name, f.code) for f in findings] == [
        ("a.yaml:4", "target-unknown-key"),
        ("a.yaml:5", "target-invalid-value"),
        ("b.yaml:1", "target-missing-key"),
    ]
    assert {f.severity for f in findings} == {"error"}
    with pytest.raises(ConfigError) as exc:
        load_targets(d)
    assert exc.value.where == f"{d}/a.yaml:4"
    assert exc.value.message.endswith("(and 2 more problems; run validate-sync-targets)")


def test_missing_directory_is_a_config_error(tmp: Path) -> None:
    with pytest.raises(ConfigError, match="targets directory not found"):
        load_targets(tmp / "nope")
    with pytest.raises(ConfigError):
        check_targets(tmp / "nope")


def test_values_defaults_and_resolution(tmp: Path) -> None:
    d = _write(tmp / "conf" / "targets", {
        "m.yaml": "id: m\nrepo: ../remotes/m.git\nmechanism: pull-request\n"
                  "adapters: {claude: .claude/skills, codex: .codex/skills}\n"
                  "forge: {repository: acme/m}\nlabels: [a, b]\n",
        "n.yml": "id: n\nrepo: https://git.example/n.git\nmechanism: push\n"
                 "adapters: [claude, gemini]\nenabled: false\n",
        "w.yaml": "id: w\nmechanism: webhook\nurl: https://hooks.example/x\n"
                  "auth: {method: hmac, env: W_SECRET}\n",
        "s.yaml": "id: s\nrepo: ../remotes/s.git\nmechanism: submodule\n"
                  "submodule: {path: vendor/skills}\nbranch: develop\n",
        ".hidden.yaml": "not: a target\n",
        "README.md": "ignored\n",
    })
    ts = load_targets(d)
    assert [t.id for t in ts] == ["m", "n", "s", "w"]
    m, n, s, w = ts
    assert m.repo == str((tmp / "conf" / "remotes" / "m.git").resolve())
    assert m.extra["repo_as_written"] == "../remotes/m.git"
    assert m.adapters == (("claude", ".claude/skills"), ("codex", ".codex/skills"))
    assert m.forge is not None and m.forge.api_url == "https://api.github.com"
    assert m.forge.repository == "acme/m" and m.labels == ("a", "b")
    assert (m.branch, m.dest, m.skills, m.risk, m.channel) == (
        "main", ".agents/skills", ("*",), "low", "stable")
    assert m.auth.method == "none" and m.auth.env is None and m.enabled
    assert n.repo == "https://git.example/n.git" and not n.enabled
    assert n.adapters == (("claude", ""), ("gemini", ""))
    assert s.submodule is not None and (s.submodule.path, s.submodule.via) == ("vendor/skills",
                                                                              "push")
    assert s.branch == "develop"
    assert w.repo is None and w.url == "https://hooks.example/x"
    assert (w.auth.method, w.auth.env) == ("hmac", "W_SECRET")
    assert [t.id for t in load_targets(d, include_disabled=False)] == ["m", "s", "w"]
    assert load_target(d / "w.yaml") == w


def test_select(tmp: Path) -> None:
    d = _write(tmp / "targets", {
        f"{i}.yaml": f"id: {i}\nrepo: r.git\nmechanism: push\n" for i in ("a", "b", "c")
    })
    ts = load_targets(d)
    assert select(ts, None) == ts
    assert select(ts, []) == ts
    assert [t.id for t in select(ts, ["c", "a"])] == ["a", "c"]
    with pytest.raises(UsageError, match=r"unknown target ids: x, y \(known: a, b, c\)"):
        select(ts, ["a", "x", "y"])


def test_load_one_reads_only_its_own_file(tmp: Path) -> None:
    # One sync-target per CI job: another target's broken file is not its problem, and
    # the fleet's other files are not even opened (one is unreadable here).
    d = _write(tmp / "targets", {
        "a.yaml": "id: a\nrepo: r.git\nmechanism: push\n",
        "b.yaml": "id: b\nrepo: r.git\nmechanism: push\nbrnch: main\n",
    })
    (d / "c.yaml").symlink_to(tmp / "nowhere")
    assert load_one(d, "a").id == "a"
    with pytest.raises(ConfigError, match="unknown key 'brnch'"):
        load_one(d, "b")
    with pytest.raises(ConfigError):
        load_targets(d)                   # the whole fleet still refuses any bad file


@pytest.mark.parametrize("wanted", ["x", "../targets/a", "a.yaml", "A", "", "a/"])
def test_load_one_unknown_or_unsafe_id_names_the_known_ones(tmp: Path, wanted: str) -> None:
    d = _write(tmp / "targets", {
        f"{i}.yaml": f"id: {i}\nrepo: r.git\nmechanism: push\n" for i in ("a", "b")})
    with pytest.raises(UsageError, match=r"unknown target id: .* \(known: a, b\)"):
        load_one(d, wanted)


def test_load_one_same_id_in_yaml_and_yml_is_a_duplicate(tmp: Path) -> None:
    d = _write(tmp / "targets", {"a.yaml": "id: a\nrepo: r.git\nmechanism: push\n",
                                 "a.yml": "id: a\nrepo: s.git\nmechanism: push\n"})
    with pytest.raises(ConfigError, match="duplicate target id 'a'"):
        load_one(d, "a")


def test_load_one_file_whose_id_differs_is_refused(tmp: Path) -> None:
    d = _write(tmp / "targets", {"a.yaml": "id: b\nrepo: r.git\nmechanism: push\n"})
    with pytest.raises(ConfigError, match="does not match the file name"):
        load_one(d, "a")


def test_sync_target_runs_beside_a_broken_target_file(tmp: Path) -> None:
    remote = tmp / "r.git"
    make_repo(tmp / "seed", {"README.md": "x\n"})
    import subprocess

    subprocess.run(["git", "clone", "-q", "--bare", str(tmp / "seed"), str(remote)], check=True)
    d = _write(tmp / "targets", {
        "a.yaml": f"id: a\nrepo: {remote}\nmechanism: push\n",
        "b.yaml": "id: b\nrepo: r.git\nmechanism: push\nbrnch: main\n",
    })
    src = make_source(tmp / "src")
    man = run_script("build-manifest", "--source", str(src), "--ref", "v1.0.0")
    assert man.returncode == 0, man.stderr
    out = run_script("sync-target", "--target", "a", "--manifest", "-", "--targets", str(d),
                     "--run-dir", str(tmp / "run"), "--dry-run", input=man.stdout)
    assert out.returncode == 0, out.stderr
    assert '"status": "planned"' in out.stdout
    bad = run_script("sync-target", "--target", "b", "--manifest", "-", "--targets", str(d),
                     "--run-dir", str(tmp / "run2"), "--dry-run", input=man.stdout)
    assert bad.returncode == 2 and "unknown key 'brnch'" in bad.stderr
    assert "Traceback" not in bad.stderr


@pytest.mark.parametrize(("value", "ok"), [
    (".agents/skills", True), ("skills", True), ("a.git/b", True), ("git/x", True),
    ("", False), (".", False), ("/abs", False), ("C:/x", False), ("a\\b", False),
    ("..", False), ("a/../b", False), (".git", False), ("x/.git/y", False), (".git./x", False),
    ("GIT~1/x", False), ("a/", False), ("a//b", False), ("./a", False), ("~/x", False),
])
def test_repo_path_problem(value: str, ok: bool) -> None:
    assert (repo_path_problem(value) is None) == ok


def test_demo_fleet_loads_cleanly() -> None:
    targets_dir = ROOT / "targets"
    assert check_targets(targets_dir) == []
    fleet = {t.id: t for t in load_targets(targets_dir)}
    assert sorted(fleet) == ["acme-agents", "beta-lab", "canary-docs", "docs-portal",
                             "legacy-tools", "mobile-agents", "platform-monorepo"]
    for t in fleet.values():
        text = t.source_file.read_text()
        assert text.startswith("# yaml-language-server: $schema=../schemas/target.schema.json\n")
        assert t.owner and t.escalation
        if t.repo is not None:
            assert t.repo == str((ROOT / ".skillsync/demo/remotes" / f"{t.id}.git").resolve())
    assert fleet["canary-docs"].risk == "low" and fleet["canary-docs"].mechanism == "push"
    acme = fleet["acme-agents"]
    assert acme.auth.env == "ACME_SYNC_TOKEN" and acme.forge is not None
    assert acme.forge.api_url == "http://127.0.0.1:8788"
    assert fleet["beta-lab"].channel == "prerelease" and fleet["beta-lab"].accept_major
    mono = fleet["platform-monorepo"]
    assert mono.submodule is not None and mono.submodule.path == "vendor/skills"
    assert fleet["docs-portal"].url == "http://127.0.0.1:8789/skills/hook"
    assert fleet["mobile-agents"].auth.env == "MOBILE_SYNC_TOKEN"
    assert not fleet["legacy-tools"].enabled


def test_schema_is_valid_2020_12_and_documents_every_field() -> None:
    import json

    import jsonschema

    schema = json.loads((ROOT / "schemas" / "target.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["additionalProperties"] is False

    def walk(props: dict[str, dict[str, object]], where: str) -> None:
        for name, sub in props.items():
            assert sub.get("description"), f"{where}{name} has no description"
            if isinstance(sub.get("properties"), dict):
                walk(sub["properties"], f"{where}{name}.")  # type: ignore[arg-type]

    walk(schema["properties"], "")
