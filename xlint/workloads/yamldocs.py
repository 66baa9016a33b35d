"""YAML files as lists of documents, loaded with ruamel.yaml in round-trip mode.

A file is split into its documents as text (on ``---`` lines), so that documents a fix does not touch
stay byte for byte; a document a fix edits is dumped back by ruamel.yaml round trip (comments, key order,
quoting and the file's own indentation kept); a removed document disappears with its separator.
"""

from __future__ import annotations

import io
import re
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, SingleQuotedScalarString

from xlint.records import field, record
from xlint.rx import rx

_DOC_START = rx(r"^---(?=[ \t\r\n]|$)")


class YamlInputError(Exception):
    """A YAML file that does not load; ``str()`` is ``path:line:col: message``."""


@record
class Document:
    """One document of a YAML file: its text span, its first line (1-based) and its round-trip data."""

    path: str
    index: int
    start: int  # offset of the document's text (including a leading ``---`` line) in the file
    end: int
    line: int  # 1-based line of ``start``
    text: str
    data: Any
    indent: tuple[int, int, int] = (2, 2, 0)  # mapping, sequence, offset

    def dump(self, data: Any) -> str:
        """The document's text with ``data`` (its edited round-trip data) in place of the original."""
        y = _yaml(self.indent)
        out = io.StringIO()
        y.dump(data, out)
        body = out.getvalue()
        head = ""
        m = _DOC_START.match(self.text)
        if m:
            first_nl = self.text.find("\n")
            head = self.text[: first_nl + 1] if first_nl >= 0 else self.text + "\n"
            if body.startswith("---"):
                body = body.split("\n", 1)[1] if "\n" in body else ""
        body = body.replace("\r\n", "\n")  # comments may keep their CR
        if "\r\n" in self.text:
            body = body.replace("\n", "\r\n")
        return head + body


def _yaml(indent: tuple[int, int, int] = (2, 2, 0)) -> YAML:
    y = YAML(typ="rt")
    y.preserve_quotes = True
    y.width = 4096
    y.indent(mapping=indent[0], sequence=indent[1], offset=indent[2])
    return y


def _guess_indent(text: str) -> tuple[int, int, int]:
    """The mapping indent and block-sequence layout used by the text (``- `` at the parent key's column
    or indented under it)."""
    mapping = 0
    seq_offset: int | None = None
    prev_key_col: int | None = None
    for raw in text.splitlines():
        stripped = raw.lstrip(" ")
        if not stripped or stripped.startswith("#"):
            continue
        col = len(raw) - len(stripped)
        if stripped.startswith("- ") or stripped == "-":
            if prev_key_col is not None and seq_offset is None:
                seq_offset = col - prev_key_col
            prev_key_col = None
            continue
        if prev_key_col is not None and col > prev_key_col and mapping == 0:
            mapping = col - prev_key_col
        prev_key_col = col if re.match(r"[^#\s][^:]*:\s*(#.*)?$", stripped) else None
    mapping = mapping or 2
    off = seq_offset if seq_offset is not None and seq_offset >= 0 else 0
    return mapping, mapping + off if off else mapping, off


def split_documents(text: str) -> list[tuple[int, int]]:
    """Spans of the documents of a YAML stream (split on ``---`` lines at column 0)."""
    starts = [0]
    pos = 0
    for line in text.splitlines(keepends=True):
        if pos and _DOC_START.match(line):
            starts.append(pos)
        pos += len(line)
    spans = []
    for i, s in enumerate(starts):
        e = starts[i + 1] if i + 1 < len(starts) else len(text)
        spans.append((s, e))
    return spans


