"""Image references that carry an architecture (``demo:v1-amd64``, ``arm64v8/alpine``, ``tool-arm64:2``)
and their multi-arch counterpart."""

from __future__ import annotations

from xlint.archnames import find_arch_literals, literal_arch

# Docker Hub's official per-architecture namespaces.
ARCH_NAMESPACES = {"amd64", "arm64v8", "arm32v7", "arm32v6", "arm32v5", "i386", "ppc64le", "s390x", "riscv64",
                   "mips64le"}
_SEP = "-_."


def arch_of(word: str) -> str | None:
    """BuildKit arch (``amd64``, ``arm64``, ``arm/v7``) of a literal such as ``x86_64`` or ``arm64``."""
    found = literal_arch(word.strip())
    if found is None:
        return None
    arch, variant = found
    return f"{arch}/{variant}" if variant else arch


def strip_arch_token(value: str) -> tuple[str, str] | None:
    """``demo-amd64`` -> (``demo``, ``amd64``): one arch token at the start or end of a name, with its
    separator. None when the value carries none (or is only an arch)."""
    lits = find_arch_literals(value)
    if len(lits) != 1:
        return None
    lit = lits[0]
    arch = f"{lit.arch}/{lit.variant}" if lit.variant else lit.arch
    if lit.end == len(value) and lit.start > 0 and value[lit.start - 1] in _SEP:
        return value[: lit.start - 1], arch
    if lit.start == 0 and lit.end < len(value) and value[lit.end] in _SEP:
        return value[lit.end + 1 :], arch
    return None


def split_image(ref: str) -> tuple[str, str | None, str | None]:
    """(name with registry, tag, digest)."""
    digest = None
    if "@" in ref:
        ref, digest = ref.split("@", 1)
    last = ref.rsplit("/", 1)[-1]
    tag = None
    if ":" in last:
        ref, tag = ref.rsplit(":", 1)
    return ref, tag, digest


def multiarch_image(ref: str) -> tuple[str, str] | None:
    """The multi-arch reference for a per-arch image reference, and the arch: ``demo:v1-amd64`` ->
    (``demo:v1``, ``amd64``); ``arm64v8/alpine:3.20`` -> (``alpine:3.20``, ``arm64``);
    ``ghcr.io/o/tool-arm64:2`` -> (``ghcr.io/o/tool:2``, ``arm64``). None when it names no arch
    (or is pinned by digest, which names one manifest)."""
    if "${" in ref or "{{" in ref:
        return None
    name, tag, digest = split_image(ref)
    if digest:
        return None
    parts = name.split("/")
    if tag is not None:
        if arch_of(tag):
            return name, arch_of(tag) or ""
        stripped = strip_arch_token(tag)
        if stripped is not None:
            return f"{name}:{stripped[0]}", stripped[1]
    if len(parts) >= 2 and parts[-2] in ARCH_NAMESPACES and (len(parts) == 2 or parts[0] in ("docker.io",
                                                                                             "index.docker.io")):
        arch = {"arm64v8": "arm64", "arm32v7": "arm/v7", "arm32v6": "arm/v6", "arm32v5": "arm/v5",
                "i386": "386"}.get(parts[-2], parts[-2])
        rest = "/".join(parts[:-2] + parts[-1:])
        return (f"{rest}:{tag}" if tag is not None else rest), arch
    stripped = strip_arch_token(parts[-1])
    if stripped is not None:
        new_name = "/".join([*parts[:-1], stripped[0]])
        return (f"{new_name}:{tag}" if tag is not None else new_name), stripped[1]
    return None


def normalize_ref(ref: str) -> str:
    """A reference in one canonical spelling, for comparisons (``docker.io/library/x:latest`` == ``x``)."""
    name, tag, digest = split_image(ref.strip())
    for prefix in ("docker.io/", "index.docker.io/", "registry-1.docker.io/"):
        if name.startswith(prefix):
            name = name[len(prefix) :]
    if name.startswith("library/"):
        name = name[len("library/") :]
    out = f"{name}:{tag or 'latest'}"
    return f"{out}@{digest}" if digest else out


# Docker Hub official images that are published for (at least) amd64 and arm64. A curated list: an
# unqualified name such as ``demo:v1`` is also "library/demo" to Docker, but says nothing about platforms.
OFFICIAL_MULTIARCH = frozenset({
    "alpine", "debian", "ubuntu", "busybox", "fedora", "rockylinux", "almalinux", "amazonlinux", "archlinux",
    "postgres", "mysql", "mariadb", "mongo", "redis", "memcached", "rabbitmq", "cassandra", "couchdb",
    "influxdb", "neo4j", "nats", "zookeeper", "solr", "elasticsearch", "kibana", "logstash",
    "nginx", "httpd", "caddy", "traefik", "haproxy", "tomcat", "jetty", "registry", "vault", "consul",
    "node", "python", "golang", "rust", "ruby", "php", "perl", "eclipse-temurin", "amazoncorretto", "openjdk",
    "maven", "gradle", "erlang", "elixir", "haskell", "julia", "swift", "buildpack-deps", "docker",
    "wordpress", "nextcloud", "ghost", "drupal", "joomla", "mediawiki", "adminer", "phpmyadmin", "sonarqube",
})


def is_official_library_image(ref: str) -> bool:
    """A Docker Hub official image known to be multi-arch (``postgres:16``, ``docker.io/library/redis``)."""
    name, _tag, _digest = split_image(ref.strip())
    for prefix in ("docker.io/library/", "index.docker.io/library/", "library/", "docker.io/"):
        if name.startswith(prefix):
            name = name[len(prefix) :]
            break
    return name in OFFICIAL_MULTIARCH
