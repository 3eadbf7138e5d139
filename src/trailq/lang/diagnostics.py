"""Warnings about query text: the middle of the three levels of static checks.

- error (QueryError, exit 3): the text cannot be parsed, or AWS's documentation says the service
  refuses it;
- warning (QueryWarning, printed, exit 0): a rule trailq infers, or text AWS's own pages use
  although the reference pages do not describe it — the service may run it, so it is not refused;
- accepted: nothing is said.

`validate --strict` turns every warning into an error. `RULES` names every warning rule with
its source; docs/semantics.md ("Static rules") lists the same rules, and a test keeps the two
in step.
"""

from __future__ import annotations

from dataclasses import dataclass

from trailq.errors import QueryError
from trailq.source import Span, describe

# rule id → where the rule comes from (a doc page, or "inferred").
RULES: dict[str, str] = {
    "field-after-stats": "CWL_QuerySyntax-Stats (\"fields referenced after stats must be defined by it\"), "
    "contradicted by AWS's own sample dashboards",
    "source-not-first": "inferred (CWL_QuerySyntax-Source examples put SOURCE first; dashboards chain several)",
    "double-equals": "inferred (operator tables list only '='; Internet Monitor's page filters with '==')",
    "sort-by": "inferred (CWL_QuerySyntax-Sort shows `sort field`, never `sort by field`)",
    "exponent-number": "inferred (no page shows a number in scientific notation)",
    "parse-without-as": "CWL_QuerySyntax-Parse writes `as`; the dashboard body example omits it",
    "unquoted-url": "CWL_QuerySyntax-examples (the Apache sample compares `referrer= http://...`); "
    "no page describes literals without quotes",
}


@dataclass(frozen=True)
class QueryWarning:
    """Something about query text that the service may run although trailq cannot be sure."""

    rule: str
    message: str
    span: Span
    text: str
    origin: str = "query"

    @property
    def source(self) -> str:
        return RULES[self.rule]

    def render(self) -> str:
        """`origin:LINE:COL: warning: message [rule]` and the caret under the text at fault."""
        return describe(self.origin, self.text, self.span, f"warning: {self.message} [{self.rule}]")

    def as_error(self) -> QueryError:
        """The same finding as an error (`validate --strict`)."""
        return QueryError(
            f"{self.message} [{self.rule}; an error under --strict]",
            category="semantic",
            span=self.span,
            text=self.text,
            origin=self.origin,
        )
