"""What the generated validators beside this module use: the exception fastjsonschema's
code raises (its own class, so they need nothing installed) and a stand-in for
decimal.Decimal (documents here come from json.loads and are never one; a class nothing
is an instance of keeps the decimal module, ~2 ms, out of start-up, and can only make the
fast path stricter)."""

from __future__ import annotations

from typing import Any


class JsonSchemaValueException(ValueError):
    """The first place a document breaks its schema, as fastjsonschema reports it."""

    def __init__(self, message: str, value: Any = None, name: str | None = None,
                 definition: Any = None, rule: str | None = None) -> None:
        super().__init__(message)
        self.message, self.value, self.name = message, value, name
        self.definition, self.rule = definition, rule


JsonSchemaValuesException = JsonSchemaValueException


class Decimal:
    """Stands in for decimal.Decimal: nothing json.loads makes is one."""
