"""The generated validators (skillsync.fastschemas) are a fast path, never a looser one.

They answer "surely valid" or "ask jsonschema"; jsonschema stays the judge. So the one
property that matters is: whatever the fast path accepts, jsonschema accepts too. It is
checked on every target file and manifest the repository ships or builds, and on
hypothesis-made mutations of them (wrong types, bools for integers, trailing newlines,
missing and unknown keys), the inputs a hostile or careless edit produces.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ROOT, isolate
from engine_fixtures import make_source
from mutations import mutate
from skillsync import jsonschemas
from skillsync.manifest import build_manifest


def _reference_errors(name: str, doc: Any) -> list[str]:
    return [e.message for e in jsonschemas.validator(name).iter_errors(doc)]


def _shipped_targets() -> list[dict[str, Any]]:
    docs = [yaml.safe_load(p.read_text()) for p in sorted((ROOT / "targets").glob("*.yaml"))]
    assert len(docs) >= 5
    return docs


@pytest.fixture(scope="module")
def manifest(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    with pytest.MonkeyPatch.context() as mp:
        isolate(mp, tmp_path_factory.mktemp("home"))
        src = make_source(tmp_path_factory.mktemp("fast"))
        return json.loads(json.dumps(build_manifest(str(src), "v1.1.0")))


def test_the_generated_validators_are_current() -> None:
    # A schema edited without `python -m skillsync.jsonschemas --write` fails here.
    assert jsonschemas.main(["--check"]) == 0


def test_the_fast_path_accepts_what_the_repository_ships(manifest: dict[str, Any]) -> None:
    # Otherwise it would cost a second validation instead of saving the first.
    for doc in _shipped_targets():
        assert jsonschemas.surely_valid("target.schema.json", doc), doc["id"]
        assert _reference_errors("target.schema.json", doc) == []
    assert jsonschemas.surely_valid("manifest.schema.json", manifest)


def test_a_validator_generated_from_another_schema_is_not_used(
        monkeypatch: pytest.MonkeyPatch, manifest: dict[str, Any]) -> None:
    monkeypatch.setattr(jsonschemas, "_schema_sha256", lambda name: "0" * 64)
    jsonschemas._fast.cache_clear()
    try:
        assert not jsonschemas.surely_valid("manifest.schema.json", manifest)
    finally:
        monkeypatch.undo()
        jsonschemas._fast.cache_clear()
    assert jsonschemas.surely_valid("manifest.schema.json", manifest)


def test_an_invalid_manifest_is_still_refused_with_its_json_path(
        manifest: dict[str, Any]) -> None:
    from skillsync.integrity import check_schema

    bad = copy.deepcopy(manifest)
    bad["skills"][0]["files"][0]["size"] = True     # a bool where an integer belongs
    assert not jsonschemas.surely_valid("manifest.schema.json", bad)
    found = check_schema(bad)
    assert [f.path for f in found] == ["manifest#/skills/0/files/0/size"]


@settings(max_examples=150, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_whatever_the_fast_path_accepts_jsonschema_accepts_and_it_changes_nothing(
        data: st.DataObject, manifest: dict[str, Any]) -> None:
    name = data.draw(st.sampled_from(["target.schema.json", "manifest.schema.json"]))
    pool = _shipped_targets() if name == "target.schema.json" else [manifest]
    doc = mutate(data.draw(st.sampled_from(pool)), data)
    before = copy.deepcopy(doc)
    accepted = jsonschemas.surely_valid(name, doc)
    assert doc == before    # it only reads (generated code can fill in defaults)
    if accepted:
        assert _reference_errors(name, doc) == [], doc
