"""Live progress on stderr: a rewritten status line on a terminal, plain lines otherwise."""

from __future__ import annotations

import sys
import time
from typing import TextIO

from xlint.build.progress import Vertex


class Display:
    def __init__(self, stream: TextIO | None = None, tty: bool | None = None, quiet: bool = False) -> None:
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self.quiet = quiet
        self._ids: dict[str, int] = {}
        self._shown_start: set[str] = set()
        self._shown_done: set[str] = set()
        self._running: dict[str, Vertex] = {}
        self._t0 = time.monotonic()
        self._status_len = 0

    def _id(self, v: Vertex) -> int:
        if v.digest not in self._ids:
            self._ids[v.digest] = len(self._ids) + 1
        return self._ids[v.digest]

    def _write(self, line: str) -> None:
        if self.tty and self._status_len:
            self.stream.write("\r\x1b[K")
            self._status_len = 0
        self.stream.write(line + "\n")

    def update(self, changed: list[Vertex]) -> None:
        if self.quiet:
            return
        for v in changed:
            if not v.name:
                continue
            n = self._id(v)
            if v.started and v.digest not in self._shown_start and not self.tty:
                self._shown_start.add(v.digest)
                self._write(f"#{n} {v.name}")
            if v.done or v.error:
                self._running.pop(v.digest, None)
                if v.digest in self._shown_done:
                    continue
                self._shown_done.add(v.digest)
                if v.error:
                    state = f"ERROR {v.error}"
                elif v.cached:
                    state = "CACHED"
                else:
                    state = f"DONE {v.duration or 0.0:.1f}s"
                self._write(f"#{n} {v.name} {state}" if self.tty else f"#{n} {state}")
            elif v.started:
                self._running[v.digest] = v
        if self.tty:
            self._status()
        self.stream.flush()

    def _status(self) -> None:
        if not self._running:
            return
        names = ", ".join(v.name for v in list(self._running.values())[-2:])
        line = f"[{time.monotonic() - self._t0:6.1f}s] running {len(self._running)}: {names}"
        line = line[:118]
        self.stream.write("\r\x1b[K" + line)
        self._status_len = len(line)

    def finish(self) -> None:
        if self.tty and self._status_len:
            self.stream.write("\r\x1b[K")
            self._status_len = 0
        self.stream.flush()
