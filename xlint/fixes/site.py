"""Recipe: static sites (Hugo, MkDocs, Jekyll, Zola, Sphinx, Eleventy): arch-independent output, the
builder moves as it is; the single-stage split copies the site folder (XL109).
"""

from __future__ import annotations

from xlint.fixes.outputs import flag_arg, resolve_path
from xlint.fixes.plan import Example
from xlint.toolchains import (
    Invocation,
)


def site_outputs(inv: Invocation, cwd: str | None) -> list[str] | None:
    vals = inv.values()
    tool = inv.tool
    out: str | None
    if tool == "hugo":
        has_s, _ = flag_arg(vals, ("-s", "--source"))
        has_d, out = flag_arg(vals, ("-d", "--destination"))
        if not has_d:
            out = None if has_s else "public"
        elif has_s and out is not None and not out.startswith("/"):
            return None
    elif tool == "mkdocs":
        has_d, out = flag_arg(vals, ("-d", "--site-dir"))
        out = out if has_d else "site"
    elif tool == "jekyll":
        has_d, out = flag_arg(vals, ("-d", "--destination"))
        out = out if has_d else (None if flag_arg(vals, ("-s", "--source"))[0] else "_site")
    elif tool == "zola":
        has_d, out = flag_arg(vals, ("-o", "--output-dir"))
        out = out if has_d else "public"
    elif tool == "sphinx-build":
        pos = [v for v in vals if not v.startswith("-")]
        out = pos[-1] if len(pos) >= 2 and not any(v in ("-c", "-d", "-D", "-t", "-j", "-w") for v in vals) else None
    else:
        has_d, out = flag_arg(vals, ("--output",))
        out = out if has_d else "_site"
    p = resolve_path(cwd, out) if out else None
    return [p] if p else None


# BEFORE/AFTER examples (run by tests/test_fix_recipes.py)
EXAMPLES: list[Example] = [
    Example(
        "chain-new-root",
        before="""\
FROM python:3.12-alpine AS base
WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
EXPOSE 8000

FROM base AS dev
CMD ["mkdocs", "serve", "-a", "0.0.0.0:8000"]

FROM base AS docs
COPY . .
RUN mkdocs build

FROM nginx:1.27-alpine
COPY --from=docs /app/site /usr/share/nginx/html
""",
        after="""\
FROM python:3.12-alpine AS base
WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
EXPOSE 8000

FROM base AS dev
CMD ["mkdocs", "serve", "-a", "0.0.0.0:8000"]

FROM --platform=$BUILDPLATFORM python:3.12-alpine AS docs-base
WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt

FROM docs-base AS docs
COPY . .
RUN mkdocs build

FROM nginx:1.27-alpine
COPY --from=docs /app/site /usr/share/nginx/html
""",
    ),
    Example(
        "hugo",
        before="""\
FROM hugomods/hugo:exts AS build
WORKDIR /src
COPY . .
RUN hugo --minify

FROM nginx:1.27-alpine
COPY --from=build /src/public /usr/share/nginx/html
""",
        after="""\
FROM --platform=$BUILDPLATFORM hugomods/hugo:exts AS build
WORKDIR /src
COPY . .
RUN hugo --minify

FROM nginx:1.27-alpine
COPY --from=build /src/public /usr/share/nginx/html
""",
    ),
    Example(
        "mkdocs-split",
        before="""\
FROM python:3.12-slim
WORKDIR /docs
COPY . .
RUN pip install mkdocs && mkdocs build
CMD ["python", "-m", "http.server", "-d", "site"]
""",
        reason='the stage also runs `pip install`',
    ),
]