def load_documents(text: str, path: str) -> list[Document]:
    """Every document of ``text`` (empty ones included, their data None). Raises YamlInputError."""
    docs: list[Document] = []
    y = _yaml()
    for i, (s, e) in enumerate(split_documents(text)):
        chunk = text[s:e]
        line = text.count("\n", 0, s) + 1
        try:
            data = y.load(chunk)
        except YAMLError as exc:
            mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
            where = f"{path}:{line + mark.line}:{mark.column + 1}" if mark is not None else f"{path}:{line}:1"
            problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
            raise YamlInputError(f"{where}: invalid YAML: {problem}") from None
        docs.append(Document(path, i, s, e, line, chunk, data, _guess_indent(chunk)))
    return docs


def node_line(doc: Document, node: Any, key: Any = None, value: bool = False) -> int:
    """1-based file line of a node (or of a key of a mapping, or an item of a sequence)."""
    lc = getattr(node, "lc", None)
    if lc is None:
        return doc.line
    try:
        if key is None:
            row = lc.line
        elif isinstance(node, CommentedMap):
            row = lc.value(key)[0] if value else lc.key(key)[0]
        elif isinstance(node, CommentedSeq):
            row = lc.item(key)[0]
        else:
            row = lc.line
    except (KeyError, IndexError, TypeError, AttributeError):
        row = lc.line
    return doc.line + int(row)


def node_col(node: Any, key: Any = None, value: bool = False) -> int:
    lc = getattr(node, "lc", None)
    if lc is None:
        return 1
    try:
        if key is None:
            return int(lc.col) + 1
        if isinstance(node, CommentedMap):
            return int((lc.value(key) if value else lc.key(key))[1]) + 1
        if isinstance(node, CommentedSeq):
            return int(lc.item(key)[1]) + 1
    except (KeyError, IndexError, TypeError, AttributeError):
        pass
    return int(lc.col) + 1


def same_style(old: Any, new: str) -> Any:
    """``new`` as a scalar quoted the way ``old`` was."""
    if isinstance(old, DoubleQuotedScalarString):
        return DoubleQuotedScalarString(new)
    if isinstance(old, SingleQuotedScalarString):
        return SingleQuotedScalarString(new)
    return new


def plain(data: Any) -> Any:
    """Round-trip data as plain dicts/lists/scalars (for comparisons)."""
    if isinstance(data, dict):
        return {str(k): plain(v) for k, v in data.items()}
    if isinstance(data, list):
        return [plain(v) for v in data]
    if isinstance(data, str):
        return str(data)
    return data


@record
class YamlFile:
    path: str
    text: str
    documents: list[Document] = field(default_factory=list)

    @classmethod
    def load(cls, path: str, text: str) -> YamlFile:
        return cls(path, text, load_documents(text, path))

    def rewrite(self, replaced: dict[int, Any], removed: set[int]) -> str:
        """The file's text with documents ``replaced`` (index -> new data) and ``removed``."""
        parts: list[str] = []
        kept = [d for d in self.documents if d.index not in removed]
        for n, d in enumerate(kept):
            chunk = d.dump(replaced[d.index]) if d.index in replaced else d.text
            if n == 0 and d.index != 0 and _DOC_START.match(chunk) and not any(
                _DOC_START.match(x.text) for x in self.documents[:1]
            ):
                chunk = chunk.split("\n", 1)[1] if "\n" in chunk else ""
            if parts and not parts[-1].endswith("\n"):
                parts.append("\n")
            parts.append(chunk)
        return "".join(parts)

    def is_empty_after(self, removed: set[int]) -> bool:
        return all(d.index in removed or d.data is None for d in self.documents)


def set_scalar(mapping: Any, key: Any, new: str) -> None:
    """Set ``mapping[key]`` to the string ``new``, quoted as before, keeping the gap before an end-of-line
    comment (ruamel.yaml would keep the comment's column instead)."""
    old = mapping[key]
    mapping[key] = same_style(old, new)
    ca = getattr(mapping, "ca", None)
    entry = ca.items.get(key) if ca is not None else None
    token = entry[2] if entry and len(entry) > 2 else None
    if token is not None and getattr(token, "column", None) is not None:
        delta = len(new) - len(str(old))
        token.column = max(0, token.column + delta)
