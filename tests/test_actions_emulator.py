"""The Actions emulator (tests/support) against GitHub's documented behaviour: the
expression language ("Evaluate expressions in workflows and actions"), job and step
conditions, matrices, reusable workflows ("Reuse workflows": inputs, permissions,
secrets, ./ from the caller's commit), composite actions, environments, artifacts
(upload-artifact v4+), annotations, and "Re-run failed jobs". The workflow tests trust the
emulator only as far as these tests go."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from support.gha_emulator import Emulator, WorkflowRun
from support.gha_expressions import condition, evaluate, interpolate
from support.gha_repositories import make_repository


def ev(text: str, **ctx: Any) -> Any:
    return evaluate(text, ctx)


# =============================================================================
# Expressions
# =============================================================================

@pytest.mark.parametrize(("text", "want"), [
    ("1 == 1.0", True),
    ("'abc' == 'ABC'", True),                  # strings compare ignoring case
    ("null == 0", True),                       # null -> 0
    ("'' == 0", True),                         # '' -> 0
    ("true == 1", True),                       # true -> 1
    ("'1' == 1", True),                        # a numeric string -> its number
    ("'abc' == 0", False),                     # a non-numeric string -> NaN
    ("'x' < 1 || 'x' >= 1", False),            # NaN is neither
    ("0x10 == 16", True),
    ("2e1 == 20", True),
    ("'b' > 'A'", True),                       # strings ordered ignoring case
    ("!''", True),
    ("!'false'", False),                       # a non-empty string is truthy
    ("'' || 'b'", "b"),                        # || and && return an operand
    ("'a' && 'b'", "b"),
    ("null && 'x'", None),
    ("'it''s'", "it's"),
    ("fromJSON('[1, 2]')[1]", 2),
    ("fromJSON('[1, 2]')[5]", None),
    ("fromJSON('{\"a\": {\"b\": 3}}').a.b", 3),
    ("fromJSON('{\"a\": 1}') == fromJSON('{\"a\": 1}')", False),   # objects: same instance only
])
def test_operators_and_coercion(text: str, want: Any) -> None:
    assert ev(text) == want


def test_properties_are_null_when_missing_and_found_ignoring_case() -> None:
    ctx = {"github": {"event_name": "push", "event": {}}}
    assert evaluate("github.event.release.tag_name", ctx) is None
    assert evaluate("github.EVENT_NAME", ctx) == "push"
    assert evaluate("github['event_name']", ctx) == "push"


@pytest.mark.parametrize(("text", "want"), [
    ("contains('Hello world', 'WORLD')", True),
    ("contains(fromJSON('[\"push\", \"release\"]'), 'Release')", True),
    ("contains(fromJSON('[\"push\"]'), 'pu')", False),   # an array item, not a substring
    ("startsWith('Hello', 'he')", True),
    ("endsWith('Hello', 'LO')", True),
    ("format('{0} {{1}} {1}', 'a', 'b')", "a {1} b"),
    ("join(fromJSON('[\"a\", \"b\", \"c\"]'), ', ')", "a, b, c"),
    ("join(fromJSON('[\"a\", \"b\"]'))", "a,b"),         # ',' by default
    ("join('one')", "one"),                               # a string is returned as it is
    ("toJSON(fromJSON('{\"a\": 1}'))", '{\n  "a": 1\n}'),
])
def test_functions(text: str, want: Any) -> None:
    assert ev(text) == want


def test_unknown_functions_and_contexts_fail_rather_than_guess() -> None:
    with pytest.raises(AssertionError, match=r"hashFiles\(\) is not emulated"):
        ev("hashFiles('x')")
    with pytest.raises(AssertionError, match="context 'steps' is not emulated"):
        ev("steps.x.outputs.y")
    with pytest.raises(AssertionError, match="not understood"):
        ev("1 + 1")


def test_a_whole_expression_keeps_its_type_text_around_it_makes_a_string() -> None:
    ctx = {"matrix": {"n": 3, "ok": True, "id": "m"}}
    assert interpolate("${{ matrix.n }}", ctx) == 3
    assert interpolate("${{ matrix.ok }}", ctx) is True
    assert interpolate("job-${{ matrix.n }}-${{ matrix.ok }}", ctx) == "job-3-true"
    assert interpolate("skillsync-${{ matrix.id }}", ctx) == "skillsync-m"


def test_an_if_without_a_status_function_implies_success() -> None:
    ok = {"success": lambda: True, "failure": lambda: False, "cancelled": lambda: False,
          "always": lambda: True}
    failed = {**ok, "success": lambda: False, "failure": lambda: True}
    assert condition("true", {}, ok) and not condition("true", {}, failed)
    assert not condition("${{ true }}", {}, failed)
    assert condition("always() && true", {}, failed)
    assert condition("!cancelled()", {}, failed)
    assert condition("failure()", {}, failed) and not condition("failure()", {}, ok)
    assert condition(None, {}, ok) and not condition(None, {}, failed)


# =============================================================================
# Running workflows
# =============================================================================

def write(path: Path, doc: dict[str, Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def job(*steps: Any, **extra: Any) -> dict[str, Any]:
    return {"runs-on": "ubuntu-latest", "permissions": {"contents": "read"},
            "steps": [s if isinstance(s, dict) else {"name": f"s{i}", "run": s}
                      for i, s in enumerate(steps)], **extra}


def run(tmp: Path, wf: dict[str, Any], *, actions: dict[str, Path] | None = None,
        run_id: int = 1, **kw: Any) -> WorkflowRun:
    path = write(tmp / "wf" / f"w{run_id}.yml", {"name": "w", "on": {"push": None},
                                                "permissions": {}, **wf})
    emu = Emulator(path, root=tmp, source=tmp, targets=None, event="push", payload={},
                   ref="refs/heads/main", run_id=run_id, actions=actions, **kw)
    return emu.execute()


def test_needs_and_conditions_decide_which_jobs_run(tmp_path: Path) -> None:
    r = run(tmp_path, {"jobs": {
        "a": job("exit 1"),
        "b": job("true", needs="a"),                                   # skipped: a failed
        "c": job("true", needs="b", **{"if": "always()"}),            # runs anyway
        "d": job("true", needs="b"),                                   # b skipped: skipped
        "e": job("true", needs="a", **{"if": "failure()"}),           # runs because a failed
        "f": job("true", needs=["a", "c"], **{"if": "!cancelled() && needs.c.result == "
                                                    "'success'"}),
    }})
    assert r.results == {"a": "failure", "b": "skipped", "c": "success", "d": "skipped",
                         "e": "success", "f": "success"}
    # Ready jobs start in reverse file order: only needs orders them.
    assert r.order.index("a") < r.order.index("c")


def test_steps_after_a_failure_are_skipped_unless_they_ask(tmp_path: Path) -> None:
    r = run(tmp_path, {"jobs": {"a": job(
        {"name": "soft", "run": "exit 3", "continue-on-error": True},
        {"name": "hard", "run": "exit 4"},
        {"name": "next", "run": "true"},
        {"name": "report", "if": "failure()", "run": "echo reported"},
        {"name": "outputs", "id": "o", "if": "always()",
         "run": 'echo "x=1" >> "$GITHUB_OUTPUT"'})}})
    steps = {s.name: (s.status, s.rc) for s in r.steps("a")}
    assert steps == {"soft": ("failure", 3), "hard": ("failure", 4), "next": ("skipped", None),
                     "report": ("success", 0), "outputs": ("success", 0)}
    assert r.results["a"] == "failure"


def test_a_matrix_runs_one_leg_per_entry_and_github_refuses_more_than_256(
        tmp_path: Path) -> None:
    entries = [{"id": f"t{i}"} for i in range(3)]
    r = run(tmp_path, {"jobs": {"m": job('test "$ID" != t1', env={"ID": "${{ matrix.id }}"},
                                         strategy={"matrix": {"include": entries},
                                                   "fail-fast": False})}})
    assert [(leg.matrix["id"], leg.result) for leg in r.jobs["m"]] == [
        ("t0", "success"), ("t1", "failure"), ("t2", "success")]
    assert r.results["m"] == "failure"
    for include in ([], [{"id": str(i)} for i in range(257)]):
        with pytest.raises(AssertionError, match="GitHub refuses this matrix"):
            run(tmp_path, {"jobs": {"m": job("true", strategy={"matrix": {"include": include}})}},
                run_id=2 + len(include))


def test_environments_give_their_secrets_and_say_whether_they_deploy(tmp_path: Path) -> None:
    steps = {"name": "s", "env": {"S": "${{ secrets.S }}", "V": "${{ vars.V }}"},
             "run": "true"}
    r = run(tmp_path, {"jobs": {
        "live": job(steps, environment="prod"),
        "dry": job(steps, environment={"name": "prod", "deployment": "${{ 1 == 2 }}"}),
        "none": job(steps)}},
        secrets={"": {"S": "repo"}, "prod": {"S": "prod-secret"}},
        variables={"": {"V": "repo-var"}, "prod": {"V": "prod-var"}})
    seen = {k: (r.jobs[k][0].environment, r.jobs[k][0].deployment,
                r.step(k, "s").env["S"], r.step(k, "s").env["V"]) for k in ("live", "dry", "none")}
    assert seen == {"live": ("prod", True, "prod-secret", "prod-var"),
                    "dry": ("prod", False, "prod-secret", "prod-var"),
                    "none": (None, False, "repo", "repo-var")}


def test_annotations_past_ten_a_level_are_not_shown(tmp_path: Path) -> None:
    script = "for i in $(seq 12); do echo \"::error::e$i\"; echo \"::warning::w$i\"; done"
    r = run(tmp_path, {"jobs": {"a": job(script)}})
    [step] = list(r.steps("a"))
    assert [x for lvl, x in step.annotations if lvl == "error"] == \
        [f"::error::e{i}" for i in range(1, 11)]
    assert len([1 for lvl, _ in step.annotations if lvl == "warning"]) == 10
    assert step.dropped == 4


def test_artifacts_follow_upload_artifact_v4(tmp_path: Path) -> None:
    up = "actions/upload-artifact@" + "0" * 40
    down = "actions/download-artifact@" + "0" * 40
    mk = {"name": "mk", "run": 'mkdir -p "$RUNNER_TEMP/d" && echo x > "$RUNNER_TEMP/d/f"'}
    d = "${{ runner.temp }}/d"

    def at(sub: str) -> str:
        return "${{ runner.temp }}/" + sub

    r = run(tmp_path, {"jobs": {
        "a": job(mk, {"name": "up", "uses": up, "with": {"name": "one", "path": d}},
                 {"name": "up2", "uses": up, "with": {"name": "two", "path": d}}),
        "b": job(mk, {"name": "again", "uses": up, "with": {"name": "one", "path": d}},
                 needs="a"),
        "c": job(mk, {"name": "over", "uses": up,
                      "with": {"name": "one", "path": d, "overwrite": True}},
                 needs="b", **{"if": "always()"}),
        "d": job({"name": "one", "uses": down, "with": {"pattern": "one", "path": at("p1")}},
                 {"name": "all", "uses": down, "with": {"pattern": "*", "path": at("p2")}},
                 {"name": "ls", "run": 'ls "$RUNNER_TEMP/p1" "$RUNNER_TEMP/p2"'},
                 {"name": "missing", "uses": down, "with": {"name": "nope"}},
                 needs="c")}})
    again = r.step("b", "again")
    assert again.status == "failure" and "409 Conflict" in again.stderr   # a name is written once
    assert r.step("c", "over").status == "success"                       # ... unless overwrite
    # One matching artifact lands in the path itself, several in folders of their names.
    assert r.step("d", "ls").stdout.split() == [f"{r.jobs['d'][0].workspace.parent}/temp/p1:",
                                                "f", f"{r.jobs['d'][0].workspace.parent}/temp/p2:",
                                                "one", "two"]
    assert r.step("d", "missing").status == "failure"
    assert [(e.job, e.op, e.name, e.overwrite) for e in r.artifact_log if e.op == "upload"] == [
        ("a", "upload", "one", False), ("a", "upload", "two", False), ("c", "upload", "one", True)]


# -- reusable workflows and composite actions -------------------------------------------------

def called_repo(tmp: Path) -> tuple[Path, str]:
    """A repository standing in for another one on GitHub, with two reusable workflows (one
    calling the other with ./) and a composite action."""
    inner = {"name": "inner", "on": {"workflow_call": {"inputs": {
        "n": {"type": "number", "required": True}}}}, "permissions": {},
        "jobs": {"leaf": job({"name": "where", "env": {
            "N": "${{ inputs.n }}", "SHA": "${{ job.workflow_sha }}",
            "REPO": "${{ job.workflow_repository }}", "S": "${{ secrets.S }}"},
            "run": "echo $N $REPO $SHA"}, environment={"name": "e", "deployment": False})}}
    outer = {"name": "outer", "on": {"workflow_call": {
        "inputs": {"flag": {"type": "boolean", "required": True},
                   "word": {"type": "string", "default": "dflt"}},
        "outputs": {"said": {"value": "${{ jobs.say.outputs.said }}"}}}}, "permissions": {},
        "jobs": {
            "say": job({"name": "say", "id": "s", "env": {"F": "${{ inputs.flag }}",
                                                        "W": "${{ inputs.word }}",
                                                        "S": "${{ secrets.S }}"},
                        "run": 'echo "said=$F-$W" >> "$GITHUB_OUTPUT"'},
                       outputs={"said": "${{ steps.s.outputs.said }}"}),
            "deeper": {"needs": "say", "uses": "./.github/workflows/inner.yml",
                       "permissions": {"contents": "read"}, "with": {"n": 2}}}}
    action = {"name": "a", "inputs": {"who": {"default": "world"}},
              "outputs": {"greeting": {"value": "${{ steps.g.outputs.greeting }}"}},
              "runs": {"using": "composite", "steps": [
                  {"id": "g", "shell": "bash", "env": {"WHO": "${{ inputs.who }}"},
                   "run": 'echo "greeting=hello $WHO" >> "$GITHUB_OUTPUT"; '
                          'test -f "$GITHUB_ACTION_PATH/action.yml"'}]}}
    return make_repository(tmp / "other", {
        ".github/workflows/outer.yml": yaml.safe_dump(outer, sort_keys=False),
        ".github/workflows/inner.yml": yaml.safe_dump(inner, sort_keys=False),
        "action.yml": yaml.safe_dump(action, sort_keys=False)})


def caller(sha: str, **job_extra: Any) -> dict[str, Any]:
    return {"jobs": {"call": {"uses": f"acme/other/.github/workflows/outer.yml@{sha}",
                              "permissions": {"contents": "read"},
                              "with": {"flag": True}, **job_extra}}}


def test_a_called_workflow_gets_typed_inputs_its_own_identity_and_no_caller_secret(
        tmp_path: Path) -> None:
    repo, sha = called_repo(tmp_path)
    r = run(tmp_path, caller(sha), actions={"acme/other": repo},
            secrets={"": {"S": "repo-secret"}, "e": {"S": "env-secret"}})
    assert r.results == {"call/say": "success", "call/deeper/leaf": "success",
                         "call/deeper": "success", "call": "success"}, r.failures()
    say = r.step("call/say", "say")
    assert (say.env["F"], say.env["W"], say.env["S"]) == ("true", "dflt", "")
    assert r.outputs["call"] == {"said": "true-dflt"}          # on.workflow_call.outputs
    leaf = r.step("call/deeper/leaf", "where")
    # ./ is the called repository at the calling file's commit, nested calls included.
    assert leaf.stdout.split() == ["2", "acme/other", sha]
    assert leaf.env["S"] == "env-secret"                        # its environment's secret
    assert r.called == {"call": f"acme/other/.github/workflows/outer.yml@{sha}",
                        "call/deeper": f"acme/other/.github/workflows/inner.yml@{sha}"}


@pytest.mark.parametrize(("extra", "error"), [
    ({"with": {"flag": "true"}}, "input flag is a boolean"),
    ({"with": {}}, "required input flag not given"),
    ({"with": {"flag": True, "nope": 1}}, r"has no input\(s\) \['nope'\]"),
    ({"permissions": {}}, "asks for contents: read, but its caller grants none"),
    ({"secrets": "inherit"}, "passes secrets"),
])
def test_github_refuses_a_call_that_breaks_the_rules(tmp_path: Path, extra: dict[str, Any],
                                                     error: str) -> None:
    repo, sha = called_repo(tmp_path)
    with pytest.raises(AssertionError, match=error):
        run(tmp_path, caller(sha, **extra), actions={"acme/other": repo})


def test_a_call_must_pin_a_full_sha(tmp_path: Path) -> None:
    repo, _ = called_repo(tmp_path)
    with pytest.raises(AssertionError, match="not pinned to a full SHA"):
        run(tmp_path, caller("main"), actions={"acme/other": repo})


def test_a_composite_action_takes_inputs_and_gives_outputs(tmp_path: Path) -> None:
    repo, sha = called_repo(tmp_path)
    steps = [{"name": "greet", "id": "a", "uses": f"acme/other@{sha}", "with": {"who": "you"}},
             {"name": "plain", "id": "b", "uses": f"acme/other@{sha}"},
             {"name": "show", "env": {"A": "${{ steps.a.outputs.greeting }}",
                                      "B": "${{ steps.b.outputs.greeting }}"},
              "run": 'echo "$A / $B"'}]
    r = run(tmp_path, {"jobs": {"j": job(*steps)}}, actions={"acme/other": repo})
    assert r.step("j", "show").stdout.strip() == "hello you / hello world", r.failures()
    with pytest.raises(AssertionError, match=r"no input\(s\) \['whom'\]"):
        run(tmp_path, {"jobs": {"j": job({"name": "x", "uses": f"acme/other@{sha}",
                                          "with": {"whom": "x"}})}},
            actions={"acme/other": repo}, run_id=2)


# -- re-runs -------------------------------------------------------------------------------

def test_rerun_failed_jobs_keeps_what_succeeded_and_runs_the_rest_again(tmp_path: Path) -> None:
    """GitHub's "Re-run failed jobs": the failed jobs (for a matrix, the failed legs) run
    again with the next attempt number, so do the jobs that need them; a job that succeeded
    and needs nothing re-run keeps its result and outputs."""
    flag = tmp_path / "broken"
    flag.write_text("")
    wf = {"jobs": {
        "first": job({"name": "o", "id": "o",
                      "run": 'echo "v=$GITHUB_RUN_ATTEMPT" >> "$GITHUB_OUTPUT"'},
                     outputs={"v": "${{ steps.o.outputs.v }}"}),
        "legs": job({"name": "leg", "env": {"ID": "${{ matrix.id }}", "F": str(flag)},
                     "run": 'if [ "$ID" = b ] && [ -e "$F" ]; then exit 1; fi'},
                    needs="first", strategy={"matrix": {"include": [{"id": "a"}, {"id": "b"}]}}),
        "after": job({"name": "a", "env": {"V": "${{ needs.first.outputs.v }}"},
                      "run": 'echo "$V"'}, needs=["first", "legs"], **{"if": "always()"}),
    }}
    path = write(tmp_path / "wf" / "r.yml", {"name": "r", "on": {"push": None},
                                             "permissions": {}, **wf})

    def emu(**kw: Any) -> Emulator:
        return Emulator(path, root=tmp_path, source=tmp_path, targets=None, event="push",
                        payload={}, ref="refs/heads/main", run_id=9, **kw)

    first = emu().execute()
    assert first.results == {"first": "success", "legs": "failure", "after": "success"}
    flag.unlink()
    second = emu(run_attempt=2, previous=first).execute()
    assert second.results == {"first": "success", "legs": "success", "after": "success"}
    assert "first" not in second.order                       # not run again
    assert [(leg.matrix["id"], leg.attempt) for leg in second.jobs["legs"]] == [
        ("a", 1), ("b", 2)]
    assert second.jobs["after"][0].attempt == 2              # it needs a re-run job
    assert second.step("after", "a").stdout.strip() == "1"   # first's outputs stand


def test_the_emulator_is_not_installed() -> None:
    """Test support stays out of the wheel: the package finds only src/skillsync."""
    import tomllib

    from conftest import ROOT

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert config["packages"]["find"]["where"] == ["src"]
    assert json.dumps(config).count("support") == 0


# -- actions/cache (restore and save, v5) ---------------------------------------------------

RESTORE = "actions/cache/restore@" + "0" * 40
SAVE = "actions/cache/save@" + "0" * 40


def cache_run(tmp: Path, run_id: int, ref: str, *steps: dict[str, Any]) -> WorkflowRun:
    """One run of a one-job workflow for `ref`; every run on `tmp` shares the cache."""
    path = write(tmp / "wf" / f"c{run_id}.yml", {"name": "c", "on": {"push": None},
                                                "permissions": {}, "jobs": {"j": job(*steps)}})
    return Emulator(path, root=tmp, source=tmp, targets=None, event="push", payload={},
                    ref=ref, run_id=run_id).execute()


def put(value: str) -> dict[str, Any]:
    return {"name": f"put {value}", "run": f'mkdir -p "$RUNNER_TEMP/c" && echo {value} > '
                                          '"$RUNNER_TEMP/c/v"'}


def restore(sid: str, key: str, *prefixes: str, path: str = "${{ runner.temp }}/c"
            ) -> dict[str, Any]:
    with_ = {"path": path, "key": key}
    if prefixes:
        with_["restore-keys"] = "\n".join(prefixes) + "\n"
    return {"name": sid, "id": sid, "uses": RESTORE, "with": with_}


def save(sid: str, key: str) -> dict[str, Any]:
    return {"name": sid, "uses": SAVE, "with": {"path": "${{ runner.temp }}/c", "key": key}}


SHOW = {"name": "show", "run": 'cat "$RUNNER_TEMP/c/v" 2>/dev/null || echo none'}


def outs(r: WorkflowRun, sid: str) -> tuple[str | None, str | None]:
    o = r.step("j", sid).outputs
    return o.get("cache-hit"), o.get("cache-matched-key")


def test_cache_restores_exact_then_newest_prefix_and_never_replaces_a_key(
        tmp_path: Path) -> None:
    """actions/cache's contract: an exact key first, then each restore key as a prefix, the
    newest entry first; `cache-hit` only for the exact key (unset on a miss); a saved key
    is immutable (a second save warns and leaves it), and nothing is saved from no files."""
    main = "refs/heads/main"
    r1 = cache_run(tmp_path, 1, main, restore("miss", "k-1", "k-"), SHOW, put("one"),
                   save("s1", "k-1"), put("other"), save("again", "k-1"))
    assert outs(r1, "miss") == (None, None)
    assert r1.step("j", "miss").outputs["cache-primary-key"] == "k-1"
    assert "Cache not found for input keys: k-1, k-" in r1.step("j", "miss").stdout
    assert r1.step("j", "show").stdout.strip() == "none"
    again = r1.step("j", "again")
    assert again.status == "success" and "Unable to reserve cache with key k-1" in again.stdout
    r2 = cache_run(tmp_path, 2, main, restore("r", "k-2", "x-", "k-"), SHOW, put("two"),
                   save("s2", "k-2"))
    assert outs(r2, "r") == ("false", "k-1")
    assert r2.step("j", "show").stdout.strip() == "one"       # the first save stands
    r3 = cache_run(tmp_path, 3, main, restore("newest", "k-3", "k-"), SHOW,
                   restore("exact", "k-1", "k-"), {**SHOW, "name": "show2"},
                   restore("elsewhere", "k-1", path="${{ runner.temp }}/d"),
                   {"name": "empty", "uses": SAVE,
                    "with": {"path": "${{ runner.temp }}/none", "key": "k-3"}})
    assert outs(r3, "newest") == ("false", "k-2")
    assert r3.step("j", "show").stdout.strip() == "two"
    assert outs(r3, "exact") == ("true", "k-1")
    assert r3.step("j", "show2").stdout.strip() == "one"
    assert outs(r3, "elsewhere") == (None, None)               # another path: another version
    assert "hence no cache is being saved" in r3.step("j", "empty").stdout
    assert [(e.op, e.key, e.matched) for e in r3.cache_log] == [
        ("restore", "k-3", "k-2"), ("restore", "k-1", "k-1"), ("restore", "k-1", None)]


def test_cache_scopes_a_run_reads_its_own_ref_then_the_default_branch(tmp_path: Path) -> None:
    """GitHub's cache restrictions: a run restores entries of its own ref first, then the
    default branch's; never another tag's or branch's."""
    cache_run(tmp_path, 1, "refs/heads/main", put("main"), save("s", "k-main"))
    t1 = cache_run(tmp_path, 2, "refs/tags/v1.0.0", restore("r", "k-t1", "k-"), SHOW,
                   put("tag1"), save("s", "k-t1"))
    assert outs(t1, "r") == ("false", "k-main")                 # the default branch's
    cache_run(tmp_path, 3, "refs/heads/feature", put("feature"), save("s", "k-zz-feature"))
    t2 = cache_run(tmp_path, 4, "refs/tags/v2.0.0", restore("r", "k-t2", "k-"), SHOW)
    assert outs(t2, "r") == ("false", "k-main")                 # not v1.0.0's, not feature's
    again = cache_run(tmp_path, 5, "refs/tags/v1.0.0", restore("r", "k-t1b", "k-"), SHOW)
    assert outs(again, "r") == ("false", "k-t1")                # its own tag's first
    assert again.step("j", "show").stdout.strip() == "tag1"
    # A key is immutable in its own ref only: the default branch's k-main does not stop a
    # tag from saving k-main of its own.
    same = cache_run(tmp_path, 6, "refs/tags/v1.0.0", put("x"), save("s", "k-main"))
    assert "Cache saved with key: k-main" in same.step("j", "s").stdout


