"""The functions the local engine knows (reference §4): loads the one function table.

The table and its decorators are `registry.py`. Importing this module imports every implementation
module, each of which registers its functions where they are written: `functions_text` (strings,
numbers, general), `functions_time` (datetimes and period arithmetic), `functions_data` (IP
addresses, JSON), `aggregates` (stats). The functions declared below have no implementation of
their own: the compiler evaluates those that need the event or the run (`expressions.Compiler`),
and those that need the service are refused with exit 7 (`interpreter.check_supported`).
"""

from __future__ import annotations

from collections.abc import Callable

from trailq.engine import aggregates as _aggregates  # noqa: F401  (registers the stats functions)
from trailq.engine import functions_data as _data  # noqa: F401  (registers its functions)
from trailq.engine import functions_time as _time  # noqa: F401  (registers its functions)
from trailq.engine.functions_text import compile_regex, truth
from trailq.engine.functions_time import Period, ceil_period_ms, floor_period_ms
from trailq.engine.registry import FUNCTIONS, EngineFunction, EngineKind, declare, engine_name, find
from trailq.engine.values import Value

__all__ = [
    "EngineFunction",
    "EngineKind",
    "FUNCTIONS",
    "Period",
    "ceil_period_ms",
    "compile_regex",
    "engine_name",
    "find",
    "floor_period_ms",
    "scalar_implementation",
    "truth",
]

# Evaluated by expressions.Compiler, which knows the event and the run: bin() reads @timestamp,
# ispresent() looks at an unevaluated field, now()/query*Time() read the run's clock and range.
for _name in ("bin", "ispresent", "now", "queryStartTime", "queryEndTime", "queryTimeRange"):
    declare(_name, EngineKind.CONTEXT)

# Documented, but their results depend on the service's own time series: refused locally (exit 7).
for _name in ("rate", "countOverTime", "sumOverTime", "histogram"):
    declare(_name, EngineKind.UNSUPPORTED)


def scalar_implementation(entry: EngineFunction) -> Callable[..., Value]:
    """The code of a scalar function (its entry's kind is SCALAR)."""
    assert entry.kind is EngineKind.SCALAR and entry.implementation is not None, entry.name
    return entry.implementation
