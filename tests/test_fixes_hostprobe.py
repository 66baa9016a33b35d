"""hostprobe: an arch probe that picks a tool the stage runs itself (right on the build machine) told apart
from one whose result reaches the image."""

from __future__ import annotations

import pytest

from xlint.fixes.hostprobe import host_tool_probe
from xlint.model import Model
from xlint.syntax import parse

FETCH = """\
FROM alpine:3.20 AS build
WORKDIR /src
RUN case "$(uname -m)" in x86_64) A=amd64 ;; aarch64) A=arm64 ;; esac && \\
    wget -O /tmp/t.tgz "https://example.com/tool-$A.tgz" && \\
    mkdir -p /opt/tool && tar -C /opt/tool -xzf /tmp/t.tgz && rm /tmp/t.tgz
"""


def _probe(text: str) -> str | None:
    model = Model(parse(text), ("linux/amd64", "linux/arm64"), "linux/amd64", None, None)
    stage = model.stages[0]
    run = next(i for i in stage.instructions if i.keyword == "RUN")
    return host_tool_probe(model, stage, run)


def test_toolchain_on_path_is_the_build_machines() -> None:
    text = FETCH + "ENV PATH=/opt/tool/bin:$PATH\nRUN tool build -o /out/app\nFROM alpine:3.20\nCOPY --from=build /out/app /app\n"
    assert _probe(text) == "/opt/tool/bin"


def test_tool_run_by_its_path() -> None:
    text = FETCH + "RUN /opt/tool/bin/tool -o /out/app\nFROM alpine:3.20\nCOPY --from=build /out/app /app\n"
    assert _probe(text) == "/opt/tool/bin"


@pytest.mark.parametrize("tail", [
    # the download itself is copied into the image
    "ENV PATH=/opt/tool/bin:$PATH\nFROM alpine:3.20\nCOPY --from=build /opt/tool/bin/tool /usr/bin/tool\n",
    # a glob source over its parent
    "ENV PATH=/opt/tool/bin:$PATH\nFROM alpine:3.20\nCOPY --from=build /opt/* /opt/\n",
    # the whole stage
    "ENV PATH=/opt/tool/bin:$PATH\nFROM alpine:3.20\nCOPY --from=build / /\n",
    # a RUN mounts the stage: what it reads is unknown
    "ENV PATH=/opt/tool/bin:$PATH\nFROM alpine:3.20\nRUN --mount=from=build,target=/m cp /m/x /x\n",
    # the image is built FROM the stage: every file reaches it
    "ENV PATH=/opt/tool/bin:$PATH\nFROM build\nRUN tool\n",
    # nothing runs the download: it is not a tool of the stage
    "FROM alpine:3.20\nCOPY --from=build /out/app /app\n",
])
def test_download_that_may_reach_the_image(tail: str) -> None:
    assert _probe(FETCH + tail) is None


@pytest.mark.parametrize("run", [
    'RUN uname -m > /arch && mkdir -p /opt/tool\n',  # a redirection writes a file
    'RUN A=$(uname -m) && ./install.sh "$A"\n',  # a command whose writes are unknown
    'RUN A=$(uname -m) && tar -C "$DIR" -xzf /t.tgz\n',  # a dynamic destination
    'RUN A=$(uname -m) && tar -czf /opt/tool/t.tgz /src\n',  # tar creating an archive
])
def test_writes_not_understood(run: str) -> None:
    text = f"FROM alpine:3.20 AS build\n{run}ENV PATH=/opt/tool/bin:$PATH\nFROM alpine:3.20\nCOPY --from=build /out /out\n"
    assert _probe(text) is None


def test_a_removed_download_is_no_write() -> None:
    # the archive is fetched into the (unknown) working directory and removed again
    text = ("FROM alpine:3.20 AS build\nRUN A=$(uname -m) && curl -o go.tgz https://example.com/go-$A.tgz "
            "&& tar -C /usr/local -xzf go.tgz && rm go.tgz\nENV PATH=\"/usr/local/go/bin:$PATH\"\n"
            "RUN go build -o /out/app .\nFROM alpine:3.20\nCOPY --from=build /out/app /app\n")
    assert _probe(text) == "/usr/local/go/bin"
    # kept, it lands in the unknown working directory
    assert _probe(text.replace(" && rm go.tgz", "")) is None
