"""GitHub Actions expressions (`${{ ... }}`): the language, as GitHub documents it in
"Evaluate expressions in workflows and actions" (docs.github.com, Actions reference).

What is here, with GitHub's rules:
- literals: `true`, `false`, `null`, numbers (decimal, exponent, 0x hex), 'strings' with
  '' for a quote;
- operators, loosest first: `||`, `&&`, `==` `!=`, `<` `<=` `>` `>=`, `!`, then `.`, `[ ]`
  and `( )`. `||` and `&&` return an operand (not a boolean), as in JavaScript;
- comparison is loose: strings compare ignoring case; values of different types are both
  converted to numbers first (null -> 0, true -> 1, '' -> 0, a non-numeric string -> NaN,
  an array or object -> NaN), and NaN equals nothing, itself included;
- falsy: false, 0, -0, '', null (and NaN); everything else is truthy;
- a property of something that is not an object is null (never an error);
- functions: contains, startsWith, endsWith (strings ignoring case; contains also finds an
  item in an array), format ('{0}', with '{{' and '}}' for braces), join (',' by default; a
  string is returned as it is), toJSON (two-space indent), fromJSON, and the status
  functions a caller passes in (success, failure, cancelled, always).

A function, context or form that is not here fails the test with an AssertionError naming
it: the emulator never guesses what GitHub would do.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from typing import Any

Funcs = dict[str, Callable[..., Any]]

_TOKEN = re.compile(r"""\s*(?:
    (?P<num>0x[0-9a-fA-F]+|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?) |
    (?P<str>'(?:[^']|'')*') |
    (?P<op>==|!=|<=|>=|&&|\|\||[<>!().\[\],]) |
    (?P<ident>[A-Za-z_][A-Za-z0-9_-]*)
)""", re.VERBOSE)


def _tokens(text: str) -> list[tuple[str, str]]:
    pos, out = 0, []
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise AssertionError(f"expression not understood at {text[pos:]!r} in {text!r}")
        kind = m.lastgroup or ""
        out.append((kind, m.group(kind)))
        pos = m.end()
    return out


def truthy(v: Any) -> bool:
    return v not in (None, False, 0, "") and not (isinstance(v, float) and math.isnan(v))


def _num(v: Any) -> float:
    if v is None:
        return 0.0
    if isinstance(v, bool):
        return float(v)
    if isinstance(v, int | float):
        return float(v)
    if isinstance(v, str):
        text = v.strip()
        if not text:
            return 0.0
        try:
            return float(int(text, 16)) if text.lower().startswith("0x") else float(text)
        except ValueError:
            return math.nan
    return math.nan   # arrays and objects


def _same_type(a: Any, b: Any) -> bool:
    def kind(v: Any) -> str:
        if v is None:
            return "null"
        if isinstance(v, bool):
            return "bool"
        if isinstance(v, int | float):
            return "number"
        return type(v).__name__
    return kind(a) == kind(b)


def _eq(a: Any, b: Any) -> bool:
    if _same_type(a, b):
        if isinstance(a, str):
            return a.casefold() == b.casefold()      # GitHub compares strings ignoring case
        if isinstance(a, dict | list):
            return a is b                             # the same instance only
        return bool(a == b)
    return _num(a) == _num(b)                         # NaN == NaN is False, as GitHub's


def _cmp(a: Any, b: Any) -> tuple[Any, Any]:
    if isinstance(a, str) and isinstance(b, str):
        return a.casefold(), b.casefold()
    return _num(a), _num(b)


def to_str(v: Any) -> str:
    """A value as GitHub puts it into a string: true/false, integers without a fraction,
    JSON for arrays and objects (GitHub writes 'Array'/'Object'; our workflows never
    interpolate either, so JSON here makes such a mistake visible rather than silent)."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, dict | list):
        return json.dumps(v)
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _contains(search: Any, item: Any) -> bool:
    if isinstance(search, list):
        return any(_eq(x, item) for x in search)
    return to_str(item).casefold() in to_str(search).casefold()


def _format(fmt: Any, *args: Any) -> str:
    text, out, i = to_str(fmt), [], 0
    while i < len(text):
        if text.startswith("{{", i):
            out.append("{")
            i += 2
        elif text.startswith("}}", i):
            out.append("}")
            i += 2
        elif text[i] == "{":
            end = text.index("}", i)
            out.append(to_str(args[int(text[i + 1:end])]))
            i = end + 1
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def _join(value: Any, sep: Any = ",") -> str:
    if isinstance(value, list):
        return to_str(sep).join(to_str(x) for x in value)
    return to_str(value)


FUNCTIONS: Funcs = {
    "contains": _contains,
    "startsWith": lambda s, v: to_str(s).casefold().startswith(to_str(v).casefold()),
    "endsWith": lambda s, v: to_str(s).casefold().endswith(to_str(v).casefold()),
    "format": _format,
    "join": _join,
    "toJSON": lambda v: json.dumps(v, indent=2),
    "fromJSON": lambda s: json.loads(to_str(s)),
}


