"""`trailq check`: verdicts on check-carrying queries, a summary table, JUnit XML, a GitHub step summary.

A catalog query with `check: {max_rows: 0}` is an audit: any row is a finding. Each Result of such
a query (one per query × target) gets one Verdict: pass, fail (the rows broke max_rows/min_rows)
or error (the query could not run there, so the audit is incomplete).

Fail closed (docs/ci.md): a check that finds nothing on input with gaps (skipped files, folders,
records, regions, or no record read at all) "could not judge": an error, unless the user accepts
partial input (`--allow-partial`).

Exit code (docs/ci.md): 5 when any query could not run or could not judge — even if another check failed, because
then "every check ran and some found rows" (exit 1) would be a false statement —, else 1 when any
check failed, else 0. Severity is reported everywhere but does not change the exit code.
"""

from __future__ import annotations

import html
import os
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import partial

from tabulate import tabulate

from trailq.catalog import Check
from trailq.errors import EXIT_CHECK_FAILED, EXIT_OK, EXIT_QUERY_FAILED
from trailq.reporting.output import coverage_line, first_gaps, has_coverage, markdown_cell, markdown_table, skipped_summary
from trailq.reporting.shown import visible
from trailq.result import COMPLETE, Coverage, Level, Notice, Result, Target

PASS = "pass"
FAIL = "fail"
ERROR = "error"
# Reports carry the offending rows, but a CI report with 100,000 rows helps nobody and CI
# systems cap report sizes; beyond these caps the report says how many rows were left out.
MAX_ROWS_IN_JUNIT = 200
MAX_ROWS_IN_STEP_SUMMARY = 50
HIDDEN_COLUMNS = ("@ptr",)
STEP_SUMMARY_ENV = "GITHUB_STEP_SUMMARY"


@dataclass(frozen=True)
class Verdict:
    """One query × target: its check, what it found and whether that passes."""

    query: str
    target: Target
    outcome: str  # pass | fail | error
    severity: str
    reason: str  # one line, e.g. "3 rows; at most 0 allowed"
    row_count: int | None  # None when the query could not run
    columns: tuple[str, ...] = ()
    offending_rows: tuple[dict[str, str], ...] = ()
    elapsed_seconds: float = 0.0
    coverage: Coverage | None = None  # what the result read and skipped

    @property
    def name(self) -> str:
        return f"{self.query} · {self.target.label()}"


def evaluate(results: list[Result], checks_by_query_name: Mapping[str, Check], allow_partial: bool = False) -> list[Verdict]:
    """A Verdict for every Result whose query carries a check, in the results' order.

    Fail closed: a check that found nothing wrong on a Result whose coverage has gaps (input
    skipped, or no record read at all) could not judge (ERROR), unless `allow_partial`; then it
    passes and says how much input it accepted to miss. Findings fail whatever the coverage."""
    answered = {r.query for r in results if r.ok}  # queries that searched at least one target completely
    verdicts = []
    for result in results:
        check = checks_by_query_name.get(result.query)
        if check is None:
            continue
        if allow_partial and not result.ok and result.query in answered and not result.coverage.complete:
            verdicts.append(_judge_the_rest(result, check))
        else:
            verdicts.append(_fail_closed(_judge(result, check), result, check, allow_partial))
    return verdicts


def _judge_the_rest(result: Result, check: Check) -> Verdict:
    """--allow-partial on a target that could not be searched (denied, failed, timed out) while the
    query's other targets were: its gap is accepted like skipped input, and the rows it still returned
    (a batch or half-window that completed) are judged, so findings still fail."""
    judged = _judge(replace(result, status=COMPLETE, error=None), check)
    missing = f"not searched ({result.status}): {result.error or 'no reason given'}"
    if judged.outcome == FAIL:
        return replace(judged, reason=f"{judged.reason} (on partial input: {skipped_summary(result.coverage)})")
    if judged.outcome == ERROR:
        return judged
    if not result.rows:  # nothing came back: no "0 rows" for a place that was not looked at
        return replace(judged, row_count=None, reason=f"partial input accepted: {missing}")
    return replace(judged, reason=f"{judged.reason} from the part that answered; partial input accepted: {missing}")


