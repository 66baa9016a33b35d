"""The build report as one self-contained HTML page (no script, no network, no external font).

At the top: emulated time per platform, the gate and failure lines, and the top emulated steps with
the rule that removes them and the ``xlint fix`` hint. Below: a timeline with one lane per platform and
one row per step; each bar sits on the build's shared time axis, coloured by where the step ran
(native, cross, emulated), hatched when cached, labelled with its Dockerfile line. Hovering a bar or
row shows the command, its duration and the rule (the ``title`` attribute). A print style keeps colours
and fits a landscape page.
"""

from __future__ import annotations

from html import escape

from xlint import __version__
from xlint.build.report import BuildReport
from xlint.build.steps import Step

PLACEMENTS = ("native", "cross", "emulated")
_TICKS = (0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200)

_CSS = """
:root { --native: #2f9e44; --cross: #1c7ed6; --emulated: #e8590c; --ink: #1d232a; --muted: #5c6670;
  --line: #dfe3e8; --bg: #f6f7f9; --label: 400px; }
* { box-sizing: border-box; }
body { margin: 0; padding: 20px 28px 32px; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto,
  "DejaVu Sans", Arial, sans-serif; color: var(--ink); background: #fff; }
code, .mono { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 12.5px; }
h1 { font-size: 20px; margin: 0 0 4px; }
h2 { font-size: 15px; margin: 18px 0 8px; }
.meta { color: var(--muted); margin: 0 0 14px; }
.pill { display: inline-block; padding: 1px 9px; border-radius: 10px; font-size: 12px; font-weight: 600;
  color: #fff; background: var(--native); vertical-align: 2px; }
.pill.failed { background: #c92a2a; }
.banner { border-left: 5px solid #c92a2a; background: #fff5f5; padding: 7px 12px; margin: 6px 0; }
.cards { display: flex; gap: 12px; flex-wrap: wrap; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 10px 16px; min-width: 190px; background: var(--bg); }
.card .k { color: var(--muted); font-size: 12px; }
.card .v { font-size: 26px; font-weight: 700; }
.card.hot .v { color: var(--emulated); }
table.top { border-collapse: collapse; width: 100%; }
table.top th, table.top td { text-align: left; padding: 5px 10px; border-bottom: 1px solid var(--line); }
table.top th { color: var(--muted); font-weight: 600; font-size: 12px; }
table.top td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.hint { margin: 10px 0 0; padding: 8px 12px; background: #fff4e6; border-left: 5px solid var(--emulated); }
.legend { display: flex; gap: 18px; align-items: center; color: var(--muted); font-size: 12.5px; margin: 4px 0 6px; }
.sw { display: inline-block; width: 22px; height: 11px; border-radius: 3px; vertical-align: -1px; margin-right: 5px; }
.sw.native, .bar.native { background: var(--native); }
.sw.cross, .bar.cross { background: var(--cross); }
.sw.emulated, .bar.emulated { background: var(--emulated); }
.sw.cached, .bar.cached { background-image: repeating-linear-gradient(135deg, rgba(255,255,255,.75) 0 3px,
  transparent 3px 6px); opacity: .8; }
.sw.cached { background-color: #868e96; }
.bar.cached { min-width: 8px; }
.timeline { border: 1px solid var(--line); border-radius: 8px; overflow: hidden; }
.axis, .row { display: flex; }
.axis { background: var(--bg); border-bottom: 1px solid var(--line); height: 24px; }
.axis .lab { width: var(--label); flex: none; padding: 3px 10px; color: var(--muted); font-size: 12px; }
.track { position: relative; flex: 1; margin-right: 70px; }
.tick { position: absolute; top: 0; bottom: 0; border-left: 1px solid var(--line); }
.axis .tick span { position: absolute; left: 3px; top: 4px; font-size: 11px; color: var(--muted); white-space: nowrap; }
.lane { border-bottom: 1px solid var(--line); break-inside: avoid; page-break-inside: avoid; }
.lane:last-child { border-bottom: 0; }
.lane h3 { margin: 0; padding: 6px 10px; font-size: 13.5px; background: #fbfbfc; border-bottom: 1px solid var(--line); }
.lane h3 .em { color: var(--emulated); font-weight: 600; margin-left: 10px; }
.row { height: 24px; border-bottom: 1px dotted #eef0f2; break-inside: avoid; }
.row:hover { background: #f1f3f5; }
.row .lab { width: var(--label); flex: none; padding: 3px 10px; overflow: hidden; white-space: nowrap;
  text-overflow: ellipsis; }
.row .lab .loc { color: var(--muted); display: inline-block; width: 58px; }
.bar { position: absolute; top: 4px; height: 16px; min-width: 3px; border-radius: 3px; }
.bar.failed { outline: 2px solid #c92a2a; outline-offset: 1px; }
.bl { position: absolute; top: 4px; height: 16px; line-height: 16px; font-size: 11.5px; white-space: nowrap;
  padding: 0 5px; }
.bl.in { color: #fff; font-weight: 600; }
.bl.out { color: var(--ink); }
.foot { color: var(--muted); font-size: 12px; margin-top: 14px; }
@page { size: A4 landscape; margin: 10mm; }
@media print {
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  body { padding: 0; font-size: 11px; }
  :root { --label: 330px; }
  .row:hover { background: none; }
  .screen { display: none; }
  h1 { font-size: 16px; }
  h2 { font-size: 12.5px; margin: 8px 0 4px; }
  .meta { margin-bottom: 6px; }
  .card { padding: 4px 10px; }
  .card .v { font-size: 17px; }
  table.top th, table.top td { padding: 2px 8px; }
  table.top { break-inside: avoid; }
  .hint { margin-top: 5px; padding: 4px 10px; }
  .lane h3 { padding: 3px 10px; font-size: 11.5px; }
  .row, .axis { height: 18px; }
  .bar, .bl { top: 3px; height: 12px; line-height: 12px; font-size: 10px; }
  code, .mono { font-size: 10.5px; }
  .row .lab { padding: 1px 10px; }
}
"""


