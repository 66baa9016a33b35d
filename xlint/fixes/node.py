"""Recipe: Node. A JS build moves to the build platform when what other stages copy from it is assets
(dist/, build/, ...), never node_modules with native addons (XL104).
"""

from __future__ import annotations

from xlint.fixes.outputs import path_parts
from xlint.fixes.plan import Example

ASSET_DIRS = frozenset({"dist", "build", "public", "out", "static", "_site", "site", "www", "html",
                        "storybook-static", "assets"})


def asset_reason(sources: list[str]) -> str | None:
    """Why what other stages copy from a Node builder may not be arch-independent (None: it is assets)."""
    unknown = [s for s in sources if not set(path_parts(s)) & ASSET_DIRS and not s.endswith(".js")]
    if unknown:
        return f"`{unknown[0]}` copied from the builder is not a known asset folder (dist/, build/...)"
    return None


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
