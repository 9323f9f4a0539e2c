"""SQL functions that compile differently per engine."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Text
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement


class unicode_lower(FunctionElement[str]):
    """lower() folding all of Unicode. SQLite's lower() is replaced per connection (see
    db/engine.py); on PostgreSQL the label column's COLLATE "C" would fold ASCII only, so
    the value is lowered under the database's default collation instead."""

    type = Text()
    inherit_cache = True
    name = "unicode_lower"


@compiles(unicode_lower)
def _lower_default(element: unicode_lower, compiler: SQLCompiler, **kw: Any) -> str:
    return f"lower({compiler.process(element.clauses, **kw)})"


@compiles(unicode_lower, "postgresql")
def _lower_postgresql(element: unicode_lower, compiler: SQLCompiler, **kw: Any) -> str:
    return f'lower(({compiler.process(element.clauses, **kw)}) COLLATE "default")'
