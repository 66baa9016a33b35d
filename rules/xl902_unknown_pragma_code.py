r"""XL902 unknown-pragma-code.

## What it does
Reports a code in an `# xlint: ignore=...` or `# xlint: global ignore=...` comment that is not an
xlint rule code.

## Why is this bad?
A misspelt code silences nothing: the finding it was meant to silence still shows, and whoever wrote
the pragma believes it is handled. Catching the typo keeps pragmas honest.

## Example
```dockerfile
# xlint: ignore=XL2O1
FROM alpine
```

## Use instead
```dockerfile
# xlint: ignore=XL201
FROM alpine
```

## References
- hadolint's `# hadolint ignore=DL3006` pragmas use the same placement.
"""

from __future__ import annotations

from xlint.rule import Context, Invalid, Rule, Valid


class UnknownPragmaCode(Rule):
    __doc__ = __doc__
    code = "XL902"
    name = "unknown-pragma-code"
    severity = "warning"
    message = "unknown rule code `{code}` in an xlint pragma"
    hint = "Use a code listed by `xlint rules` (e.g. XL201), or remove it."

    def check(self, ctx: Context) -> None:
        """Pragmas apply to every rule, so the checker reads them and reports unknown codes."""


UnknownPragmaCode.valid = [
    Valid("# xlint: ignore=XL201\nFROM alpine\nRUN echo $TARGETARCH\n"),
    Valid("# xlint: global ignore=XL201,XL901\nFROM alpine\n"),
    Valid("FROM alpine\n# just a comment: xlint is great\nRUN true\n"),
]
UnknownPragmaCode.invalid = [
    Invalid("# xlint: ignore=XL2O1\nFROM alpine\n", line=1),
    Invalid("FROM alpine\n# xlint: global ignore=XL201, NOPE\nRUN true\n", line=2),
    Invalid("FROM alpine\n# xlint: ignore=XL999\nRUN true\n", line=2),
]