def _fail_closed(verdict: Verdict, result: Result, check: Check, allow_partial: bool) -> Verdict:
    coverage = result.coverage
    if coverage.complete or verdict.outcome == ERROR:
        return verdict
    found_too_many = check.max_rows is not None and (verdict.row_count or 0) > check.max_rows
    if verdict.outcome == FAIL and found_too_many:
        return replace(verdict, reason=f"{verdict.reason} (on partial input: {skipped_summary(coverage)})")
    if allow_partial:
        return replace(verdict, reason=f"{verdict.reason}; partial input accepted: {skipped_summary(coverage)}")
    return replace(verdict, outcome=ERROR, offending_rows=(),
                   reason=f"could not judge: input incomplete ({skipped_summary(coverage)}): {first_gaps(coverage)}")


def _judge(result: Result, check: Check) -> Verdict:
    # Every verdict on this result names the same query, target, severity, time and coverage.
    verdict = partial(
        Verdict,
        query=result.query,
        target=result.target,
        severity=check.severity,
        elapsed_seconds=result.statistics.elapsed_seconds,
        coverage=result.coverage,
    )
    if not result.ok:
        reason = f"query did not complete ({result.status})" + (f": {result.error}" if result.error else "")
        return verdict(outcome=ERROR, reason=reason, row_count=None)
    if result.rows_partial:
        # Per-batch answers: a group can appear once per batch, so the row count proves nothing either way.
        return verdict(outcome=ERROR, reason="rows are per-batch partial answers (over 50 log groups): cannot be judged",
                       row_count=len(result.rows))
    count = len(result.rows)
    # A truncated result holds at least this many rows: enough to fail max_rows, never to fail min_rows wrongly.
    counted = f"{'at least ' if result.truncated else ''}{count} row{'s' if count != 1 else ''}"
    columns = tuple(c for c in result.columns if c not in HIDDEN_COLUMNS)
    if check.max_rows is not None and count > check.max_rows:
        return verdict(
            outcome=FAIL,
            reason=f"{counted}; at most {check.max_rows} allowed",
            row_count=count,
            columns=columns,
            offending_rows=tuple({k: v for k, v in r.items() if k not in HIDDEN_COLUMNS} for r in result.rows),
        )
    if check.min_rows is not None and count < check.min_rows:
        if result.truncated:  # more rows matched than came back: too few cannot be proven
            reason = f"{counted} (truncated): cannot tell whether at least {check.min_rows}"
            return verdict(outcome=ERROR, reason=reason, row_count=count)
        return verdict(outcome=FAIL, reason=f"{counted}; at least {check.min_rows} expected", row_count=count)
    if result.truncated and check.max_rows is not None:
        # A truncated result within max_rows proves nothing: the rows it lost may be findings.
        return verdict(outcome=ERROR, reason=f"{counted} (truncated): cannot prove at most {check.max_rows}", row_count=count)
    return verdict(outcome=PASS, reason=counted, row_count=count, columns=columns)


def exit_code(verdicts: list[Verdict]) -> int:
    """5 when any query could not run, else 1 when any check failed, else 0."""
    outcomes = {v.outcome for v in verdicts}
    if ERROR in outcomes:
        return EXIT_QUERY_FAILED
    if FAIL in outcomes:
        return EXIT_CHECK_FAILED
    return EXIT_OK


def counts(verdicts: list[Verdict]) -> dict[str, int]:
    return {outcome: sum(v.outcome == outcome for v in verdicts) for outcome in (PASS, FAIL, ERROR)}


def summary_line(verdicts: list[Verdict]) -> str:
    tally = counts(verdicts)
    return f"{len(verdicts)} check{'s' * (len(verdicts) != 1)}: {tally[FAIL]} failed, {tally[ERROR]} could not run, {tally[PASS]} passed"


def summary_table(verdicts: list[Verdict]) -> str:
    """query, target, severity, rows, verdict, detail — one line per query × target, then the tally."""
    rows = [
        [v.query, visible(v.target.label()), v.severity, "-" if v.row_count is None else str(v.row_count), v.outcome.upper(),
         visible(v.reason)]  # a row is one line (a file named `a\nb` in a reason drew another)
        for v in verdicts
    ]
    table = tabulate(rows, headers=["query", "target", "severity", "rows", "verdict", "detail"],
                     tablefmt="simple", disable_numparse=True)
    if not verdicts:
        return summary_line(verdicts)
    inputs = [f"input {visible(label)}: {coverage_line(coverage)}" for label, coverage in input_coverage(verdicts)]
    return "\n".join([table, *inputs, summary_line(verdicts)])


