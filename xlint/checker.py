"""Run the rules over one Dockerfile: parse, model, rules, pragmas, diagnostics."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from xlint.diagnostics import Diagnostic
from xlint.model import Model
from xlint.records import replace
from xlint.rule import CheckOptions, Context, Rule, known_codes, select_rules
from xlint.rx import rx
from xlint.syntax import Comment, Dockerfile, DockerfileSyntaxError, Instruction, parse

PRAGMA_RE = rx(r"#\s*xlint:\s*(global\s+)?ignore\s*=\s*([A-Za-z0-9_,\s-]+)", re.IGNORECASE)


def parse_error_diagnostic(path: str, err: DockerfileSyntaxError) -> Diagnostic:
    return Diagnostic(
        path=path,
        code="XL901",
        name="parse-error",
        severity="error",
        message=err.message,
        line=err.line,
        column=err.column,
        end_line=err.line,
        end_column=err.column,
    )


class _Pragmas:
    """``# xlint: ignore=...`` (next instruction, or at the end of an instruction's line) and
    ``# xlint: global ignore=...``."""

    def __init__(self, tree: Dockerfile) -> None:
        self.global_codes: set[str] = set()
        self.by_instruction: dict[int, set[str]] = {}
        self.mentions: list[tuple[str, int, int]] = []  # (code, start, end) for unknown-code reports
        pending: set[str] = set()
        for child in tree.children:
            if isinstance(child, Comment):
                for m in PRAGMA_RE.finditer(child.text):
                    codes = self._codes(m, child.span.start)
                    if m.group(1):
                        self.global_codes |= codes
                    else:
                        pending |= codes
            elif isinstance(child, Instruction):
                own = set(pending)
                for m in PRAGMA_RE.finditer(child.text) if "#" in child.text else ():  # (a pragma has a #)
                    if m.group(1):
                        continue
                    own |= self._codes(m, child.span.start)
                for c in child.comments:
                    for m in PRAGMA_RE.finditer(c.text):
                        own |= self._codes(m, c.span.start)
                if own:
                    self.by_instruction[child.span.start] = own
                pending = set()
            elif child.text.strip():
                pending = set()

    def _codes(self, m: re.Match[str], base: int) -> set[str]:
        out = set()
        offset = base + m.start(2)
        for part in re.finditer(r"[A-Za-z0-9_-]+", m.group(2)):
            code = part.group(0).upper()
            out.add(code)
            self.mentions.append((code, offset + part.start(), offset + part.end()))
        return out

    def suppresses(self, diag: Diagnostic, owner: Instruction | None) -> bool:
        if diag.code in self.global_codes or "ALL" in self.global_codes:
            return True
        if owner is None:
            return False
        codes = self.by_instruction.get(owner.span.start, set())
        return diag.code in codes or "ALL" in codes


def instruction_at(tree: Dockerfile, offset: int) -> Instruction | None:
    """The instruction whose span holds ``offset`` (the one a pragma before it governs)."""
    for instr in tree.instructions:
        if instr.span.start <= offset < max(instr.span.end, instr.span.start + 1):
            return instr
    return None


def check_tree(
    tree: Dockerfile,
    path: str,
    options: CheckOptions,
    rules: Iterable[type[Rule]] | None = None,
) -> list[Diagnostic]:
    model = Model(tree, options.platforms, options.build_platform, options.target, options.context)
    ctx = Context(path=path, model=model, options=options)
    chosen = list(rules) if rules is not None else select_rules(None, None, project=False)
    multi = model.multi_platform
    for rule_cls in chosen:
        if rule_cls.emulation and not multi:
            continue
        rule_cls().check(ctx)
    pragmas = _Pragmas(tree)
    known = known_codes()
    out: list[Diagnostic] = []
    for diag in ctx.diagnostics:
        if not pragmas.suppresses(diag, instruction_at(tree, diag.start)):
            out.append(diag)
    chosen_codes = {r.code for r in chosen}
    if "XL902" in chosen_codes:
        from xlint.rules.xl902_unknown_pragma_code import UnknownPragmaCode

        for code, start, end in pragmas.mentions:
            if code not in known:
                line, col = tree.line_col(start)
                end_line, end_col = tree.line_col(end)
                out.append(
                    Diagnostic(path, UnknownPragmaCode.code, UnknownPragmaCode.name, UnknownPragmaCode.severity,
                               UnknownPragmaCode.message.format(code=code), line, col, end_line, end_col,
                               hint=UnknownPragmaCode.hint, start=start, end=end)
                )
    out.sort(key=Diagnostic.sort_key)
    return out


def check_text(
    text: str | bytes,
    path: str = "Dockerfile",
    options: CheckOptions | None = None,
    rules: Iterable[type[Rule]] | None = None,
) -> list[Diagnostic]:
    """Check one Dockerfile's text. A parse error is reported as XL901, never raised."""
    options = options or CheckOptions()
    try:
        tree = parse(text, path=path)
    except DockerfileSyntaxError as err:
        return [parse_error_diagnostic(path, err)]
    return check_tree(tree, path, options, rules)


def check_paths(
    paths: list[str],
    platforms: Iterable[str] | None = None,
    build_platform: str | None = None,
    select: list[str] | None = None,
    ignore: list[str] | None = None,
    context: Path | None = None,
) -> list[Diagnostic]:
    """Library entry point: check files (explicit paths; no discovery), config applied.
    ``context``: the build context (default: each file's folder)."""
    from xlint.config import config_for

    out: list[Diagnostic] = []
    for p in paths:
        cfg = config_for(p)
        opts = CheckOptions(
            platforms=tuple(platforms or cfg.platforms or CheckOptions().platforms),
            build_platform=build_platform or cfg.build_platform,
            context=context if context is not None else Path(p).resolve().parent,
        )
        rules = select_rules(select or cfg.select, (ignore or []) + cfg.ignore + cfg.ignores_for(p), project=False)
        data = Path(p).read_bytes()
        out.extend(replace(d) for d in check_text(data, p, opts, rules))
    return out
