r"""XL106 dotnet-build-emulated.

## What it does
Reports `dotnet restore|build|publish|test|pack` in a stage that runs on the target platform when some
target platform differs from the build platform.

## Why is this bad?
Microsoft does not support running the .NET SDK under QEMU: restore and publish are slow (5-10x, as
any emulated compile; measured here for Go: 7.2x native) and can hang or crash
(dotnet/dotnet-docker#5355). The SDK cross-targets by itself: `dotnet publish -a $TARGETARCH` on a
`--platform=$BUILDPLATFORM` SDK image produces the target's output natively.

## Example
```dockerfile
FROM mcr.microsoft.com/dotnet/sdk:8.0 AS build
WORKDIR /src
COPY . .
RUN dotnet restore
RUN dotnet publish -c Release --no-restore -o /out

FROM mcr.microsoft.com/dotnet/runtime:8.0
COPY --from=build /out /app
```

## Use instead
```dockerfile
FROM --platform=$BUILDPLATFORM mcr.microsoft.com/dotnet/sdk:8.0 AS build
ARG TARGETARCH
WORKDIR /src
COPY . .
RUN dotnet restore -a $TARGETARCH
RUN dotnet publish -c Release -a $TARGETARCH --no-restore -o /out

FROM mcr.microsoft.com/dotnet/runtime:8.0
COPY --from=build /out /app
```

`xlint fix` does this for a builder stage: `--platform=$BUILDPLATFORM`, `ARG TARGETARCH`, `-a
$TARGETARCH` on restore/build/publish, replacing `-r linux-x64` (`-r linux-musl-x64` becomes `--os
linux-musl -a $TARGETARCH`). With `--unsafe-fixes`, a final stage that publishes with `-o` is split into
a builder stage.

## References
- dotnet/dotnet-docker#5355 (QEMU is unsupported), docs "Building multi-platform images"
- dotnet/sdk#30762 (`-a amd64` is mapped to x64)
"""

from __future__ import annotations

from xlint.crossfix import report_emulated
from xlint.derived import report_derived
from xlint.rule import Context, Invalid, Rule, Valid


class DotnetBuildEmulated(Rule):
    __doc__ = __doc__
    code = "XL106"
    name = "dotnet-build-emulated"
    message = ("`{cmd}` runs under QEMU emulation in stage '{stage}' for {platforms}: 5-10x slower (measured: "
               "a Go build 7.2x native), and the .NET SDK is unsupported under QEMU (it can hang)")
    hint = ("Cross-build natively: `FROM --platform=$BUILDPLATFORM mcr.microsoft.com/dotnet/sdk...`, "
            "`ARG TARGETARCH`, `dotnet restore -a $TARGETARCH` and `dotnet publish -a $TARGETARCH --no-restore`.")
    fix_title = "Move the SDK stage to `--platform=$BUILDPLATFORM` with `-a $TARGETARCH`"
    fix_applicability = "safe"
    emulation = True

    def check(self, ctx: Context) -> None:
        report_emulated(self, ctx, "dotnet")
        report_derived(self, ctx, "dotnet")


DotnetBuildEmulated.valid = [
    Valid(
        "FROM --platform=$BUILDPLATFORM mcr.microsoft.com/dotnet/sdk:8.0 AS build\n"
        "ARG TARGETARCH\n"
        "RUN dotnet restore -a $TARGETARCH && dotnet publish -a $TARGETARCH --no-restore -o /out\n"
        "FROM mcr.microsoft.com/dotnet/runtime:8.0\n"
        "COPY --from=build /out /app\n"
    ),
    Valid("FROM mcr.microsoft.com/dotnet/sdk:8.0\nRUN dotnet --info && dotnet tool list\n"),
    Valid("FROM mcr.microsoft.com/dotnet/sdk:8.0\nRUN dotnet publish -o /out\n", platforms=("linux/amd64",)),
    Valid("FROM mcr.microsoft.com/dotnet/runtime:8.0\nENTRYPOINT [\"dotnet\", \"app.dll\"]\n"),
]

DotnetBuildEmulated.invalid = [
    Invalid(
        "FROM mcr.microsoft.com/dotnet/sdk:8.0 AS build\n"
        "RUN dotnet restore -r linux-x64\n"
        "RUN dotnet publish -c Release -r linux-x64 --no-restore -o /out\n"
        "FROM mcr.microsoft.com/dotnet/runtime:8.0\n"
        "COPY --from=build /out /app\n",
        line=2,
        count=2,
        fixed="FROM --platform=$BUILDPLATFORM mcr.microsoft.com/dotnet/sdk:8.0 AS build\n"
        "ARG TARGETARCH\n"
        "RUN dotnet restore -a $TARGETARCH\n"
        "RUN dotnet publish -c Release -a $TARGETARCH --no-restore -o /out\n"
        "FROM mcr.microsoft.com/dotnet/runtime:8.0\n"
        "COPY --from=build /out /app\n",
    ),
    Invalid("FROM mcr.microsoft.com/dotnet/sdk:8.0\nRUN dotnet test tests/Unit.csproj\n", line=2),
    Invalid("FROM mcr.microsoft.com/dotnet/sdk:8.0\nRUN dotnet build -c Release\n", line=2),
    Invalid("FROM mcr.microsoft.com/dotnet/sdk:8.0\nRUN [\"dotnet\", \"publish\", \"-o\", \"/out\"]\n", line=2),
    # musl RID: kept through --os linux-musl
    Invalid(
        "FROM mcr.microsoft.com/dotnet/sdk:8.0-alpine AS build\n"
        "WORKDIR /src\n"
        "COPY . .\n"
        "RUN dotnet publish app.csproj --runtime linux-musl-x64 -o /out\n"
        "FROM mcr.microsoft.com/dotnet/runtime-deps:8.0-alpine\n"
        "COPY --from=build /out /app\n",
        line=4,
        fixed="FROM --platform=$BUILDPLATFORM mcr.microsoft.com/dotnet/sdk:8.0-alpine AS build\n"
        "WORKDIR /src\n"
        "COPY . .\n"
        "ARG TARGETARCH\n"
        "RUN dotnet publish app.csproj --os linux-musl -a $TARGETARCH -o /out\n"
        "FROM mcr.microsoft.com/dotnet/runtime-deps:8.0-alpine\n"
        "COPY --from=build /out /app\n",
    ),
    # single stage (unsafe fix)
    Invalid(
        "FROM mcr.microsoft.com/dotnet/sdk:8.0\n"
        "WORKDIR /src\n"
        "COPY . .\n"
        "RUN dotnet publish -c Release -o /app\n"
        "ENTRYPOINT [\"dotnet\", \"/app/hello.dll\"]\n",
        line=4,
        unsafe=True,
        fixed="FROM --platform=$BUILDPLATFORM mcr.microsoft.com/dotnet/sdk:8.0 AS build\n"
        "WORKDIR /src\n"
        "COPY . .\n"
        "ARG TARGETARCH\n"
        "RUN dotnet publish -a $TARGETARCH -c Release -o /app\n"
        "\n"
        "FROM mcr.microsoft.com/dotnet/sdk:8.0\n"
        "WORKDIR /src\n"
        "COPY . .\n"
        "COPY --from=build /app /app\n"
        "ENTRYPOINT [\"dotnet\", \"/app/hello.dll\"]\n",
    ),
]