@pytest.mark.parametrize(("key", "error"), [
    ("a,b", "cannot contain commas"),
    ("k" * 513, "cannot be larger than 512 characters"),
])
def test_cache_keys_are_checked_a_restore_fails_a_save_warns(tmp_path: Path, key: str,
                                                             error: str) -> None:
    r = cache_run(tmp_path, 1, "refs/heads/main", put("v"),
                  {"name": "s", "uses": SAVE, "with": {"path": "${{ runner.temp }}/c",
                                                        "key": key}},
                  restore("r", key))
    assert r.step("j", "s").status == "success" and error in r.step("j", "s").stdout
    assert r.step("j", "r").status == "failure" and error in r.step("j", "r").stderr
    many = cache_run(tmp_path, 2, "refs/heads/main", restore("r", "k", *[f"p{i}" for i in
                                                                        range(10)]))
    assert "limited to a maximum of 10" in many.step("j", "r").stderr


def test_cache_lookup_only_restores_nothing_and_a_miss_can_fail(tmp_path: Path) -> None:
    cache_run(tmp_path, 1, "refs/heads/main", put("v"), save("s", "k-1"))
    look = {**restore("look", "k-1"), "with": {"path": "${{ runner.temp }}/c", "key": "k-1",
                                               "lookup-only": "true"}}
    strict = {**restore("strict", "nope"), "with": {"path": "${{ runner.temp }}/c",
                                                    "key": "nope", "fail-on-cache-miss": True}}
    r = cache_run(tmp_path, 2, "refs/heads/main", look, SHOW, strict)
    assert outs(r, "look") == ("true", "k-1") and r.step("j", "show").stdout.strip() == "none"
    assert r.step("j", "strict").status == "failure"
    assert "fail-on-cache-miss" in r.step("j", "strict").stderr
