"""The build report: steps with platform, placement, duration, cache and Dockerfile line; emulated
totals per platform; renderers for text, json, junit, markdown and html (xlint/build/html.py)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from xlint.build.steps import Step
from xlint.records import field, record

REPORT_FORMATS = ("text", "json", "junit", "markdown", "html")


def _secs(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} s"


def _short(text: str, width: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 3] + "..."


@record
class CheckFinding:
    code: str
    line: int | None
    message: str


@record
class BuildReport:
    dockerfile: str
    context: str
    platforms: list[str]
    build_platform: str
    builder: str
    engine: str
    steps: list[Step]
    ok: bool
    wall_seconds: float
    output: str | None = None  # the archive/ref that verify reads
    error: str = ""
    findings: list[CheckFinding] = field(default_factory=list)
    verify_ok: bool | None = None
    verify_text: str = ""
    gate_failures: list[str] = field(default_factory=list)
    source: str = ""  # the saved progress stream `xlint report` read ("" for a live build)

    def origin_text(self) -> str:
        """Where the figures come from: the builder of a live build, or the saved log."""
        return f"log {self.source}" if self.source else f"builder {self.builder}"

    # ------------------------------------------------------------------ figures
    def emulated_steps(self) -> list[Step]:
        return [s for s in self.steps if s.placement == "emulated" and not s.cached]

    def emulated_seconds(self) -> dict[str, float]:
        totals: dict[str, float] = {p: 0.0 for p in self.platforms}
        for s in self.emulated_steps():
            totals[s.platform] = totals.get(s.platform, 0.0) + (s.duration or 0.0)
        return totals

    @property
    def emulated_total(self) -> float:
        return sum(self.emulated_seconds().values())

    def top_emulated(self, n: int = 5) -> list[Step]:
        return sorted(self.emulated_steps(), key=lambda s: -(s.duration or 0.0))[:n]

    def attach_findings(self, findings: Sequence[CheckFinding]) -> None:
        """Name the static-check rule that points at each step's Dockerfile lines."""
        self.findings = list(findings)
        for s in self.steps:
            if s.line is None:
                continue
            end = s.end_line or s.line
            s.rules = sorted({f.code for f in findings if f.line is not None and s.line <= f.line <= end})

    def main_steps(self) -> list[Step]:
        """Steps worth a row: executed or cached RUN/COPY/ADD/WORKDIR, FROM only when it took time."""
        rows = [s for s in self.steps if s.keyword != "FROM" or (s.duration or 0) >= 0.1]
        return sorted(rows, key=lambda s: (s.line or 0, s.platform, s.start or 0.0))

    # ------------------------------------------------------------------ renderers
    def to_json(self) -> dict[str, Any]:
        return {
            "dockerfile": self.dockerfile,
            "context": self.context,
            "source": self.source or None,
            "engine": self.engine,
            "builder": self.builder,
            "platforms": self.platforms,
            "build_platform": self.build_platform,
            "ok": self.ok,
            "error": self.error or None,
            "wall_seconds": round(self.wall_seconds, 3),
            "output": self.output,
            "emulated_seconds": {k: round(v, 3) for k, v in self.emulated_seconds().items()},
            "emulated_total_seconds": round(self.emulated_total, 3),
            "top_emulated": [s.to_json() for s in self.top_emulated()],
            "steps": [s.to_json() for s in self.steps],
            "findings": [{"code": f.code, "line": f.line, "message": f.message} for f in self.findings],
            "verify": None if self.verify_ok is None else {"ok": self.verify_ok, "text": self.verify_text},
            "gate_failures": self.gate_failures,
        }

    def render_json(self) -> str:
        return json.dumps(self.to_json(), indent=2) + "\n"

    def render_text(self) -> str:
        out: list[str] = []
        status = "ok" if self.ok else "FAILED"
        out.append(
            f"build {status} in {self.wall_seconds:.1f} s: {self.dockerfile} for {', '.join(self.platforms)} "
            f"({self.origin_text()}, build platform {self.build_platform})"
        )
        rows = self.main_steps()
        width = max([18, *(len(s.location()) for s in rows)])
        for s in rows:
            cache = "cached" if s.cached else _secs(s.duration)
            rules = f"  [{', '.join(s.rules)}]" if s.rules and s.placement == "emulated" else ""
            err = "  ERROR" if s.error else ""
            out.append(
                f"  {s.location():<{width}} {_short(s.text, 52):<52} {cache:>8}  {s.where} "
                f"[{s.platform}]{rules}{err}"
            )
        totals = self.emulated_seconds()
        out.append(
            "emulated time: "
            + ", ".join(f"{p} {t:.1f} s" for p, t in totals.items())
            + f" (total {self.emulated_total:.1f} s)"
        )
        top = self.top_emulated()
        if top:
            out.append("top emulated steps:")
            for s in top:
                fix = f" -> fix: {', '.join(s.rules)} (xlint fix)" if s.rules else ""
                out.append(f"  {s.location()} {_short(s.text, 50)} {_secs(s.duration)} emulated on {s.platform}{fix}")
        if self.output:
            out.append(f"output: {self.output}")
        if not self.ok:
            out.append(f"build failed: {self.error or 'a step failed'}")
        for g in self.gate_failures:
            out.append(f"gate: {g}")
        return "\n".join(out) + "\n"

    def render_markdown(self) -> str:
        out = [
            f"### xlint {'report' if self.source else 'build'}: `{self.dockerfile}` "
            f"({'ok' if self.ok else 'failed'}, {self.wall_seconds:.1f} s"
            + (f", log `{self.source}`)" if self.source else ")"),
            "",
            "| Dockerfile line | Step | Platform | Where | Time | Cached | Fix |",
            "|---|---|---|---|---:|---|---|",
        ]
        for s in self.main_steps():
            step = _short(s.text, 60).replace("|", "\\|")
            out.append(
                f"| {s.location()} | `{step}` | {s.platform} | {s.where} | {_secs(s.duration)} | "
                f"{'yes' if s.cached else 'no'} | {', '.join(s.rules)} |"
            )
        out.append("")
        out.append(
            "Emulated time: "
            + ", ".join(f"**{p}** {t:.1f} s" for p, t in self.emulated_seconds().items())
            + f" (total {self.emulated_total:.1f} s)"
        )
        top = self.top_emulated()
        if top:
            out.append("")
            out.append("Top emulated steps:")
            for s in top:
                fix = f" -> `xlint fix` ({', '.join(s.rules)})" if s.rules else ""
                out.append(f"- {s.location()} `{_short(s.text, 60)}` {_secs(s.duration)} on {s.platform}{fix}")
        if not self.ok:
            out.append(f"\n**Build failed:** {self.error or 'a step failed'}")
        for g in self.gate_failures:
            out.append(f"\n**Gate failed:** {g}")
        if self.verify_ok is not None:
            out.append(f"\nVerify: {'passed' if self.verify_ok else '**failed**'}")
        return "\n".join(out) + "\n"

    def render_junit(self) -> str:
        cases: list[str] = []
        failures = 0
        for s in self.main_steps():
            name = quoteattr(f"{s.location()} {_short(s.text, 80)} [{s.platform}]")
            body = ""
            if s.error:
                failures += 1
                body = f'<failure message={quoteattr(s.error)}>{escape(s.logs[-4000:])}</failure>'
            elif s.placement == "emulated" and not s.cached:
                body = f"<system-out>{escape(f'emulated on {s.exec_platform}: {_secs(s.duration)}')}</system-out>"
            cases.append(
                f'    <testcase classname={quoteattr("xlint.build." + s.platform)} name={name} '
                f'time="{(s.duration or 0.0):.3f}">{body}</testcase>'
            )
        for g in self.gate_failures:
            failures += 1
            cases.append(
                f'    <testcase classname="xlint.build.gate" name={quoteattr(g)} time="0">'
                f"<failure message={quoteattr(g)}/></testcase>"
            )
        if self.verify_ok is not None:
            body = "" if self.verify_ok else f'<failure message="verify failed">{escape(self.verify_text)}</failure>'
            failures += 0 if self.verify_ok else 1
            cases.append(f'    <testcase classname="xlint.verify" name="verify" time="0">{body}</testcase>')
        head = (
            f'<testsuite name="xlint build" tests="{len(cases)}" failures="{failures}" '
            f'time="{self.wall_seconds:.3f}">'
        )
        return '<?xml version="1.0" encoding="UTF-8"?>\n<testsuites>\n  ' + head + "\n" + "\n".join(cases) + (
            "\n  </testsuite>\n</testsuites>\n"
        )

    def render_html(self) -> str:
        from xlint.build.html import render_html

        return render_html(self)

    def render(self, fmt: str) -> str:
        return {
            "html": self.render_html,
            "json": self.render_json,
            "junit": self.render_junit,
            "markdown": self.render_markdown,
            "text": self.render_text,
        }[fmt]()
