"""`trailq explain`: what a query does, as data — pipeline, fields, local support, prefilter."""

from __future__ import annotations

from typing import Any

from trailq import lang
from trailq.errors import UnsupportedLocally
from trailq.lang import analysis, printer
from trailq.source import line_col


def explain(text: str, *, origin: str = "query") -> dict[str, Any]:
    """Parse the text (raises QueryError) and describe it. Never runs anything."""
    from trailq import engine
    from trailq.engine import prefilter

    query = lang.parse(text, origin=origin)
    pipeline = []
    for command in query.commands:
        reads, writes = analysis.command_io(command, query)
        pipeline.append({"command": printer.command_text(command), "reads": sorted(reads), "writes": sorted(writes)})
    try:
        engine.check_supported(query)
        local: dict[str, Any] = {"supported": True}
    except UnsupportedLocally as exc:
        local = {"supported": False, "reason": exc.message}
    keys, limit = analysis.final_sort_limit(query)
    return {
        "query": lang.to_text(query),
        "pipeline": pipeline,
        "output_columns": analysis.output_columns(query),
        "aggregating": analysis.is_aggregating(query),
        "final_sort": [printer.expr_text(k.expr) + ("" if k.descending is None else " desc" if k.descending else " asc") for k in keys],
        "final_limit": limit,
        "local": local,
        "prefilter": prefilter.describe(query) if local["supported"] else None,
        # Not errors: the service may run this text (docs/semantics.md, "Static rules").
        "warnings": [
            {"rule": w.rule, "message": w.message, "line": line_col(text, w.span.start)[0],
             "column": line_col(text, w.span.start)[1], "source": w.source}
            for w in query.warnings
        ],
    }


def to_text(report: dict[str, Any]) -> str:
    """The report for a terminal."""
    lines = ["pipeline:"]
    for number, step in enumerate(report["pipeline"], 1):
        lines.append(f"  {number}. {step['command']}")
        if step["reads"]:
            lines.append(f"       reads:  {', '.join(step['reads'])}")
        if step["writes"]:
            lines.append(f"       writes: {', '.join(step['writes'])}")
    columns = report["output_columns"]
    lines.append(f"columns:     {', '.join(columns) if columns is not None else '(known only when it runs)'}")
    aggregating = "yes (split windows cannot be merged; a capped result is reported truncated)" if report["aggregating"] else "no"
    lines.append(f"aggregating: {aggregating}")
    if report["final_sort"] or report["final_limit"] is not None:
        lines.append(f"final order: {', '.join(report['final_sort']) or '-'}; limit {report['final_limit'] or '-'}")
    local = report["local"]
    lines.append("local:       supported" if local["supported"] else f"local:       not supported ({local['reason']})")
    if report["prefilter"] is not None:
        lines.append(f"prefilter:   {report['prefilter']}")
    for warning in report.get("warnings", []):
        lines.append(f"warning:     {warning['line']}:{warning['column']}: {warning['message']} [{warning['rule']}]")
    return "\n".join(lines)
