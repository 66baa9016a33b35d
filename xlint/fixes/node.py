"""Recipe: Node. A JS build moves to the build platform when what other stages copy from it is assets
(dist/, build/, ...), never node_modules with native addons (XL104).
"""

from __future__ import annotations

import re

from xlint.fixes.outputs import path_parts
from xlint.fixes.plan import Example
from xlint.model import Model, Stage
from xlint.toolchains import classify, js_make, stage_chain, stage_commands

ASSET_DIRS = frozenset({"dist", "build", "public", "out", "static", "_site", "site", "www", "html",
                        "storybook-static", "assets"})


_ASSET_SUFFIX = re.compile(r"[-_.](?:dist|build|public|static|assets|out)$")


def _asset_dir(part: str) -> bool:
    """`dist`, `build`... or a name ending in one (`ui-dist`, `cloudprem_ui_build`)."""
    return part in ASSET_DIRS or _ASSET_SUFFIX.search(part) is not None


def asset_reason(sources: list[str]) -> str | None:
    """Why what other stages copy from a Node builder may not be arch-independent (None: it is assets)."""
    unknown = [s for s in sources if not any(_asset_dir(p) for p in path_parts(s)) and not s.endswith(".js")]
    if unknown:
        return f"`{unknown[0]}` copied from the builder is not a known asset folder (dist/, build/...)"
    return None


_NODE_IMAGE = re.compile(r"(?:^|/)(?:node|bun|deno)(?::|@|$)")

MAKE_NOTE = ("make is taken to drive the JS build: its Makefile was not read, and one that compiles C would "
             "build for the build machine")


def node_stage(model: Model, stage: Stage) -> bool:
    """True when the stage's chain starts from a Node image and the only build tool besides the JS
    toolchain is a make that drives the JS build (:func:`xlint.toolchains.js_make`)."""
    if _NODE_IMAGE.search(stage_chain(model, stage)[0].base.lower().split("@")[0]) is None:
        return False
    for instr, cmd in stage_commands(model, stage):
        comp = classify(cmd)
        if comp is not None and comp.toolchain != "node" and js_make(model, stage, instr, comp) is None:
            return False
    return True


def make_note(model: Model, stage: Stage) -> str:
    """The caveat of moving a Node stage whose make was not read (empty when every make was read)."""
    for instr, cmd in stage_commands(model, stage):
        comp = classify(cmd)
        if comp is not None and js_make(model, stage, instr, comp) == "assumed":
            return MAKE_NOTE
    return ""


# BEFORE/AFTER examples (run by tests/test_fix_recipes.py)
EXAMPLES: list[Example] = [
    Example(
        "assets",
        before="""\
FROM node:20 AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npm run build

FROM nginx:1.27-alpine
COPY --from=build /app/dist /usr/share/nginx/html
""",
        after="""\
FROM --platform=$BUILDPLATFORM node:20 AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npm run build

FROM nginx:1.27-alpine
COPY --from=build /app/dist /usr/share/nginx/html
""",
    ),
    Example(
        "make-assets",
        before="""\
FROM node:20-alpine AS ui
RUN apk add --no-cache make
WORKDIR /src
COPY ui .
RUN make build

FROM golang:1.22 AS build
WORKDIR /src
COPY . .
COPY --from=ui /src/dist ./ui/dist
RUN CGO_ENABLED=0 go build -o /out/app .

FROM alpine:3.20
COPY --from=build /out/app /app
""",
        after="""\
FROM --platform=$BUILDPLATFORM node:20-alpine AS ui
RUN apk add --no-cache make
WORKDIR /src
COPY ui .
RUN make build

FROM --platform=$BUILDPLATFORM golang:1.22 AS build
WORKDIR /src
COPY . .
COPY --from=ui /src/dist ./ui/dist
ARG TARGETOS TARGETARCH
RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app .

FROM alpine:3.20
COPY --from=build /out/app /app
""",
    ),
    Example(
        "make-read",
        before="""\
FROM node:20 AS ui
WORKDIR /ui
COPY . .
RUN make install build

FROM nginx:1.27-alpine
COPY --from=ui /ui/build /usr/share/nginx/html
""",
        after="""\
FROM --platform=$BUILDPLATFORM node:20 AS ui
WORKDIR /ui
COPY . .
RUN make install build

FROM nginx:1.27-alpine
COPY --from=ui /ui/build /usr/share/nginx/html
""",
        unsafe=False,  # the Makefile shows make runs yarn only: a safe move
        context={"Makefile": ".PHONY: install build\ninstall:\n\tyarn install\nbuild:\n\tyarn build\n"},
    ),
    Example(
        "make-native",  # a C compiler in the stage: make may compile, so the C recipe cross-compiles it
        before="""\
FROM node:20-alpine AS ui
RUN apk add --no-cache make g++ python3
WORKDIR /ui
COPY . .
RUN make dist

FROM nginx:1.27-alpine
COPY --from=ui /ui/dist /usr/share/nginx/html
""",
        after="""\
FROM --platform=$BUILDPLATFORM tonistiigi/xx AS xx
FROM --platform=$BUILDPLATFORM node:20-alpine AS ui
COPY --from=xx / /
RUN apk add --no-cache make g++ python3 clang lld
WORKDIR /ui
COPY . .
ARG TARGETPLATFORM
RUN xx-apk add --no-cache musl-dev gcc g++
RUN make CC=xx-clang CXX=xx-clang++ dist

FROM nginx:1.27-alpine
COPY --from=ui /ui/dist /usr/share/nginx/html
""",
    ),
    Example(
        "modules",
        before="""\
FROM node:20 AS build
WORKDIR /app
COPY . .
RUN npm ci && npm run build

FROM node:20-slim
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
CMD ["node", "dist/server.js"]
""",
        after="""\
FROM node:20 AS build
WORKDIR /app
COPY . .
RUN npm ci && npm run build

FROM node:20-slim
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
CMD ["node", "dist/server.js"]
""",
        reason='`/app/node_modules` (node_modules) is copied into the runtime image: native modules would be the wrong arch',
    ),
]
