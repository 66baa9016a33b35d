"""Character offsets into a text <-> LSP positions (line, character in the negotiated encoding)."""

from __future__ import annotations

import bisect
import difflib

UTF16, UTF8, UTF32 = "utf-16", "utf-8", "utf-32"


def _units(segment: str, encoding: str) -> int:
    if encoding == UTF32:
        return len(segment)
    if encoding == UTF8:
        return len(segment.encode("utf-8", "surrogatepass"))
    return len(segment) + sum(1 for ch in segment if ord(ch) > 0xFFFF)


class LineIndex:
    """Line starts of one text, for converting offsets (Python string indices) to LSP positions."""

    def __init__(self, text: str, encoding: str = UTF16) -> None:
        self.text = text
        self.encoding = encoding
        self.starts = [0]
        for i, ch in enumerate(text):
            if ch == "\n":
                self.starts.append(i + 1)

    def position(self, offset: int) -> tuple[int, int]:
        """0-based line and character of ``offset``."""
        offset = max(0, min(offset, len(self.text)))
        line = bisect.bisect_right(self.starts, offset) - 1
        start = self.starts[line]
        return line, _units(self.text[start:offset], self.encoding)

    def offset(self, line: int, character: int) -> int:
        """The offset of a 0-based LSP position (clamped to the line's end, as the protocol asks)."""
        if line >= len(self.starts):
            return len(self.text)
        start = self.starts[line]
        end = self.starts[line + 1] - 1 if line + 1 < len(self.starts) else len(self.text)
        if end > start and self.text[end - 1] == "\r" and end < len(self.text):
            end -= 1
        units = 0
        for i in range(start, end):
            if units >= character:
                return i
            units += _units(self.text[i], self.encoding)
        return end

    def line_end(self, line: int) -> int:
        """The offset of the end of a 0-based line (before its line break)."""
        if line + 1 >= len(self.starts):
            return len(self.text)
        end = self.starts[line + 1] - 1
        return end - 1 if end > self.starts[line] and self.text[end - 1] == "\r" else end


def line_diff(old: str, new: str) -> list[tuple[int, int, str]]:
    """The smallest whole-line replacements ``(start, end, text)`` (offsets into ``old``) that turn
    ``old`` into ``new``: an editor keeps its cursor and folds outside them."""
    a = old.splitlines(keepends=True)
    b = new.splitlines(keepends=True)
    starts = [0]
    for line in a:
        starts.append(starts[-1] + len(line))
    out = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag != "equal":
            out.append((starts[i1], starts[i2], "".join(b[j1:j2])))
    return out
