# Builder on the TARGET platform: apt-get and the C compile both run under
# QEMU for non-native targets. Cross alternative: Debian multiarch
# (crossbuild-essential-<arch>) or tonistiigi/xx (xx-clang) on $BUILDPLATFORM.
FROM --platform=$BUILDPLATFORM tonistiigi/xx AS xx
FROM --platform=$BUILDPLATFORM debian:bookworm AS build
COPY --from=xx / /
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential cmake clang lld \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY CMakeLists.txt hello.c ./
ARG TARGETPLATFORM
RUN xx-apt-get install -y gcc libc6-dev
RUN cmake -B build -DCMAKE_BUILD_TYPE=Release $(xx-clang --print-cmake-defines) && cmake --build build \
    && xx-verify build/hello

FROM debian:bookworm-slim
COPY --from=build /src/build/hello /usr/local/bin/hello
ENTRYPOINT ["/usr/local/bin/hello"]
