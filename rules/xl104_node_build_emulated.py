r"""XL104 node-build-emulated.

## What it does
Reports Node.js package installs and builds in a stage that runs on the target platform when some
target platform differs from the build platform: `npm|yarn|pnpm|bun` `install`, `ci`, `add`,
`rebuild`, `run <script>`, `yarn build`..., and bundlers run directly or through `npx`: `tsc`, `vite`,
`webpack`, `esbuild`, `rollup`, `next build`, `parcel build`, `ng build`..., and monorepo task runners
`build` tasks (`turbo run build`, `nx build app`). Global tool installs
(`npm install -g pnpm`) are not reported, nor are production installs (`npm ci --omit=dev`, `pnpm install
--prod`) in a stage without a C compiler: they fetch the target's prebuilt addons, which is what a
runtime stage installs for itself.

## Why is this bad?
Node itself (V8's JIT), the bundler and every install script run under QEMU: 5-10x slower than
natively (measured here for a Go build: 7.2x native), and emulated npm is known to hang or crash.
Bundled assets (`dist/`, `build/`, `.next/static`) are the same bytes on every platform: build them
once, natively, and copy them.

## Example
```dockerfile
FROM node:20 AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npm run build

FROM nginx:1.27-alpine
COPY --from=build /app/dist /usr/share/nginx/html
```

## Use instead
```dockerfile
FROM --platform=$BUILDPLATFORM node:20 AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npm run build

FROM nginx:1.27-alpine
COPY --from=build /app/dist /usr/share/nginx/html
```
When the runtime needs `node_modules` with native addons, install them for the target:
`npm ci --os=linux --cpu=<node arch>` (npm >= 10.1), or in the target stage.

`xlint fix` moves a builder to `--platform=$BUILDPLATFORM` when what other stages copy from it is built
assets (dist/, build/, public/, out/, .next/static), together with the Node stages it shares node_modules
with. When the runtime copies node_modules or a Next.js standalone output (`.next/standalone`, whose
traced node_modules are the build platform's), the unsafe fix adds a target-platform stage that replays
the install stage's setup without the compiler and installs the production dependencies
(`npm ci --omit=dev`, `pnpm install --prod`); the runtime takes its node_modules from there. It refuses
when the runtime image ships a compiler (`node:20`), for yarn (no one production flag), and when
anything else is copied.

## References
- BuildKit docs, multi-platform builds
- npm docs: `npm install --cpu/--os/--libc`
"""

from __future__ import annotations

from xlint.derived import report_derived
from xlint.fixes.emulated import report_emulated
from xlint.rule import Context, Invalid, Rule, Valid


class NodeBuildEmulated(Rule):
    __doc__ = __doc__
    code = "XL104"
    name = "node-build-emulated"
    message = ("`{cmd}` runs under QEMU emulation in stage '{stage}' for {platforms}: Node installs and "
               "builds run 5-10x slower emulated (measured: a Go build 7.2x native)")
    hint = ("Build arch-independent assets natively: put the builder on `FROM --platform=$BUILDPLATFORM node...` "
            "and COPY dist/ into the runtime stage; for runtime node_modules with native addons use "
            "`npm ci --os=linux --cpu=<node arch>` or install them in the target stage.")
    fix_title = "Move the asset builder to `--platform=$BUILDPLATFORM`"
    fix_applicability = "safe"
    emulation = True

    def check(self, ctx: Context) -> None:
        report_emulated(self, ctx, "node")
        report_derived(self, ctx, "node")


NodeBuildEmulated.valid = [
    Valid("FROM node:20\nRUN npx turbo run lint && npx nx test api\n"),
    Valid(
        "FROM --platform=$BUILDPLATFORM node:20 AS build\n"
        "RUN npm ci && npm run build\n"
        "FROM nginx:1.27-alpine\n"
        "COPY --from=build /app/dist /usr/share/nginx/html\n"
    ),
    Valid("FROM node:20\nRUN npm install -g pnpm && npm --version && npm config set fund false\n"),
    Valid("FROM node:20\nRUN npm ci\n", platforms=("linux/arm64",), build_platform="linux/arm64"),
    Valid("FROM node:20\nCMD npm start\n"),
    # a production install without a compiler: the target's prebuilt addons, in the runtime's own stage
    Valid("FROM node:20-slim\nWORKDIR /app\nCOPY package*.json ./\nRUN npm ci --omit=dev\n"),
    Valid("FROM node:20-alpine\nRUN corepack enable && pnpm install --prod --frozen-lockfile\n"),
]

NodeBuildEmulated.invalid = [
    # monorepo task runners
    Invalid("FROM node:20\nCOPY . .\nRUN npx turbo run build --filter=web\n", line=3),
    Invalid("FROM node:20\nCOPY . .\nRUN pnpm exec nx build api && npx nx run-many --target=build\n", line=3,
            count=2),
    Invalid(
        "FROM node:20 AS build\n"
        "WORKDIR /app\n"
        "COPY . .\n"
        "RUN npm ci\n"
        "RUN npm run build\n"
        "FROM nginx:1.27-alpine\n"
        "COPY --from=build /app/dist /usr/share/nginx/html\n",
        line=4,
        count=2,
        fixed="FROM --platform=$BUILDPLATFORM node:20 AS build\n"
        "WORKDIR /app\n"
        "COPY . .\n"
        "RUN npm ci\n"
        "RUN npm run build\n"
        "FROM nginx:1.27-alpine\n"
        "COPY --from=build /app/dist /usr/share/nginx/html\n",
    ),
    Invalid("FROM node:20\nRUN yarn install --frozen-lockfile && yarn build\n", line=2, count=2),
    Invalid("FROM node:20\nRUN npx tsc -p . && npx next build\n", line=2, count=2),
    Invalid("FROM node:20\nRUN pnpm --filter web run build\n", line=2),
    Invalid("FROM oven/bun:1\nRUN bun install\n", line=2),
    # a production install where node-gyp finds a compiler compiles addons without prebuilt binaries
    Invalid("FROM node:20\nRUN npm ci --omit=dev\n", line=2),
    Invalid("FROM node:20-slim\nRUN apt-get update && apt-get install -y g++ make python3\n"
            "RUN npm ci --omit dev\n", line=3),
    # node_modules copied into the runtime: native modules would be the wrong arch; not fixed
    Invalid(
        "FROM node:20 AS build\n"
        "WORKDIR /app\n"
        "COPY . .\n"
        "RUN npm ci --omit=dev\n"
        "FROM node:20-slim\n"
        "COPY --from=build /app/node_modules /app/node_modules\n",
        line=4,
    ),
]