def _secs(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} s"


def _short(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "\u2026"


def _line_label(s: Step) -> str:
    return f"line {s.line}" if s.line else "no line"


def _tooltip(s: Step) -> str:
    lines = [" ".join(s.text.split()), f"{s.location()}" + (f" \u00b7 stage {s.stage}" if s.stage else "")]
    when = "cached" if s.cached else _secs(s.duration)
    lines.append(f"{when} \u00b7 {s.where} \u00b7 for {s.platform}")
    if s.placement == "emulated" and not s.cached:
        if s.rules:
            lines.append(f"fix: {', '.join(s.rules)} removes the emulation (xlint fix)")
        else:
            lines.append("no xlint rule names this step")
    elif s.rules:
        lines.append(f"rules: {', '.join(s.rules)}")
    if s.error:
        lines.append(f"FAILED: {s.error}")
    return "\n".join(lines)


def _tick_step(total: float) -> float:
    for t in _TICKS:
        if total / t <= 10:
            return t
    return _TICKS[-1]


def _tick_text(t: float, step: float) -> str:
    if step < 1:
        return f"{t:.1f} s"
    if t >= 120 and step >= 60:
        return f"{t / 60:g} min"
    return f"{t:g} s"


def _extent(report: BuildReport, steps: list[Step]) -> float:
    ends = [(s.start or 0.0) + (s.duration or 0.0) for s in steps]
    return max([report.wall_seconds, *ends, 0.1])


def _bar(s: Step, total: float) -> str:
    start = max(0.0, s.start or 0.0)
    dur = 0.0 if s.cached else max(0.0, s.duration or 0.0)
    left = min(100.0, start / total * 100)
    width = min(100.0 - left, dur / total * 100)
    classes = ["bar", s.placement] + (["cached"] if s.cached else []) + (["failed"] if s.error else [])
    label = _line_label(s) + " \u00b7 " + ("cached" if s.cached else _secs(s.duration))
    if s.error:
        label += " \u00b7 failed"
    attrs = (
        f'class="{" ".join(classes)}" data-platform="{escape(s.platform)}" data-placement="{s.placement}" '
        f'data-line="{s.line or ""}" data-seconds="{dur:.3f}" data-cached="{str(s.cached).lower()}" '
        f'title="{escape(_tooltip(s))}"'
    )
    bar = f'<div {attrs} style="left:{left:.3f}%;width:{width:.3f}%"></div>'
    if width >= 14:
        lab = f'<span class="bl in" style="left:{left:.3f}%">{escape(label)}</span>'
    elif left + width > 78:
        lab = f'<span class="bl out" style="right:{100 - left:.3f}%">{escape(label)}</span>'
    else:
        lab = f'<span class="bl out" style="left:{left + width:.3f}%">{escape(label)}</span>'
    return bar + lab


def _lanes(report: BuildReport) -> str:
    steps = report.main_steps()
    total = _extent(report, steps)
    step = _tick_step(total)
    ticks = []
    t = 0.0
    while t <= total + 1e-9:
        ticks.append(t)
        t = round(t + step, 6)
    axis = "".join(f'<div class="tick" style="left:{x / total * 100:.3f}%"><span>{_tick_text(x, step)}</span></div>'
                   for x in ticks)
    grid = "".join(f'<div class="tick" style="left:{x / total * 100:.3f}%"></div>' for x in ticks)
    out = [f'<div class="timeline"><div class="axis"><div class="lab">{escape(report.dockerfile)}: line \u00b7 step</div>'
           f'<div class="track">{axis}</div></div>']
    emulated = report.emulated_seconds()
    platforms = list(report.platforms) + sorted({s.platform for s in steps} - set(report.platforms))
    for platform in platforms:
        rows = sorted((s for s in steps if s.platform == platform), key=lambda s: (s.start or 0.0, s.line or 0))
        if not rows:
            continue
        em = emulated.get(platform, 0.0)
        em_text = f'<span class="em">{em:.1f} s emulated</span>' if em > 0 else ""
        out.append(f'<section class="lane" data-platform="{escape(platform)}"><h3>{escape(platform)}{em_text}</h3>')
        for s in rows:
            tip = escape(_tooltip(s))
            loc = f"line {s.line}" if s.line else ""
            out.append(
                f'<div class="row" title="{tip}"><div class="lab"><span class="loc">{loc}</span>'
                f'<code>{escape(_short(s.text, 64))}</code></div><div class="track">{grid}{_bar(s, total)}</div></div>'
            )
        out.append("</section>")
    out.append("</div>")
    return "\n".join(out)


def _top(report: BuildReport) -> str:
    top = report.top_emulated()
    if not top:
        return '<p class="meta">No step ran under emulation.</p>'
    rows = []
    for s in top:
        fix = escape(", ".join(s.rules)) if s.rules else '<span class="meta">no rule</span>'
        rows.append(
            f'<tr title="{escape(_tooltip(s))}"><td class="mono">{escape(s.location())}</td>'
            f"<td><code>{escape(_short(s.text, 70))}</code></td><td>{escape(s.platform)}</td>"
            f'<td class="num">{_secs(s.duration)}</td><td>{fix}</td></tr>'
        )
    rules = sorted({r for s in top for r in s.rules})
    if rules:
        hint = (f'<p class="hint"><b>Fix:</b> <code>xlint fix {escape(report.dockerfile)}</code> rewrites these '
                f"steps ({escape(', '.join(rules))}) into a cross-compiling "
                "<code>FROM --platform=$BUILDPLATFORM</code> stage, so they run natively; "
                "<code>--diff</code> shows the change first.</p>")
    else:
        hint = ('<p class="hint">No xlint rule names these steps: run them in a '
                "<code>FROM --platform=$BUILDPLATFORM</code> stage, or on a builder with a native node.</p>")
    return (
        '<table class="top"><tr><th>Dockerfile line</th><th>Step</th><th>Platform</th><th>Time</th>'
        "<th>Rule that removes the emulation</th></tr>" + "".join(rows) + "</table>" + hint
    )


def render_html(report: BuildReport) -> str:
    status = "ok" if report.ok else "failed"
    totals = report.emulated_seconds()
    cards = [
        f'<div class="card{" hot" if t > 0 else ""}" data-platform="{escape(p)}"><div class="k">emulated on '
        f'{escape(p)}</div><div class="v">{t:.1f} s</div></div>'
        for p, t in totals.items()
    ]
    cards.append(f'<div class="card"><div class="k">whole build</div><div class="v">{report.wall_seconds:.1f} s</div></div>')
    banners = []
    if not report.ok:
        banners.append(f'<div class="banner"><b>Build failed:</b> {escape(report.error or "a step failed")}</div>')
    banners += [f'<div class="banner"><b>Gate failed:</b> {escape(g)}</div>' for g in report.gate_failures]
    if report.verify_ok is False:
        banners.append('<div class="banner"><b>Verify failed.</b></div>')
    legend = "".join(f'<span><span class="sw {p}"></span>{p}</span>' for p in PLACEMENTS)
    legend += '<span><span class="sw cached"></span>cached</span><span class="screen">hover a bar for its command and rule</span>'
    title = f"xlint build report: {report.dockerfile}"
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<style>{_CSS}</style>
</head>
<body>
<header>
<h1>{escape(report.dockerfile)} <span class="pill {status}">{status}</span></h1>
<p class="meta">{escape(", ".join(report.platforms))} \u00b7 build platform {escape(report.build_platform)} \u00b7
{escape(report.origin_text())} \u00b7 {report.wall_seconds:.1f} s</p>
</header>
{"".join(banners)}
<h2>Emulated time (total {report.emulated_total:.1f} s)</h2>
<div class="cards">{"".join(cards)}</div>
<h2>Top emulated steps</h2>
{_top(report)}
<h2>Timeline</h2>
<div class="legend">{legend}</div>
{_lanes(report)}
<p class="foot">xlint {escape(__version__)} \u00b7 times from BuildKit's progress stream</p>
</body>
</html>
"""
