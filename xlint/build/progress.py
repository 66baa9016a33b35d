"""Reading buildx ``--progress=rawjson``: a stream of BuildKit ``SolveStatus`` JSON objects on stderr.

buildx pretty-prints each object over several lines, so the stream is decoded with a ``raw_decode`` loop
over a growing buffer, never line by line. After the objects buildx may write plain text (the failing
Dockerfile excerpt and ``ERROR: failed to solve: ...``); that text is kept as ``BuildProgress.text``.
Vertexes are merged by digest: BuildKit resends a vertex whenever it starts, completes or fails.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from xlint.records import field, record

_TS = re.compile(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)?$")


def parse_timestamp(value: str | None) -> datetime | None:
    """RFC 3339 with nanoseconds (``2026-11-27T20:46:37.401052415Z``) to an aware datetime (µs)."""
    if not value:
        return None
    m = _TS.match(value.strip())
    if not m:
        return None
    base, frac, tz = m.groups()
    micro = (frac or "0")[:6].ljust(6, "0")
    offset = "+00:00" if tz in (None, "Z") else tz
    try:
        return datetime.fromisoformat(f"{base}.{micro}{offset}")
    except ValueError:
        return None


class RawJsonDecoder:
    """Incremental decoder: ``feed(text)`` returns the complete objects found so far.

    Non-JSON text is returned as ``str`` items, one per line. A ``{`` that does not decode yet is kept
    until more text arrives; ``close()`` flushes whatever is left as text. ``feed_at``/``close_at`` give
    each item with its offset in the whole stream (characters from the start), for error positions.
    """

    def __init__(self) -> None:
        self._buf = ""
        self._base = 0  # stream offset of self._buf[0]
        self._decoder = json.JSONDecoder()

    def feed(self, text: str) -> list[dict[str, Any] | str]:
        return [item for _off, item in self.feed_at(text)]

    def close(self) -> list[dict[str, Any] | str]:
        return [item for _off, item in self.close_at()]

    def feed_at(self, text: str) -> list[tuple[int, dict[str, Any] | str]]:
        self._buf += text
        return self._drain(final=False)

    def close_at(self) -> list[tuple[int, dict[str, Any] | str]]:
        return self._drain(final=True)

    def _drain(self, final: bool) -> list[tuple[int, dict[str, Any] | str]]:
        out: list[tuple[int, dict[str, Any] | str]] = []
        buf = self._buf
        base = self._base
        i = 0
        n = len(buf)
        while i < n:
            c = buf[i]
            if c in " \t\r\n":
                j = i
                while j < n and buf[j] in " \t\r":
                    j += 1
                if j >= n and not final:
                    break  # cannot tell an indented text line from spacing yet
                if j < n and buf[j] not in "\n{":
                    if buf.rfind("\n", 0, i) + 1 == i or i == 0:
                        # an indented plain-text line (BuildKit's source excerpt): keep its indent
                        nl = buf.find("\n", i)
                        if nl < 0 and not final:
                            break
                        nl = n if nl < 0 else nl
                        out.append((base + i, buf[i:nl].rstrip("\r")))
                        i = nl + 1
                        continue
                i += 1
                continue
            if c == "{":
                try:
                    obj, end = self._decoder.raw_decode(buf, i)
                except (json.JSONDecodeError, RecursionError):
                    obj, end = None, -1
                    if not final:
                        nl = buf.find("\n", i)
                        if nl < 0 or buf[i:nl].strip() == "{":
                            break  # an object still arriving (buildx starts each with a lone "{")
                if isinstance(obj, dict):
                    out.append((base + i, obj))
                    i = end
                    continue
            # plain text: one line
            nl = buf.find("\n", i)
            if nl < 0:
                if not final:
                    break
                nl = n
            out.append((base + i, buf[i:nl].rstrip("\r")))
            i = nl + 1
        i = min(i, n)
        self._buf = buf[i:]
        self._base = base + i
        return out


def iter_stream(chunks: Iterable[str]) -> Iterator[dict[str, Any] | str]:
    """Decode an iterable of text chunks (e.g. a recorded stream) into objects and text lines."""
    dec = RawJsonDecoder()
    for chunk in chunks:
        yield from dec.feed(chunk)
    yield from dec.close()


@record
class LogLine:
    stream: int
    data: bytes
    timestamp: datetime | None


@record
class Vertex:
    digest: str
    name: str = ""
    inputs: list[str] = field(default_factory=list)
    started: datetime | None = None
    completed: datetime | None = None
    cached: bool = False
    error: str = ""
    order: int = 0  # first-seen order
    logs: list[LogLine] = field(default_factory=list)

    @property
    def duration(self) -> float | None:
        if self.started is None or self.completed is None:
            return None
        return max(0.0, (self.completed - self.started).total_seconds())

    @property
    def done(self) -> bool:
        return self.completed is not None

    def log_text(self) -> str:
        return b"".join(line.data for line in self.logs).decode("utf-8", "replace")


def _canceled(error: str) -> bool:
    return error.strip().rstrip(".").lower() in ("context canceled", "canceled")


@record
class BuildProgress:
    """The merged state of one build: vertexes by digest, logs, warnings and trailing text."""

    vertexes: dict[str, Vertex] = field(default_factory=dict)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    text: list[str] = field(default_factory=list)
    objects: int = 0

    def apply(self, item: dict[str, Any] | str) -> list[Vertex]:
        """Merge one decoded item; returns the vertexes it changed."""
        if isinstance(item, str):
            if item.strip():
                self.text.append(item)
            return []
        self.objects += 1
        changed: list[Vertex] = []
        for raw in item.get("vertexes") or []:
            digest = str(raw.get("digest", ""))
            if not digest:
                continue
            v = self.vertexes.get(digest)
            if v is None:
                v = Vertex(digest=digest, order=len(self.vertexes))
                self.vertexes[digest] = v
            if raw.get("name"):
                v.name = str(raw["name"])
            if raw.get("inputs"):
                v.inputs = [str(x) for x in raw["inputs"]]
            if "started" in raw:
                started = parse_timestamp(raw.get("started"))
                if started is not None and (v.started is None or v.completed is not None or started < v.started):
                    # a restart after completion replaces the run; otherwise keep the earliest start
                    if v.completed is not None and "completed" not in raw:
                        v.completed = None
                    v.started = started
            if raw.get("completed"):
                v.completed = parse_timestamp(raw["completed"])
            if raw.get("cached"):
                v.cached = True
            if raw.get("error"):
                v.error = str(raw["error"])
            changed.append(v)
        for raw in item.get("logs") or []:
            digest = str(raw.get("vertex", ""))
            v = self.vertexes.get(digest)
            if v is None:
                v = Vertex(digest=digest, order=len(self.vertexes))
                self.vertexes[digest] = v
            try:
                data = base64.b64decode(raw.get("data") or b"")
            except (ValueError, TypeError):
                data = b""
            v.logs.append(LogLine(int(raw.get("stream") or 1), data, parse_timestamp(raw.get("timestamp"))))
        for raw in item.get("warnings") or []:
            if isinstance(raw, dict):
                self.warnings.append(raw)
        return changed

    def ordered(self) -> list[Vertex]:
        return sorted(self.vertexes.values(), key=lambda v: v.order)

    def failed(self) -> list[Vertex]:
        """The steps that failed. A step BuildKit canceled (``context canceled``) while the same step (by
        name) ran to its end elsewhere in the build is no failure: BuildKit cancels one of two equal steps
        (a ``WORKDIR`` twice, the same step for two platforms) and keeps the other. A step canceled with
        no such twin (an interrupted build, or the steps cut short by another one's failure) is."""
        ordered = self.ordered()
        finished = {v.name for v in ordered if v.done and not v.error}
        return [v for v in ordered if v.error and not (_canceled(v.error) and v.name in finished)]

    @property
    def started(self) -> datetime | None:
        """The build's start: that of the first vertex BuildKit sent (``load build definition``). Not the
        earliest time in the stream: a vertex shared with another build on the same daemon comes with
        that build's earlier times."""
        for v in self.ordered():
            if v.started is not None:
                return v.started
        return None

    @property
    def completed(self) -> datetime | None:
        start = self.started
        times = [v.completed for v in self.vertexes.values()
                 if v.completed and (start is None or v.completed >= start)]
        return max(times) if times else None


def read_progress(text: str) -> BuildProgress:
    """Parse a whole recorded rawjson stream."""
    progress = BuildProgress()
    for item in iter_stream([text]):
        progress.apply(item)
    return progress



# ----------------------------------------------------------------------------- saved logs
_KNOWN_KEYS = ("vertexes", "statuses", "logs", "warnings")
_JSONISH = re.compile(r'^\s*(?:[{}\[\]]|"[^"]*"\s*:|"[^"]*",?\s*$)')


class LogError(ValueError):
    """A saved progress stream that cannot be read: truncated, corrupt or not a rawjson stream.

    ``str(err)`` is ``LINE:COL: what is wrong``."""

    def __init__(self, line: int, column: int, message: str) -> None:
        super().__init__(f"{line}:{column}: {message}")
        self.line = line
        self.column = column
        self.message = message


def _line_col(text: str, offset: int) -> tuple[int, int]:
    offset = max(0, min(offset, len(text)))
    return text.count("\n", 0, offset) + 1, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _fragment_error(text: str, offset: int) -> LogError:
    """A text line that looks like a piece of JSON: say where the stream breaks."""
    start = offset + (len(text[offset:]) - len(text[offset:].lstrip()))
    end_of_data = len(text.rstrip())
    if text.startswith("{", start):
        try:
            json.JSONDecoder().raw_decode(text, start)
        except RecursionError:
            line, col = _line_col(text, start)
            return LogError(line, col, "corrupt rawjson stream: JSON nested too deeply")
        except json.JSONDecodeError as err:
            if err.pos >= end_of_data or "\n" not in text[err.pos : end_of_data]:
                line, col = _line_col(text, start)
                return LogError(line, col, "truncated rawjson stream: the JSON object that starts here "
                                "is cut off at the end of the file")
            line, col = _line_col(text, err.pos)
            msg = err.msg.removesuffix(" at").replace("Unterminated string starting", "unterminated string")
            return LogError(line, col, f"corrupt rawjson stream: {msg[:1].lower()}{msg[1:]}")
    line, col = _line_col(text, start)
    return LogError(line, col, "corrupt rawjson stream: a piece of JSON outside any object")


def read_log(data: bytes) -> BuildProgress:
    """Read a saved ``--progress=rawjson`` stream strictly, with the decoder ``xlint build`` uses live.

    Plain text (buildx's error excerpt, warnings) is kept, as live; what the live reader would skip as
    text is an error here: invalid UTF-8, a JSON fragment (a cut or damaged object), an object that is
    not a BuildKit status, no object at all, or a stream that stops while steps are still running with
    no error after them (cut between two objects). Raises LogError with the position."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        prefix = data[: err.start].decode("utf-8", "replace")
        line, col = _line_col(prefix, len(prefix))
        raise LogError(line, col, "not a rawjson stream: invalid UTF-8") from None
    dec = RawJsonDecoder()
    progress = BuildProgress()
    for offset, item in dec.feed_at(text) + dec.close_at():
        if isinstance(item, str):
            if _JSONISH.match(item):
                raise _fragment_error(text, offset)
            if "\x00" in item:
                line, col = _line_col(text, offset + item.index("\x00"))
                raise LogError(line, col, "not a rawjson stream: binary data")
        elif not any(key in item for key in _KNOWN_KEYS):
            line, col = _line_col(text, offset)
            raise LogError(line, col, "not a rawjson stream: a JSON object with none of "
                           "vertexes, statuses, logs, warnings")
        progress.apply(item)
    if progress.objects == 0:
        raise LogError(1, 1, "not a rawjson stream: no BuildKit status objects "
                       "(save one with `docker buildx build --progress=rawjson ... 2> build.json`)")
    running = [v for v in progress.ordered() if v.started and not v.completed and not v.error]
    if running and not any(t.startswith("ERROR") for t in progress.text):
        line, col = _line_col(text, len(text))
        raise LogError(line, col, f"truncated rawjson stream: it ends while {len(running)} step(s) are "
                       f"still running ({running[0].name or running[0].digest})")
    return progress
