"""Glob patterns of `parse @message "..." as a, b`, matched without a regex engine.

Semantics (docs/semantics.md, "Parse"): the glob is unanchored; every `*` is lazy except a final
`*` (one that ends the pattern), which takes the rest of the value. That is exactly "find each
literal piece in turn, leftmost first": the piece before the first `*` at its first occurrence,
each later piece at its first occurrence after the previous one, a final `*` everything left. If
the earliest placement of a piece leaves no room for the rest, no later placement does either
(later placements only start later), so no backtracking is ever needed.

The old compilation, a regex of `(.*?)` groups, backtracked over every start position of a line
that did not match: `"* [*] *"` took minutes on the sample trail. Here a line costs one
`str.find` per piece, linear in its length. `GlobPattern` offers the parts of `re.Pattern` the
parse stage uses (`search`, `finditer`, `groupindex`) and gives the same matches, `finditer`'s
treatment of empty matches included (pinned by a differential test against the regex).
"""

from __future__ import annotations

from collections.abc import Iterator


class GlobMatch:
    """One match: its span and the text each `*` took."""

    __slots__ = ("_start", "_end", "_groups")

    def __init__(self, start: int, end: int, groups: tuple[str, ...]) -> None:
        self._start = start
        self._end = end
        self._groups = groups

    def start(self) -> int:
        return self._start

    def end(self) -> int:
        return self._end

    def groups(self) -> tuple[str, ...]:
        return self._groups

    def group(self, index: int = 0) -> str:
        if index == 0:
            raise IndexError("a glob match keeps its captures only")
        return self._groups[index - 1]


class GlobPattern:
    """A compiled glob: the literal pieces between its stars."""

    groupindex: dict[str, int] = {}  # globs have no named groups; aliases name the captures

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        self.pieces = pattern.split("*")
        self.final_star = len(self.pieces) > 1 and self.pieces[-1] == ""

    def search(self, text: str, pos: int = 0) -> GlobMatch | None:
        """The leftmost match starting at or after `pos`."""
        pieces = self.pieces
        start = text.find(pieces[0], pos)
        if start < 0:
            return None
        cursor = start + len(pieces[0])
        groups: list[str] = []
        last = len(pieces) - 1
        for i in range(1, len(pieces)):
            piece = pieces[i]
            if i == last and self.final_star:
                groups.append(text[cursor:])
                cursor = len(text)
                break
            found = text.find(piece, cursor)
            if found < 0:
                return None
            groups.append(text[cursor:found])
            cursor = found + len(piece)
        return GlobMatch(start, cursor, tuple(groups))

    def finditer(self, text: str) -> Iterator[GlobMatch]:
        """Successive non-overlapping matches, as `re.finditer` gives them: an empty match may
        follow a non-empty one at the same place, but the match after an empty one must move on."""
        pos = 0
        must_advance = False
        while pos <= len(text):
            match = self.search(text, pos)
            if match is None:
                return
            if must_advance and match.start() == match.end() == pos:
                match = self.search(text, pos + 1) if pos < len(text) else None
                if match is None:
                    return
            yield match
            must_advance = match.start() == match.end()
            pos = match.end()


def compile_glob(pattern: str) -> GlobPattern:
    return GlobPattern(pattern)
