"""Control characters from log data never reach a terminal raw; machine formats keep values exact."""

import csv
import io
import json

from trailq.reporting.output import RenderOptions, render
from trailq.result import Result, Target

HOSTILE = "evil\x1b[31mRED\r\nx|y\x00"


def result() -> Result:
    return Result(query="q", target=Target(source="f"), columns=["userAgent"], rows=[{"userAgent": HOSTILE}])


def test_tables_and_markdown_show_control_characters_visibly():
    for fmt in ("table", "markdown"):
        text = render([result()], RenderOptions(format=fmt)).text
        assert "\x1b" not in text and "\x00" not in text and "\r" not in text
        # Markdown escapes its own specials too (`\\` and `[`), which render as the table's text.
        assert ("\\x1b[31mRED" if fmt == "table" else "\\\\x1b\\[31mRED") in text


def test_machine_formats_keep_the_value_exact():
    rows = list(csv.reader(io.StringIO(render([result()], RenderOptions(format="csv")).text, newline="")))
    assert rows[1] == [HOSTILE]
    assert json.loads(render([result()], RenderOptions(format="jsonl")).text.splitlines()[0])["userAgent"] == HOSTILE


def test_tz_local_follows_daylight_saving(monkeypatch):
    import time

    monkeypatch.setenv("TZ", "Europe/Paris")
    time.tzset()
    try:
        rows = [{"@timestamp": "2025-07-16 02:10:00.000"}, {"@timestamp": "2025-01-16 02:10:00.000"}]
        shown = render(
            [Result(query="q", target=Target(source="f"), columns=["@timestamp"], rows=rows)], RenderOptions(format="csv", tz="local")
        ).text
        assert "2025-07-16 04:10:00.000+02:00" in shown and "2025-01-16 03:10:00.000+01:00" in shown
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


def test_markdown_cells_do_not_render_html_from_log_data():
    rows = [{"userAgent": "<img src=x onerror=alert(1)> & <b>"}]
    text = render([Result(query="q", target=Target(source="f"), columns=["userAgent"], rows=rows)], RenderOptions(format="markdown")).text
    assert "<img" not in text and "<b>" not in text and "&lt;img src=x onerror=alert(1)&gt; &amp; &lt;b&gt;" in text
