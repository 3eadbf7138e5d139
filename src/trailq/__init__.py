"""trailq: named CloudWatch Logs Insights queries over CloudTrail events.

The library's front door: `trailq.parse(text)` gives a query's AST and `trailq.run_local(query, ...)`
runs it over local files into a `Result`. Both load on first use, so `import trailq` (and with it the
command line's start) pays for neither the language nor the engine until they are needed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["__version__", "parse", "run_local"]

if TYPE_CHECKING:
    from trailq.engine import run_local
    from trailq.lang import parse


def __getattr__(name: str) -> Any:
    if name == "parse":
        from trailq.lang import parse

        return parse
    if name == "run_local":
        from trailq.engine import run_local

        return run_local
    raise AttributeError(f"module 'trailq' has no attribute {name!r}")
