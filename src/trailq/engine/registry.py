"""The local engine's one function table: what each documented function is here, and its code.

Each implementation registers itself where it is written, with `@scalar("name")` or
`@aggregate("name")` (jmespath's `@signature` is the model); functions the compiler evaluates
itself and functions only the service can run are declared with `declare()`. Keys are
`engine_name()`: the canonical name of `trailq.lang.functions` lower-cased, so aliases and
spellings are decided there once. `trailq.lang.functions` stays the list of what exists;
registering a name it does not know, a non-canonical spelling, a kind it contradicts or a name
twice fails at import. `trailq.engine.functions` imports every implementation module, so the table
is complete once that module is loaded.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any, TypeVar

from trailq.lang.functions import FunctionKind, lookup

__all__ = ["EngineFunction", "EngineKind", "FUNCTIONS", "aggregate", "declare", "engine_name", "find", "scalar"]

F = TypeVar("F", bound=Callable[..., Any])


class EngineKind(enum.Enum):
    SCALAR = "scalar"  # a pure function of its argument values (functions_text/_time/_data)
    CONTEXT = "context"  # needs the row or the run (bin, ispresent, now, ...): expressions.Compiler
    AGGREGATE = "aggregate"  # a factory of mergeable stats states (aggregates.py)
    UNSUPPORTED = "unsupported"  # documented, but only the service can run it: refused with exit 7


@dataclass(frozen=True)
class EngineFunction:
    name: str  # the canonical spelling of trailq.lang.functions
    kind: EngineKind
    # SCALAR: takes evaluated argument values, returns a Value. AGGREGATE: takes the call's constant
    # extra arguments, returns an AggregateState. None for CONTEXT and UNSUPPORTED.
    implementation: Callable[..., Any] | None = None


# engine_name(name) → its entry. Filled at import by the decorators below.
FUNCTIONS: dict[str, EngineFunction] = {}


@cache
def engine_name(name: str) -> str:
    """The key of a function in `FUNCTIONS`: its canonical name in `trailq.lang.functions`
    (aliases resolved), lower-cased. An unknown name is only lower-cased, and then found nowhere."""
    spec = lookup(name)
    return (spec.name if spec is not None else name).lower()


def find(name: str) -> EngineFunction | None:
    """The entry for a function name or alias, any case; None when the engine does not know it."""
    return FUNCTIONS.get(engine_name(name))


def declare(name: str, kind: EngineKind, implementation: Callable[..., Any] | None = None) -> None:
    """Enter a function in the table, checked against the language's list of what exists."""
    spec = lookup(name)
    if spec is None or spec.name != name:
        raise ValueError(f"{name!r} is not a canonical function name of trailq.lang.functions")
    needs_stats = kind is EngineKind.AGGREGATE
    if needs_stats and spec.kind is FunctionKind.SCALAR or kind in (EngineKind.SCALAR, EngineKind.CONTEXT) and spec.only_in_stats:
        raise ValueError(f"{name}() is a {spec.kind.value} function in the language, not {kind.value}")
    key = engine_name(name)
    if key in FUNCTIONS:
        raise ValueError(f"{name}() is registered twice")
    if (implementation is None) != (kind in (EngineKind.CONTEXT, EngineKind.UNSUPPORTED)):
        raise ValueError(f"{name}(): only scalar and aggregate functions carry an implementation")
    FUNCTIONS[key] = EngineFunction(name, kind, implementation)


def scalar(name: str) -> Callable[[F], F]:
    """Decorator: the function below implements scalar `name` (returned unchanged)."""

    def register(implementation: F) -> F:
        declare(name, EngineKind.SCALAR, implementation)
        return implementation

    return register


def aggregate(name: str) -> Callable[[F], F]:
    """Decorator: the factory below builds the stats state of aggregation `name` (returned unchanged)."""

    def register(factory: F) -> F:
        declare(name, EngineKind.AGGREGATE, factory)
        return factory

    return register
