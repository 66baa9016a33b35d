"""Smoke tests of the program just built, in a builder that moves to the build platform (Go, Rust).

`go build -o /out/app . && /out/app --version`, or `cargo build --release && ./target/release/app
--version`, runs the new program in the builder. Once the builder cross-compiles, the build machine
cannot run the other platforms' programs (it may through binfmt_misc and QEMU, but not on a native
builder node, nor for a dynamic binary whose loader the builder lacks). The test is kept to the build
whose target is the build platform:

    if [ "$TARGETPLATFORM" = "$BUILDPLATFORM" ]; then /out/app --version; fi

rather than moved into the target stage after the COPY: the images stay exactly as they were (no extra
step in a runtime stage that may be `scratch` or distroless, with no shell to run it), and the check
still runs on the native build. The recipes offer it as an unsafe fix whose title says the test no
longer runs for the cross-built platforms.

A run whose output is kept (`/out/app completion bash > /out/app.bash`, a pipe, a command
substitution) is not a test but a step every platform needs: :func:`output_used` says so, and the stage
stays where it is.
"""

from __future__ import annotations

from xlint.diagnostics import Edit
from xlint.model import Model
from xlint.rx import rx
from xlint.shell import SimpleCommand
from xlint.syntax.tree import Instruction

GUARD_OPEN = 'if [ "$TARGETPLATFORM" = "$BUILDPLATFORM" ]; then '
GUARD_CLOSE = "; fi"
NOTE = "{what} only when the target is the build platform: a cross build's program cannot run on the build machine"

_REDIRECT = rx(r"[ \t]*([0-9]*|&)(?:>>?|>\|)[ \t]*([^\s;&|]+)")
_NO_OUTPUT = frozenset({"/dev/null", "&1", "&2", "/dev/stdout", "/dev/stderr"})

Smoke = tuple[Instruction, SimpleCommand]


def output_used(model: Model, instr: Instruction, cmd: SimpleCommand) -> str:
    """How the output of ``cmd`` (a run of the program just built, in RUN ``instr``) is kept, if it is:
    written to a file by a redirection, read by a pipe or a command substitution. Empty for a check."""
    if any(c in ("|", "$(...)", "`...`", "<(...)") for c in cmd.context):
        return "its output is read by the rest of the step"
    text = model.tree.text
    rest = text[cmd.span.end:instr.span.end].replace(model.tree.escape + "\n", " ")
    # the trailing redirections of the command (they are not in its span), up to the next word
    while m := _REDIRECT.match(rest):
        if m.group(2) not in _NO_OUTPUT:
            return f"it writes `{m.group(2)}`"
        rest = rest[m.end():]
    return ""


def smoke_reason(model: Model, instr: Instruction, cmd: SimpleCommand) -> str:
    """Why the run of the program just built cannot be kept to the native build (empty when it can)."""
    used = output_used(model, instr, cmd)
    if used:
        return (f"`{cmd.name}` runs the program just built, which is built for the target, on the build machine, "
                f"and {used}, which every platform needs (generate it in the target stage after the COPY, or "
                "with a build for the build platform)")
    if instr.json or any(c != "heredoc" for c in cmd.context):
        return (f"`{cmd.name}` runs the program just built, which is built for the target, on the build machine "
                "(inside a shell construct, so it is not guarded)")
    return ""


def guard_edits(smoke: list[Smoke]) -> list[Edit]:
    """Each smoke test between ``if [ "$TARGETPLATFORM" = "$BUILDPLATFORM" ]; then`` and ``; fi`` (two
    insertions: the recipe may rewrite the command's own words)."""
    out: list[Edit] = []
    for _i, c in smoke:
        out.append(Edit(c.span.start, c.span.start, GUARD_OPEN))
        out.append(Edit(c.span.end, c.span.end, GUARD_CLOSE))
    return out


def note(smoke: list[Smoke]) -> str:
    """The caveat of the fix, for its title."""
    tests = ", ".join(f"`{' '.join(w.raw for w in c.argv)}`" for _i, c in smoke)
    many = len(smoke) > 1
    return NOTE.format(what=f"the smoke test{'s' if many else ''} {tests} run{'' if many else 's'}")
