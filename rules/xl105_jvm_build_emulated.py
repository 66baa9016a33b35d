r"""XL105 jvm-build-emulated.

## What it does
Reports JVM builds in a stage that runs on the target platform when some target platform differs from
the build platform: `mvn`, `./mvnw`, `gradle`, `./gradlew`, `sbt`, `ant`, `lein`, `javac`, `kotlinc`,
`native-image`.

## Why is this bad?
The JVM, its JIT and the compiler run under QEMU: 5-10x slower than natively (measured here for a Go
build: 7.2x native), and dependency resolution with Maven or Gradle takes minutes more. Jars are
arch-independent: build them once on the build platform and copy them into a target JRE image. (Not
for jlink runtimes, JNI code or GraalVM `native-image`, which cannot cross-compile: use native nodes.)

## Example
```dockerfile
FROM maven:3.9-eclipse-temurin-21 AS build
COPY . /src
RUN mvn -B -f /src package

FROM eclipse-temurin:21-jre
COPY --from=build /src/target/app.jar /app.jar
```

## Use instead
```dockerfile
FROM --platform=$BUILDPLATFORM maven:3.9-eclipse-temurin-21 AS build
COPY . /src
RUN mvn -B -f /src package

FROM eclipse-temurin:21-jre
COPY --from=build /src/target/app.jar /app.jar
```

`xlint fix` moves a builder to `--platform=$BUILDPLATFORM` (not when it runs jlink, GraalVM native-image
or builds JNI code). With `--unsafe-fixes`, a final stage that runs Maven/Gradle/javac is split into a
builder stage and a `COPY --from` of `target/` (`build/`, `javac -d`).

## References
- BuildKit docs, multi-platform builds
- GraalVM docs: native-image builds for the host platform only
"""

from __future__ import annotations

from xlint.crossfix import report_emulated
from xlint.derived import report_derived
from xlint.rule import Context, Invalid, Rule, Valid


class JvmBuildEmulated(Rule):
    __doc__ = __doc__
    code = "XL105"
    name = "jvm-build-emulated"
    message = ("`{cmd}` runs under QEMU emulation in stage '{stage}' for {platforms}: the JVM build runs 5-10x "
               "slower emulated (measured: a Go build 7.2x native) although jars are arch-independent")
    hint = ("Build the jar natively: `FROM --platform=$BUILDPLATFORM maven...|gradle... AS build` and COPY the "
            "jar into a target JRE stage (not for jlink, JNI or GraalVM native-image).")
    fix_title = "Move the JVM builder to `--platform=$BUILDPLATFORM`"
    fix_applicability = "safe"
    emulation = True

    def check(self, ctx: Context) -> None:
        report_emulated(self, ctx, "jvm")
        report_derived(self, ctx, "jvm")


JvmBuildEmulated.valid = [
    Valid(
        "FROM --platform=$BUILDPLATFORM maven:3.9-eclipse-temurin-21 AS build\n"
        "RUN mvn -B package\n"
        "FROM eclipse-temurin:21-jre\n"
        "COPY --from=build /src/target/app.jar /app.jar\n"
    ),
    Valid("FROM eclipse-temurin:21-jre\nRUN java -version && mvn --version\n"),
    Valid("FROM gradle:8-jdk21\nRUN gradle build\n", platforms=("linux/amd64",)),
    Valid("FROM maven:3.9 AS build\nRUN mvn package\nFROM eclipse-temurin:21-jre\nCOPY app.jar /app.jar\n"),
]

JvmBuildEmulated.invalid = [
    Invalid(
        "FROM maven:3.9-eclipse-temurin-21 AS build\n"
        "RUN mvn -B dependency:go-offline\n"
        "RUN mvn -B package\n"
        "FROM eclipse-temurin:21-jre\n"
        "COPY --from=build /src/target/app.jar /app.jar\n",
        line=2,
        count=2,
        fixed="FROM --platform=$BUILDPLATFORM maven:3.9-eclipse-temurin-21 AS build\n"
        "RUN mvn -B dependency:go-offline\n"
        "RUN mvn -B package\n"
        "FROM eclipse-temurin:21-jre\n"
        "COPY --from=build /src/target/app.jar /app.jar\n",
    ),
    Invalid("FROM eclipse-temurin:21-jdk\nRUN ./gradlew --no-daemon bootJar\n", line=2),
    Invalid("FROM eclipse-temurin:21-jdk\nRUN javac -d out src/App.java\n", line=2),
    Invalid("FROM sbtscala/scala-sbt:eclipse-temurin-21\nRUN sbt assembly\n", line=2),
    # single stage (unsafe fix): Maven moves to a builder, the final stage copies target/
    Invalid(
        "FROM maven:3.9-eclipse-temurin-21\n"
        "WORKDIR /src\n"
        "COPY pom.xml ./\n"
        "RUN mvn -B dependency:go-offline\n"
        "COPY src ./src\n"
        "RUN mvn -B package\n"
        "CMD [\"java\", \"-jar\", \"target/app.jar\"]\n",
        line=4,
        count=2,
        unsafe=True,
        fixed="FROM --platform=$BUILDPLATFORM maven:3.9-eclipse-temurin-21 AS build\n"
        "WORKDIR /src\n"
        "COPY pom.xml ./\n"
        "RUN mvn -B dependency:go-offline\n"
        "COPY src ./src\n"
        "RUN mvn -B package\n"
        "\n"
        "FROM maven:3.9-eclipse-temurin-21\n"
        "WORKDIR /src\n"
        "COPY pom.xml ./\n"
        "COPY src ./src\n"
        "COPY --from=build /src/target /src/target\n"
        "CMD [\"java\", \"-jar\", \"target/app.jar\"]\n",
    ),
    # jlink builds an arch-specific runtime: not fixed
    Invalid(
        "FROM eclipse-temurin:21-jdk AS build\n"
        "RUN ./mvnw -B package && jlink --add-modules java.base --output /jre\n"
        "FROM debian:bookworm-slim\n"
        "COPY --from=build /jre /opt/jre\n",
        line=2,
    ),
]
