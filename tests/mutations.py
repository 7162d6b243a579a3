"""Random edits of JSON documents, for properties over hostile or careless input
(test_fast_schemas, test_artifacts)."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import strategies as st

_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 2**40), st.floats(allow_nan=False),
    st.sampled_from(["", "main", "main\n", "-x", "../up", "a/b", "ok-name", "0" * 40,
                     "sha256:" + "0" * 64, "v1.0.0", "push", "pull-request", "webhook",
                     "https://example.invalid/hook", "x@example.invalid", "1.0", "\u00e9"]),
    st.text(max_size=12),
)
_VALUES = st.recursive(_SCALARS, lambda kids: st.one_of(
    st.lists(kids, max_size=3), st.dictionaries(st.text(max_size=8), kids, max_size=3)),
    max_leaves=6)


def _paths(node: Any, here: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [here]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, (*here, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, (*here, i))
    return out


def mutate(doc: Any, data: st.DataObject) -> Any:
    """`doc` with one to three random edits: a value replaced by another JSON value, a key
    or item deleted, a key added."""
    doc = copy.deepcopy(doc)
    for _ in range(data.draw(st.integers(1, 3))):
        where = data.draw(st.sampled_from(_paths(doc)))
        if not where:
            continue
        parent = doc
        for step in where[:-1]:
            parent = parent[step]
        last = where[-1]
        how = data.draw(st.sampled_from(["replace", "delete", "add"]))
        if how == "delete":
            del parent[last]
        elif how == "add" and isinstance(parent, dict):
            parent[data.draw(st.text(max_size=8))] = data.draw(_VALUES)
        else:
            parent[last] = data.draw(_VALUES)
    return doc
