"""Control characters from log data never reach a terminal raw; machine formats keep values exact."""

import csv
import io
import json

from trailq.output import RenderOptions, render
from trailq.result import Result, Target

HOSTILE = "evil\x1b[31mRED\r\nx|y\x00"


def result() -> Result:
    return Result(query="q", target=Target(source="f"), columns=["userAgent"], rows=[{"userAgent": HOSTILE}])


def test_tables_and_markdown_show_control_characters_visibly():
    for fmt in ("table", "markdown"):
        text = render([result()], RenderOptions(format=fmt)).text
        assert "\x1b" not in text and "\x00" not in text and "\r" not in text
        assert "\\x1b[31mRED" in text


def test_machine_formats_keep_the_value_exact():
    rows = list(csv.reader(io.StringIO(render([result()], RenderOptions(format="csv")).text, newline="")))
    assert rows[1] == [HOSTILE]
    assert json.loads(render([result()], RenderOptions(format="jsonl")).text.splitlines()[0])["userAgent"] == HOSTILE
