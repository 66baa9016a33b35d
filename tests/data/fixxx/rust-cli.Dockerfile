# Builder on the TARGET platform (no --platform): for linux/arm64 on an amd64
# runner, rustc runs under QEMU. Cross alternative: --platform=$BUILDPLATFORM
# with `cargo build --target <triple>` (or tonistiigi/xx `xx-cargo`).
FROM --platform=$BUILDPLATFORM tonistiigi/xx AS xx
FROM --platform=$BUILDPLATFORM rust:1.79-bookworm AS build
COPY --from=xx / /
RUN apt-get update && apt-get install -y clang lld
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src ./src
RUN cargo fetch --locked
ARG TARGETPLATFORM
RUN xx-apt-get install -y gcc libc6-dev
RUN xx-cargo build --release --locked \
    && xx-verify target/$(xx-cargo --print-target-triple)/release/rust-cli \
    && mkdir -p target/release \
    && cp target/$(xx-cargo --print-target-triple)/release/rust-cli target/release/rust-cli

FROM debian:bookworm-slim
COPY --from=build /src/target/release/rust-cli /usr/local/bin/rust-cli
ENTRYPOINT ["/usr/local/bin/rust-cli"]
