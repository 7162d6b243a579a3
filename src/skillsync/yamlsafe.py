"""Strict YAML for config files (RELIABILITY.md 27).

PyYAML's safe loader still accepts duplicate keys (last one wins), aliases
(the "billion laughs" bomb) and YAML 1.1 coercions (`no` -> False,
`1.10` -> 1.1, `0755` -> 493). For configs those are silent wrong values, so
here each is an error with file and line. We compose the node graph with
PyYAML and build Python values ourselves, keeping the line of every node so
schema errors can point at a line too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import yaml

from skillsync.errors import ConfigError

Path_ = tuple[str | int, ...]

_BOOL_TRUE = {"true", "True", "TRUE"}
_BOOL_FALSE = {"false", "False", "FALSE"}
_MAX_NODES = 100_000


class _NoAliasLoader(yaml.SafeLoader):
    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise yaml.MarkedYAMLError(None, None, "YAML aliases are not allowed",
                                       event.start_mark)
        return super().compose_node(parent, index)


# libyaml composes ~20x faster than pure-Python PyYAML (a release reads hundreds of
# front matters), but it resolves aliases silently into shared nodes. So: compose
# fast, and when a node turns up twice (an alias), compose again with `_NoAliasLoader`,
# which reports the alias at its own line.
_FAST_LOADER: Any = getattr(yaml, "CSafeLoader", None)


class _AliasSeen(Exception):
    pass


@dataclass
class Document:
    data: Any
    file: str
    lines: dict[Path_, int] = field(default_factory=dict)

    def line_of(self, path: Path_) -> int:
        """Line of the node at `path`, or of its nearest ancestor."""
        p = tuple(path)
        while p:
            if p in self.lines:
                return self.lines[p]
            p = p[:-1]
        return self.lines.get((), 1)

    def where(self, path: Path_ = ()) -> str:
        return f"{self.file}:{self.line_of(path)}"


# How a plain (unquoted) scalar that is not a string becomes a value.
Scalars = Callable[[yaml.ScalarNode, str], Any]


def load(text: str, file: str, *, first_line: int = 1, what: str = "config files",
         scalar: Scalars | None = None) -> Document:
    """Parse one YAML document strictly. `first_line` shifts line numbers (front matter
    starts below the `---`); `what` names the kind of document in messages; `scalar`
    decides plain non-string scalars (default: config rules, `_config_scalar`)."""
    doc = Document(None, file)
    for loader in (_FAST_LOADER, _NoAliasLoader) if _FAST_LOADER else (_NoAliasLoader,):
        try:
            node = yaml.compose(text, Loader=loader)
            if node is not None:
                doc.data = _build(node, (), doc, first_line, set(), scalar or _config_scalar)
            return doc
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = (mark.line + first_line) if mark else first_line
            problem = exc.problem or exc.context or "invalid YAML"
            if problem == "YAML aliases are not allowed":
                raise ConfigError(f"YAML aliases are not allowed in {what}",
                                  where=f"{file}:{line}") from None
            raise ConfigError(f"invalid YAML in {what}: {problem}",
                              where=f"{file}:{line}") from None
        except yaml.YAMLError as exc:
            raise ConfigError(f"invalid YAML in {what}: {exc}", where=file) from None
        except _AliasSeen:
            doc = Document(None, file)
    raise ConfigError(f"YAML aliases are not allowed in {what}", where=file)


def _build(node: yaml.Node, path: Path_, doc: Document, off: int, seen: set[int],
           scalar: Scalars) -> Any:
    if id(node) in seen:
        raise _AliasSeen       # a shared node: the fast loader resolved an alias
    seen.add(id(node))
    if len(seen) > _MAX_NODES:
        raise ConfigError("document too large", where=doc.file)
    line = node.start_mark.line + off
    doc.lines[path] = line
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            kline = key_node.start_mark.line + off
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise ConfigError("YAML merge keys (<<) are not allowed",
                                  where=f"{doc.file}:{kline}")
            if not isinstance(key_node, yaml.ScalarNode):
                raise ConfigError("mapping keys must be plain strings", where=f"{doc.file}:{kline}")
            key = str(key_node.value)
            if key in out:
                raise ConfigError(f"duplicate key '{key}'", where=f"{doc.file}:{kline}")
            out[key] = _build(value_node, (*path, key), doc, off, seen, scalar)
            doc.lines[(*path, key)] = kline
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_build(n, (*path, i), doc, off, seen, scalar) for i, n in enumerate(node.value)]
    assert isinstance(node, yaml.ScalarNode)
    if node.style or node.tag == "tag:yaml.org,2002:str":  # quoted or block: a string
        return node.value
    if node.tag == "tag:yaml.org,2002:null":
        return None
    return scalar(node, f"{doc.file}:{line}")


def _config_scalar(node: yaml.ScalarNode, where: str) -> Any:
    """Config files: true/false and decimal integers are what they look like; anything
    YAML 1.1 would silently turn into another value is an error with its line."""
    value, tag = node.value, node.tag
    if tag == "tag:yaml.org,2002:bool":
        if value in _BOOL_TRUE:
            return True
        if value in _BOOL_FALSE:
            return False
        raise ConfigError(
            f"'{value}' would be read as a boolean; write true/false, or quote it", where=where
        )
    if tag == "tag:yaml.org,2002:int":
        if value.isdigit() and (value == "0" or not value.startswith("0")):
            return int(value)
        if value.startswith("-") and value[1:].isdigit() and not value[1:].startswith("0"):
            return int(value)
        raise ConfigError(
            f"'{value}' would be read as a number in another base; quote it", where=where
        )
    if tag == "tag:yaml.org,2002:float":
        raise ConfigError(
            f"'{value}' would be read as the number {float(_safe_float(value))}; quote it",
            where=where,
        )
    if tag == "tag:yaml.org,2002:timestamp":
        return value
    raise ConfigError(f"unsupported YAML tag {tag}", where=where)


def _safe_float(value: str) -> float:
    try:
        return float(value.replace("_", ""))
    except ValueError:
        return float("nan")
