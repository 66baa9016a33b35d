"""Recipe: JVM. Jars are arch-independent: the builder moves as it is, unless it builds native code
(jlink, GraalVM native-image, JNI headers) (XL105).
"""

from __future__ import annotations

import posixpath

from xlint.fixes.outputs import flag_arg, resolve_path
from xlint.fixes.plan import Example
from xlint.model import Model, Stage
from xlint.toolchains import (
    Invocation,
    invocation,
    stage_commands,
)

_JVM_NATIVE = frozenset({"jlink", "native-image", "jpackage"})


def jvm_reason(model: Model, stage: Stage) -> str | None:
    for _instr, cmd in stage_commands(model, stage):
        inv = invocation(cmd)
        if inv is None:
            continue
        vals = inv.values()
        if inv.tool in _JVM_NATIVE:
            return f"the stage runs `{inv.tool}`: its output is arch-specific"
        if inv.tool == "javac" and any(v == "-h" for v in vals):
            return "the stage builds JNI headers (`javac -h`): native code is arch-specific"
        if any(v in ("-Pnative", "nativeCompile", "nativeBuild") or v.startswith("-Pnative") for v in vals):
            return "the stage runs a GraalVM native build: it cannot cross-compile"
    return None


def jvm_outputs(inv: Invocation, cwd: str | None) -> list[str] | None:
    vals = inv.values()
    if inv.tool in ("mvn", "mvnw"):
        has_f, f = flag_arg(vals, ("-f", "--file"))
        base: str | None = cwd
        if has_f:
            if f is None:
                return None
            base = resolve_path(cwd, f if not f.endswith(".xml") else posixpath.dirname(f) or ".")
        p = resolve_path(base, "target") if base else None
        return [p] if p else None
    if inv.tool in ("gradle", "gradlew"):
        has_p, pdir = flag_arg(vals, ("-p", "--project-dir"))
        gbase = resolve_path(cwd, pdir) if has_p and pdir else (cwd if not has_p else None)
        p = resolve_path(gbase, "build") if gbase else None
        return [p] if p else None
    if inv.tool == "javac":
        has_d, d = flag_arg(vals, ("-d",))
        p = resolve_path(cwd, d) if has_d and d else None
        return [p] if p else None
    return None


# BEFORE/AFTER examples (run by tests/test_fix_recipes.py)
EXAMPLES: list[Example] = [
    Example(
        "maven",
        before="""\
FROM maven:3.9-eclipse-temurin-21 AS build
WORKDIR /src
COPY . .
RUN mvn -B package -DskipTests

FROM eclipse-temurin:21-jre
COPY --from=build /src/target/app.jar /app.jar
CMD ["java", "-jar", "/app.jar"]
""",
        after="""\
FROM --platform=$BUILDPLATFORM maven:3.9-eclipse-temurin-21 AS build
WORKDIR /src
COPY . .
RUN mvn -B package -DskipTests

FROM eclipse-temurin:21-jre
COPY --from=build /src/target/app.jar /app.jar
CMD ["java", "-jar", "/app.jar"]
""",
    ),
    Example(
        "native",
        before="""\
FROM ghcr.io/graalvm/native-image-community:21 AS build
WORKDIR /src
COPY . .
RUN ./mvnw -B -Pnative package

FROM debian:bookworm-slim
COPY --from=build /src/target/app /usr/local/bin/app
""",
        reason='the stage runs a GraalVM native build: it cannot cross-compile',
    ),
]