class Expr:
    """Recursive descent over the grammar in the module docstring."""

    def __init__(self, text: str, ctx: dict[str, Any], funcs: Funcs):
        self.toks = _tokens(text)
        self.i = 0
        self.ctx = ctx
        self.funcs = {**FUNCTIONS, **funcs}
        self.text = text

    def value(self) -> Any:
        v = self._or()
        if self.i != len(self.toks):
            raise AssertionError(f"trailing tokens in {self.text!r}")
        return v

    def _peek(self) -> str | None:
        return self.toks[self.i][1] if self.i < len(self.toks) else None

    def _take(self, want: str | None = None) -> tuple[str, str]:
        if self.i >= len(self.toks):
            raise AssertionError(f"unexpected end of {self.text!r}")
        tok = self.toks[self.i]
        if want is not None and tok[1] != want:
            raise AssertionError(f"expected {want!r} in {self.text!r}")
        self.i += 1
        return tok

    def _or(self) -> Any:
        v = self._and()
        while self._peek() == "||":
            self._take()
            rhs = self._and()
            v = v if truthy(v) else rhs
        return v

    def _and(self) -> Any:
        v = self._eq()
        while self._peek() == "&&":
            self._take()
            rhs = self._eq()
            v = rhs if truthy(v) else v
        return v

    def _eq(self) -> Any:
        v = self._rel()
        while self._peek() in ("==", "!="):
            op = self._take()[1]
            rhs = self._rel()
            v = _eq(v, rhs) if op == "==" else not _eq(v, rhs)
        return v

    def _rel(self) -> Any:
        v = self._unary()
        while self._peek() in ("<", "<=", ">", ">="):
            op = self._take()[1]
            a, b = _cmp(v, self._unary())
            v = {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]
        return v

    def _unary(self) -> Any:
        if self._peek() == "!":
            self._take()
            return not truthy(self._unary())
        return self._postfix()

    def _postfix(self) -> Any:
        v = self._primary()
        while self._peek() in (".", "["):
            if self._take()[1] == ".":
                kind, key = self._take()
                assert kind == "ident", f"the object filter .* is not emulated ({self.text!r})"
            else:
                index = self._or()
                self._take("]")
                if isinstance(v, list):
                    n = _num(index)
                    v = v[int(n)] if n == n and n.is_integer() and 0 <= n < len(v) else None
                    continue
                key = to_str(index)
            if isinstance(v, dict):
                # Context keys are case-insensitive too (github.event_name == github.EVENT_NAME).
                v = v.get(key, next((x for k, x in v.items()
                                     if isinstance(k, str) and k.casefold() == key.casefold()),
                                    None))
            else:
                v = None
        return v

    def _primary(self) -> Any:
        kind, text = self._take()
        if kind == "num":
            return float(int(text, 16)) if text.lower().startswith("0x") else float(text)
        if kind == "str":
            return text[1:-1].replace("''", "'")
        if text == "(":
            v = self._or()
            self._take(")")
            return v
        if kind == "ident":
            if text in ("true", "false"):
                return text == "true"
            if text == "null":
                return None
            if self._peek() == "(":
                self._take()
                args = []
                while self._peek() != ")":
                    args.append(self._or())
                    if self._peek() == ",":
                        self._take()
                self._take(")")
                if text not in self.funcs:
                    raise AssertionError(f"function {text}() is not emulated (in {self.text!r})")
                return self.funcs[text](*args)
            if text not in self.ctx:
                raise AssertionError(f"context {text!r} is not emulated (in {self.text!r})")
            return self.ctx[text]
        raise AssertionError(f"unexpected {text!r} in {self.text!r}")


_TEMPLATE = re.compile(r"\$\{\{(.*?)\}\}", re.S)


def evaluate(text: str, ctx: dict[str, Any], funcs: Funcs | None = None) -> Any:
    return Expr(text, ctx, funcs or {}).value()


def interpolate(value: Any, ctx: dict[str, Any], funcs: Funcs | None = None) -> Any:
    """A YAML value with `${{ }}` in it: one whole expression keeps its type; several, or
    text around one, make a string."""
    if not isinstance(value, str):
        return value
    m = _TEMPLATE.fullmatch(value.strip())
    if m:
        return evaluate(m.group(1), ctx, funcs)
    return _TEMPLATE.sub(lambda mm: to_str(evaluate(mm.group(1), ctx, funcs)), value)


STATUS_FUNCS = ("success", "failure", "cancelled", "always")


def condition(raw: Any, ctx: dict[str, Any], funcs: Funcs) -> bool:
    """An `if:`: with or without `${{ }}`; without a status function GitHub prepends
    `success() &&` (so a job after a failed one is skipped unless it says otherwise)."""
    if raw is None:
        raw = "success()"
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip()
    m = _TEMPLATE.fullmatch(text)
    if m:
        text = m.group(1)
    if not any(re.search(rf"\b{f}\s*\(", text) for f in STATUS_FUNCS):
        text = f"success() && ({text})"
    return truthy(evaluate(text, ctx, funcs))
