r"""XL403 compose-platform-pin.

## What it does
Reports a Compose service pinned to one platform (`platform: linux/amd64`) when its image is
multi-arch: a Docker Hub official image (`postgres:16`), an image the project builds for several
platforms (a workflow, `docker manifest create`, another Compose build), or a service the file
builds itself (`build:`), whose Dockerfile can build for the host's architecture. A `build.platforms`
list that names several platforms while `platform:` pins one is reported too.

## Why is this bad?
On an ARM host (Apple silicon laptops, Graviton and Ampere servers) the pin makes Docker pull or build
the amd64 image and run it under QEMU emulation: start-up and CPU-heavy work run 5-10x slower, and
some programs crash under emulation (`qemu: uncaught target signal 11`). Without the pin, Compose
picks the host's own platform from the image index.

## Example
```yaml
services:
  db:
    image: postgres:16
    platform: linux/amd64
```

## Use instead
```yaml
services:
  db:
    image: postgres:16
```
The fix (unsafe: `xlint fix --unsafe-fixes`) removes the `platform:` key.

## References
- Compose file reference: `platform`, `build.platforms`
- Docker Hub official images are published for amd64, arm64 and more
"""

from __future__ import annotations

from typing import Any

from xlint.workloads.edits import document_plan
from xlint.workloads.examples import ProjectInvalid, ProjectValid
from xlint.workloads.images import is_official_library_image, multiarch_image
from xlint.workloads.project import Project
from xlint.workloads.refs import known_multiarch, multiarch_images
from xlint.workloads.rulebase import ProjectRule
from xlint.workloads.yamldocs import node_col, node_line


class ComposePlatformPin(ProjectRule):
    __doc__ = __doc__
    code = "XL403"
    name = "compose-platform-pin"
    severity = "warning"
    message = "service '{service}' is pinned to `{platform}` while {why}: ARM hosts run it under QEMU emulation"
    hint = "Remove `platform:` so Compose uses the host's platform from the multi-arch image."
    fix_title = "Remove the platform pin"
    fix_applicability = "unsafe"

    def check_project(self, project: Project) -> None:
        known = multiarch_images(project)
        for f, d in project.documents("compose"):
            services = d.data.get("services")
            for name, svc in services.items():
                if not isinstance(svc, dict):
                    continue
                pin = svc.get("platform")
                if not isinstance(pin, str) or "$" in pin:
                    continue
                why = self._multiarch_reason(project, svc, known, pin)
                if why is None:
                    continue

                def edit(data: Any, service: Any = name) -> None:
                    del data["services"][service]["platform"]

                project.report(
                    self, f.path, node_line(d, svc, "platform"), node_col(svc, "platform"),
                    self.message.format(service=name, platform=pin, why=why),
                    plan=document_plan(f, d, edit),
                )

    @staticmethod
    def _multiarch_reason(project: Project, svc: Any, known: list[Any], pin: str) -> str | None:
        build = svc.get("build")
        if isinstance(build, dict) and isinstance(build.get("platforms"), list) and len(build["platforms"]) >= 2:
            return "its build.platforms lists " + ", ".join(str(p) for p in build["platforms"])
        if build is not None:
            return "the service builds its own image (for the host's platform without the pin)"
        image = svc.get("image")
        if not isinstance(image, str) or "$" in image:
            return None
        if multiarch_image(image) is not None:
            return None  # a per-arch image: the pin matches it (XL402 reports the tag)
        k = known_multiarch(project, image, known)
        if k is not None:
            return f"`{image}` is multi-arch ({k.source})"
        if is_official_library_image(image):
            return f"`{image}` is a multi-arch official image"
        return None


ComposePlatformPin.project_valid = [
    ProjectValid({"compose.yaml": "services:\n  db:\n    image: postgres:16\n"}),
    # a private image of unknown platforms: the pin may be needed
    ProjectValid({"compose.yaml": "services:\n  legacy:\n    image: registry.acme.io/legacy/app:3\n"
                                  "    platform: linux/amd64\n"}),
    # a per-arch image with its matching pin
    ProjectValid({"docker-compose.yml": "services:\n  tool:\n    image: amd64/busybox\n    platform: linux/amd64\n"}),
    ProjectValid({"compose.yaml": "services:\n  web:\n    image: demo:v1\n    platform: ${PLATFORM}\n"}),
]

ComposePlatformPin.project_invalid = [
    ProjectInvalid(
        {"compose.yaml": "services:\n  db:\n    image: postgres:16  # database\n    platform: linux/amd64\n"
                         "    environment:\n      POSTGRES_PASSWORD: example\n"},
        path="compose.yaml", line=4,
        fixed={"compose.yaml": "services:\n  db:\n    image: postgres:16  # database\n    environment:\n"
                               "      POSTGRES_PASSWORD: example\n"},
    ),
    ProjectInvalid(
        {"docker-compose.yml": "version: '3.8'\nservices:\n  api:\n    build:\n      context: .\n"
                               "      platforms: [linux/amd64, linux/arm64]\n    platform: 'linux/amd64'\n"},
        path="docker-compose.yml", line=7,
        fixed={"docker-compose.yml": "version: '3.8'\nservices:\n  api:\n    build:\n      context: .\n"
                                     "      platforms: [linux/amd64, linux/arm64]\n"},
    ),
    ProjectInvalid(
        {"compose.yaml": "services:\n  web:\n    build: .\n    platform: linux/amd64\n    ports:\n      - \"80:80\"\n"
                         "  cache:\n    image: redis:7\n    platform: linux/amd64\n"},
        path="compose.yaml", line=4, count=2,
    ),
    ProjectInvalid(
        {"compose.yaml": "services:\n  web:\n    image: ghcr.io/acme/demo:v1\n    platform: linux/amd64\n",
         ".github/workflows/ci.yml": "on: push\njobs:\n  b:\n    runs-on: ubuntu-latest\n    steps:\n"
                                     "      - run: docker buildx build --platform linux/amd64,linux/arm64 "
                                     "-t ghcr.io/acme/demo:v1 --push .\n"},
        path="compose.yaml", line=4,
        fixed={"compose.yaml": "services:\n  web:\n    image: ghcr.io/acme/demo:v1\n"},
    ),
]