def input_coverage(verdicts: list[Verdict]) -> list[tuple[str, Coverage]]:
    """Each target's coverage once (the queries of a local run read the same sources): the one
    with the most gaps, so that nothing skipped by any query is hidden."""
    by_target: dict[str, Coverage] = {}
    for verdict in verdicts:
        if verdict.coverage is None or not has_coverage(verdict.coverage):
            continue
        label = verdict.target.label()
        known = by_target.get(label)
        if known is None or verdict.coverage.gaps_total > known.gaps_total:
            by_target[label] = verdict.coverage
    return list(by_target.items())


# ---------------------------------------------------------------------------------------------
# JUnit XML

# Characters XML 1.0 cannot carry at all, even escaped; a log line may hold any of them.
_XML_INVALID = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml_text(text: str) -> str:
    return _XML_INVALID.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def junit_xml(verdicts: list[Verdict], commands: Mapping[str, str] | None = None) -> str:
    """JUnit XML: one <testsuite> per query, one <testcase> per query × target.

    A failed check is a <failure> whose text lists the offending rows; a query that could not run
    is an <error>. Jenkins, GitLab and GitHub test reporters read this layout natively.
    `commands` maps a query name to the full `trailq run ...` that reproduces the check's scope
    (regions, accounts, window, log groups), named when rows had to be left out.
    """
    tally = counts(verdicts)
    root = ET.Element("testsuites", {
        "name": "trailq check",
        "tests": str(len(verdicts)),
        "failures": str(tally[FAIL]),
        "errors": str(tally[ERROR]),
        "time": _seconds(sum(v.elapsed_seconds for v in verdicts)),
    })
    for query, group in _by_query(verdicts).items():
        group_tally = counts(group)
        suite = ET.SubElement(root, "testsuite", {
            "name": _xml_text(query),
            "tests": str(len(group)),
            "failures": str(group_tally[FAIL]),
            "errors": str(group_tally[ERROR]),
            "skipped": "0",
            "time": _seconds(sum(v.elapsed_seconds for v in group)),
        })
        for verdict in group:
            _testcase(suite, verdict, (commands or {}).get(verdict.query))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _testcase(suite: ET.Element, verdict: Verdict, command: str | None = None) -> None:
    case = ET.SubElement(suite, "testcase", {
        "classname": _xml_text(f"trailq.{verdict.query}"),
        "name": _xml_text(verdict.target.label()),
        "time": _seconds(verdict.elapsed_seconds),
    })
    if verdict.coverage is not None and has_coverage(verdict.coverage):
        _coverage_properties(case, verdict.coverage)
    if verdict.outcome == FAIL:
        element = ET.SubElement(case, "failure", {"message": _xml_text(verdict.reason), "type": verdict.severity})
        element.text = _xml_text(_failure_text(verdict, command))
    elif verdict.outcome == ERROR:
        kind = "InputIncomplete" if verdict.reason.startswith("could not judge") else "QueryFailed"
        element = ET.SubElement(case, "error", {"message": _xml_text(verdict.reason), "type": kind})
        element.text = _xml_text(verdict.reason)
    if verdict.coverage is not None and has_coverage(verdict.coverage):
        out = ET.SubElement(case, "system-out")
        out.text = _xml_text("input: " + coverage_line(verdict.coverage) + _gap_lines(verdict.coverage))


def _coverage_properties(case: ET.Element, coverage: Coverage) -> None:
    """The input counts as JUnit properties (GitLab, Jenkins and pytest use this element)."""
    properties = ET.SubElement(case, "properties")
    values = {"coverage.complete": str(coverage.complete).lower(), **{f"coverage.{k}": str(v) for k, v in coverage.counts().items()},
              "coverage.gaps_total": str(coverage.gaps_total)}
    for name, value in values.items():
        ET.SubElement(properties, "property", {"name": name, "value": value})


