r"""XL901 parse-error.

## What it does
Reports a Dockerfile that BuildKit's parser would reject: an unterminated heredoc, an unknown
instruction, a JSON array that is not valid JSON where one is required, a flag without its value,
an instruction without its required arguments.

## Why is this bad?
`docker buildx build` stops at the first parse error, after the build context has been sent; in a
multi-platform build every platform fails the same way. xlint cannot check anything else in a file it
cannot parse, so this is the only report for that file.

## Example
```dockerfile
FROM alpine
RUN <<END
echo never closed
```

## Use instead
```dockerfile
FROM alpine
RUN <<END
echo closed
END
```

## References
- Dockerfile reference: https://docs.docker.com/reference/dockerfile/
"""

from __future__ import annotations

from xlint.rule import Context, Invalid, Rule, Valid


class ParseError(Rule):
    __doc__ = __doc__
    code = "XL901"
    name = "parse-error"
    severity = "error"
    message = "the Dockerfile cannot be parsed"
    hint = "Fix the syntax; BuildKit rejects this file before building anything."

    def check(self, ctx: Context) -> None:
        """Parse errors are reported by the checker before any rule runs; nothing to do on a tree."""


ParseError.valid = [
    Valid("FROM alpine\nRUN <<END\necho hi\nEND\n"),
    Valid('FROM alpine\nSHELL ["/bin/sh", "-c"]\n'),
    Valid("# escape=`\nFROM alpine\nRUN echo a `\n  b\n"),
]
ParseError.invalid = [
    Invalid("FROM alpine\nRUN <<END\necho never closed\n", line=2),
    Invalid("FROM alpine\nFROBNICATE x\n", line=2),
    Invalid("FROM alpine\nSHELL /bin/sh -c\n", line=2),
    Invalid("FROM --platform alpine\n", line=1),
]
