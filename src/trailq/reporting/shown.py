r"""Text from outside (log fields, file names, AWS error messages) shown to a person, never obeyed.

Control characters in log data (a user agent is whatever the caller sent) would reach a terminal as
escape sequences; a line feed in a table cell would draw a line that reads as another row; and
bidirectional overrides and invisible format characters make text read other than it is
(`file\u202etxt.exe` shows as `fileexe.txt`). Tables, Markdown and stderr messages show all of these
as visible `\xNN` / `\uNNNN`. Machine formats keep values exact (JSON escapes them itself; CSV/TSV
carry the bytes).
"""

from __future__ import annotations

import re

__all__ = ["visible", "terminal_text"]

_FORMAT = "\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff"  # U+2028/U+2029 break lines in editors
_CONTROL = re.compile(f"[\x00-\x1f\x7f-\x9f{_FORMAT}]")
_CONTROL_BUT_LAYOUT = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_FORMAT}]")


def _escaped(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(value: str) -> str:
    """A table or Markdown cell: every control and format character escaped, line breaks included."""
    return _CONTROL.sub(_escaped, value)


def terminal_text(message: str) -> str:
    """A message for stderr: the same, but its own line breaks and tabs stay (a caret drawing is
    laid out with them)."""
    return _CONTROL_BUT_LAYOUT.sub(_escaped, message)
