"""`trailq validate` and `trailq fmt`: offline checks and canonical formatting of query text.

Both report every problem in one run and return an exit code; neither prints. Static checks have
three levels (lang/diagnostics.py): errors (exit 3), warnings (reported, exit 0; errors under
`validate --strict`) and accepted text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from trailq import catalog as catalog_mod
from trailq import lang
from trailq.catalog import textfiles
from trailq.errors import EXIT_CHECK_FAILED, EXIT_OK, EXIT_QUERY_INVALID, EXIT_USAGE, CatalogError, QueryError, worst_exit_code
from trailq.reporting.fileio import write_atomic

CATALOG_SUFFIXES = (".yaml", ".yml")


@dataclass
class Report:
    exit_code: int = EXIT_OK
    messages: list[str] = field(default_factory=list)  # problems, for stderr
    warnings: list[str] = field(default_factory=list)  # for stderr; problems too under --strict
    summary: str = ""
    stdout: str | None = None  # fmt of stdin: the formatted text

    def worsen(self, code: int) -> None:
        """Keep the most serious exit code: usage over catalog (6) over query text (3) over ok."""
        self.exit_code = worst_exit_code(self.exit_code, code)


def validate(
    *, catalogs: tuple[str, ...] = (), files: tuple[str, ...] = (), query_text: str | None = None, strict: bool = False
) -> Report:
    """The merged catalog (built-in, ./queries.yaml, --catalog and .yaml FILES), query FILES and --query.
    With `strict`, every warning is a problem (exit 3)."""
    report = Report()
    catalog_files = tuple(catalogs) + tuple(f for f in files if f.endswith(CATALOG_SUFFIXES))
    query_files = [f for f in files if not f.endswith(CATALOG_SUFFIXES)]
    checked = 0
    notes: list[str] = []
    try:
        loaded = catalog_mod.load(catalog_files)
        checked += len(loaded.queries)
        report.warnings.extend(loaded.warnings)
        # SQL and PPL (OpenSearch) text is the service's to judge: say so rather than pass it silently.
        notes = [f"{q.name}: language {q.language}: not checked offline (the service checks it when the query runs)"
                 for q in loaded.queries.values() if q.language != "CWLI"]
    except CatalogError as exc:
        report.messages.extend(exc.problems)
        report.warnings.extend(exc.warnings)
        report.worsen(exc.exit_code)
    for name in query_files:
        checked += 1
        try:
            text = textfiles.read_text(name)
        except (OSError, UnicodeDecodeError) as exc:
            report.messages.append(f"{name}: cannot read: {exc}")
            report.worsen(EXIT_USAGE)
            continue
        _parse_into(report, text, name)
    if query_text is not None:
        checked += 1
        _parse_into(report, query_text, "query")
    if strict and report.warnings:
        report.messages.extend(w.replace(": warning: ", ": ", 1) for w in report.warnings)
        report.warnings = []
        report.worsen(EXIT_QUERY_INVALID)
    problems = len(report.messages)
    report.messages.extend(notes)
    warned = len(report.warnings)
    # After a catalog problem the count of checked queries is unknown: only the problems are counted.
    report.summary = f"{problems} problem{'s' * (problems != 1)}" if problems else f"{checked} queries checked, all valid"
    if notes and not problems:
        report.summary = f"{checked - len(notes)} queries checked, all valid; {len(notes)} in SQL/PPL not checked offline"
    if warned:
        report.summary += f" ({warned} warning{'s' * (warned != 1)}; --strict makes them errors)"
    return report


def _parse_into(report: Report, text: str, origin: str) -> None:
    try:
        query = lang.parse(text, origin=origin, placeholders=True)
    except QueryError as exc:
        report.messages.append(exc.render())
        report.worsen(EXIT_QUERY_INVALID)
        return
    report.warnings.extend(warning.render() for warning in query.warnings)


def query_warnings(text: str, origin: str = "query") -> list[str]:
    """The rendered warnings of query text about to run (`run`, `check`); [] when it does not
    parse here (the backend reports that in its own way)."""
    try:
        return [warning.render() for warning in lang.parse(text, origin=origin, placeholders=True).warnings]
    except QueryError:
        return []


def format_files(files: tuple[str, ...], *, check_only: bool, stdin: TextIO) -> Report:
    """Rewrite each file canonically (or, with check_only, say which would change: exit 1)."""
    report = Report()
    changed = 0
    for name in files:
        if name == "-":
            try:
                text = textfiles.read_stream(stdin)
            except OSError as exc:
                report.messages.append(f"<stdin>: cannot read: {exc}")
                report.worsen(EXIT_USAGE)
                continue
            formatted = _format_or_report(report, text, "<stdin>")
            if formatted is not None and not check_only:
                report.stdout = formatted
            changed += formatted is not None and formatted != text
            continue
        path = Path(name)
        if name.endswith(CATALOG_SUFFIXES):
            report.messages.append(f"{name}: a catalog, not query text: fmt formats .insights files (and stdin)")
            report.worsen(EXIT_USAGE)
            continue
        try:
            text = textfiles.read_text(path)
        except (OSError, UnicodeDecodeError) as exc:
            report.messages.append(f"{name}: cannot read: {exc}")
            report.worsen(EXIT_USAGE)
            continue
        formatted = _format_or_report(report, text, name)
        if formatted is None or formatted == text:
            continue
        changed += 1
        if check_only:
            report.messages.append(f"{name}: would be reformatted")
        else:
            write_atomic(path, formatted)
            report.messages.append(f"{name}: reformatted")
    if check_only and changed and report.exit_code == EXIT_OK:
        report.exit_code = EXIT_CHECK_FAILED
    return report


def _format_or_report(report: Report, text: str, origin: str) -> str | None:
    try:
        return lang.format_query(text, origin=origin, placeholders=True)
    except QueryError as exc:
        report.messages.append(exc.render())
        report.worsen(EXIT_QUERY_INVALID)
        return None