def _gap_lines(coverage: Coverage) -> str:
    lines = [f"\nskipped {g.kind} {g.where}: {g.reason}" for g in coverage.gaps]
    more = coverage.gaps_total - len(coverage.gaps)
    return "".join(lines) + (f"\n... and {more} more" if more else "")


def _failure_text(verdict: Verdict, command: str | None = None) -> str:
    lines = [f"{verdict.name}: {verdict.reason} (severity {verdict.severity})"]
    if verdict.offending_rows:
        shown = verdict.offending_rows[:MAX_ROWS_IN_JUNIT]
        lines.append(_plain_rows(verdict.columns, shown))
        left_out = len(verdict.offending_rows) - len(shown)
        if left_out:
            lines.append(f"... and {left_out} more rows (run `{command or 'trailq run ' + verdict.query}` to see them all)")
    return "\n".join(lines)


def _plain_rows(columns: tuple[str, ...], rows: tuple[dict[str, str], ...]) -> str:
    names = list(columns) or sorted({k for r in rows for k in r})
    matrix = [[r.get(c, "") for c in names] for r in rows]
    drawn: str = tabulate(matrix, headers=names, tablefmt="simple", disable_numparse=True, missingval="")
    return drawn


def _by_query(verdicts: list[Verdict]) -> dict[str, list[Verdict]]:
    groups: dict[str, list[Verdict]] = {}
    for verdict in verdicts:
        groups.setdefault(verdict.query, []).append(verdict)
    return groups


def _seconds(value: float) -> str:
    return f"{value:.3f}"


# ---------------------------------------------------------------------------------------------
# GitHub step summary

_MARK = {PASS: "✅ pass", FAIL: "❌ FAIL", ERROR: "⚠️ ERROR"}


def github_step_summary(verdicts: list[Verdict]) -> str:
    """Markdown for $GITHUB_STEP_SUMMARY: the tally, one table row per check, offending rows folded."""
    tally = counts(verdicts)
    table = [
        [v.query, v.target.label(), v.severity, "-" if v.row_count is None else str(v.row_count), _MARK[v.outcome], v.reason]
        for v in verdicts
    ]
    lines = [
        f"## trailq check: {tally[FAIL]} failed, {tally[ERROR]} could not run, {tally[PASS]} passed",
        "",
        markdown_table(["query", "target", "severity", "rows", "verdict", "detail"], table, padded=False),
    ]
    inputs = input_coverage(verdicts)
    if inputs:
        lines.extend(["", "**Input coverage**", ""])
        for label, coverage in inputs:
            lines.append(f"- {markdown_cell(label)}: {markdown_cell(coverage_line(coverage))}")
    for v in verdicts:
        if v.outcome == FAIL and v.offending_rows:
            summary = f"<details><summary>{html.escape(v.name, quote=False)}: {html.escape(v.reason, quote=False)}</summary>"
            lines.extend(["", summary, "", *_markdown_rows(v), "", "</details>"])
    return "\n".join(lines) + "\n"


def _markdown_rows(verdict: Verdict) -> list[str]:
    shown = verdict.offending_rows[:MAX_ROWS_IN_STEP_SUMMARY]
    names = list(verdict.columns) or sorted({k for r in shown for k in r})
    out = [markdown_table(names, [[r.get(n, "") for n in names] for r in shown], padded=False)]
    left_out = len(verdict.offending_rows) - len(shown)
    if left_out:
        out += ["", f"… and {left_out} more rows (see the JUnit report or `trailq run {markdown_cell(verdict.query)}`)."]
    return out


def append_github_step_summary(verdicts: list[Verdict], environ: Mapping[str, str] | None = None) -> list[Notice]:
    """Append the Markdown summary to $GITHUB_STEP_SUMMARY when it is set; returns notices for stderr.

    Appends (other steps write to the same file). A file that cannot be written gives a warning
    notice rather than an exception, so the check's own exit code is never masked.
    """
    env = os.environ if environ is None else environ
    path = env.get(STEP_SUMMARY_ENV)
    if not path:
        return []
    try:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(github_step_summary(verdicts))
    except OSError as exc:
        # A report asked for and not written: --quiet keeps it.
        return [Notice(f"warning: cannot append to ${STEP_SUMMARY_ENV} ({path}): {exc.strerror or exc}", Level.LOST)]
    return []
