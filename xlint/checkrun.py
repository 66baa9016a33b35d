"""``xlint check``: the command itself, without click.

:mod:`xlint.cli` declares the command's options with click and calls :func:`check_command`. A plain check
(``xlint check [OPTIONS] FILES``, what editors, pre-commit and CI run) does not import click at all:
:func:`parse_argv` reads its arguments the way click would, and gives up (None: the run goes to click) on
anything else: an unknown or malformed option, a value click would refuse, ``--help``. Both ways run the
same function with the same values; ``tests/test_checkrun.py`` compares them.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from xlint.checkargs import OPTIONS
from xlint.config import Config, ConfigError, config_in, load_file, resolved_parent
from xlint.diagnostics import SEVERITY_RANK, Diagnostic
from xlint.errors import EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, InputError
from xlint.records import field, record, replace
from xlint.rule import PROJECT_WITHOUT_YAML, CheckOptions, Rule, rules_for, select_codes

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from xlint.cache import ResultCache
    from xlint.contextfiles import Dep



def write_stdout(text: str) -> None:
    """Print the report as ``click.echo`` would: escape sequences (colours, or bytes of a Dockerfile) go
    through click, which strips them when stdout is not a terminal."""
    if "\x1b" in text:
        import click

        click.echo(text, nl=False)
        return
    sys.stdout.write(text)
    sys.stdout.flush()


def _split(values: tuple[str, ...]) -> list[str]:
    return [p.strip() for v in values for p in v.split(",") if p.strip()]


def _check_platforms(values: list[str], what: str) -> None:
    from xlint.expand import platform_error

    for v in values:
        problem = platform_error(v)
        if problem is not None:
            raise InputError(f"{what}: {problem}")


@record
class Selection:
    select: list[str] | None
    ignore: list[str]
    platforms: list[str] | None
    build_platform: str | None
    config: Config | None  # an explicit --config
    memo: dict[tuple[str, str | None, str | None, bool | None], tuple[CheckOptions, list[str], Config]] = field(
        default_factory=dict, repr=False, compare=False)
    bases: dict[tuple[str, str | None, str | None], tuple[CheckOptions, Config]] = field(
        default_factory=dict, repr=False, compare=False)

    def __getstate__(self) -> dict[str, object]:
        """Sent to a worker with each file: without the answers kept for the run (they grow with it)."""
        return {**self.__dict__, "memo": {}, "bases": {}}


def _options(path: str, sel: Selection, context: str | None, target: str | None,
             project: bool | None = None) -> tuple[CheckOptions, list[str], Config]:
    """Options, chosen rule codes (``project``: see :func:`select_codes`) and config for one file; no rule
    module is imported. Answers are kept for the run."""
    key = (path, context, target, project)
    known = sel.memo.get(key)
    if known is None:
        known = sel.memo[key] = _options_of(path, sel, context, target, project)
    return known


def _options_of(path: str, sel: Selection, context: str | None, target: str | None,
                project: bool | None) -> tuple[CheckOptions, list[str], Config]:
    base = sel.bases.get((path, context, target))
    if base is not None:  # the same file, other rules
        opts, cfg = base
    else:
        folder = Path.cwd() if path == "-" else resolved_parent(path)
        try:
            cfg = sel.config or config_in(folder)
        except ConfigError as exc:
            raise InputError(str(exc)) from None
        platforms = sel.platforms or cfg.platforms or list(CheckOptions().platforms)
        opts = CheckOptions(
            platforms=tuple(platforms),
            build_platform=sel.build_platform or cfg.build_platform,
            target=target,
            context=Path(context) if context else folder,
        )
        sel.bases[(path, context, target)] = (opts, cfg)
    codes = select_codes(sel.select or cfg.select, sel.ignore + cfg.ignore + cfg.ignores_for(path), project)
    return opts, codes, cfg


def file_rules(path: str, sel: Selection, context: str | None, target: str | None,
             project: bool | None = None) -> tuple[CheckOptions, list[type[Rule]], Config]:
    """Options, rules (``project``: see :func:`select_rules`) and config for one file."""
    opts, codes, cfg = _options(path, sel, context, target, project)
    return opts, rules_for(codes), cfg


def read_input(path: str) -> tuple[str, bytes]:
    if path == "-":
        return "-", sys.stdin.buffer.read()
    try:
        with open(path, "rb") as fh:
            return path, fh.read()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file or directory") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory") from None
    except PermissionError:
        raise InputError(f"{path}: permission denied") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror}") from None


def input_files(paths: tuple[str, ...]) -> list[str]:
    from xlint.files import discover

    for p in paths:
        if p != "-" and not Path(p).exists():
            raise InputError(f"{p}: no such file or directory")
    return list(discover(list(paths) or ["."]))


def make_selection(select: tuple[str, ...], ignore: tuple[str, ...], platform: tuple[str, ...],
               build_platform: str | None, config: str | None) -> Selection:
    plats = _split(platform) or None
    if plats:
        _check_platforms(plats, "--platform")
    if build_platform:
        _check_platforms([build_platform], "--build-platform")
    cfg = None
    if config:
        if not Path(config).is_file():
            raise InputError(f"{config}: no such config file")
        try:
            cfg = load_file(Path(config))
        except ConfigError as exc:
            raise InputError(str(exc)) from None
    from xlint.rule import rule_index

    sel = _split(select) or None
    ign = _split(ignore)
    index = rule_index()
    for code in (sel or []) + ign:
        if code.upper() != "ALL" and not any(e.code.startswith(code.upper()) or e.name == code.lower()
                                             for e in index):
            raise InputError(f"unknown rule code or prefix '{code}' (see `xlint rules`)")
    return Selection(sel, ign, plats, build_platform, cfg)



PARALLEL_MIN_FILES = 48


def _workers(n_files: int) -> int:
    """Processes for checking ``n_files``: one for small runs (start-up costs more than it saves);
    ``$XLINT_JOBS`` sets the most (1: all in this process)."""
    most = os.environ.get("XLINT_JOBS", "")
    if most.isdigit() and int(most) >= 1:
        return min(int(most), n_files) if n_files >= PARALLEL_MIN_FILES else 1
    if n_files < PARALLEL_MIN_FILES:
        return 1
    return max(1, min(os.cpu_count() or 1, n_files // PARALLEL_MIN_FILES * 2, 8))


Job = tuple[str, bytes, str, Selection, "str | None", "str | None"]  # display, data, path, selection, context, target


def _check_file_job(job: Job) -> tuple[list[Diagnostic], list[Dep]]:
    """Check one file (in a worker process, or in this one): its findings and the context files the
    rules read (for the cache). Registry lookups (XL302) are made by the caller's resolver."""
    from xlint.checker import check_text
    from xlint.contextfiles import recording

    display, data, path, sel, context, target = job
    opts, rules, _cfg = file_rules(path, sel, context, target, project=False)
    with recording() as deps:
        found = check_text(data, display, opts, rules)
    return found, deps


def _preload(codes: list[str] | None = None, recipes: bool = False) -> None:
    """Import the checker and the rules (``codes``, default: every Dockerfile rule) and load the shell
    grammar, with the garbage collector paused (imports make many objects and no garbage); what is loaded
    is then frozen (kept out of later collections; forked children share it instead of copying it).
    ``recipes``: the fix recipes too (a rule imports them at its first finding: before forking, once,
    rather than in every child)."""
    import gc

    gc.disable()
    try:
        import xlint.checker  # noqa: F401
        from xlint.shell import _parser

        _parser()
        rules_for(select_codes(None, None, project=False) if codes is None else codes)
        if recipes:
            from xlint.fixes.emulated import load_recipes

            load_recipes()
    finally:
        from xlint.rx import save

        save()  # (the patterns compiled by the imports, for the next run)
        gc.freeze()
        # checking makes objects by the ten thousand and little cyclic garbage: collect the young generation
        # every 50,000 allocations instead of 700 (a tenth of a one-file check's time went to collections)
        gc.set_threshold(50_000, *gc.get_threshold()[1:])
        gc.enable()


ProjectResult = tuple[list[Diagnostic], dict[str, str]]


_QUEUE_MOST = 4_000  # job numbers (4 bytes each) that surely fit in a pipe's buffer (64 KiB on Linux, 16 on macOS)


_SENT = b"\0xlint: all sent\0"  # what a child writes after its findings: they came whole
_UNREAPED: list[int] = []  # children whose findings came whole, not yet waited for (reap_children)


def reap_children() -> None:
    """Wait for the children :func:`_forked` left running (they had sent everything and were exiting)."""
    while _UNREAPED:
        try:
            os.waitpid(_UNREAPED.pop(), 0)
        except ChildProcessError:
            pass


def _forked(jobs: list[Job], processes: int, meanwhile: Callable[[], ProjectResult] | None = None,
            wait: bool = True) -> tuple[list[tuple[list[Diagnostic], list[Dep]]], ProjectResult | None]:
    """Check ``jobs`` in ``processes`` processes: this one and forked children, results sent back through
    a pipe. Cheaper to start than a process pool (no multiprocessing, no threads). The jobs are handed out
    through another pipe, filled before forking with their numbers, largest file first: each process
    reads the next number when it is free (a read of 4 bytes from a pipe takes 4 bytes whole), so no
    process waits while another has a queue. Jobs a failed child took are checked again here (so their
    error is this process's). ``meanwhile`` (the project check) runs here first; its result is returned
    with the findings. ``wait=False``: a child whose findings came whole (they end with ``_SENT``) is
    waited for later, by :func:`reap_children` (its exit then overlaps this process's report)."""
    import marshal

    from xlint.cache import diagnostic, diagnostic_row

    _preload(recipes=True)
    order = sorted(range(len(jobs)), key=lambda i: -len(jobs[i][1]))
    rest = order[_QUEUE_MOST:]  # (beyond what the pipe holds: each process takes every n-th of these)
    queue_r, queue_w = os.pipe()
    os.write(queue_w, b"".join(i.to_bytes(4, "little") for i in order[:_QUEUE_MOST]))
    os.close(queue_w)

    def taken(share_of_rest: list[int]) -> Iterator[int]:
        while len(number := os.read(queue_r, 4)) == 4:
            yield int.from_bytes(number, "little")
        yield from share_of_rest

    children: list[tuple[int, int]] = []
    for k in range(1, processes):
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: check what it takes, send it, leave without running any exit handler
            status = 1
            try:
                os.close(read_fd)
                found = [(i, *_check_file_job(jobs[i])) for i in taken(rest[k::processes])]
                if any(d.extra for _i, diags, _deps in found for d in diags):
                    raise ValueError("findings with fix plans are not data")  # (checked again by the parent)
                data = marshal.dumps([(i, [diagnostic_row(d) for d in diags], [tuple(d) for d in deps])
                                      for i, diags, deps in found])
                with os.fdopen(write_fd, "wb") as fh:
                    fh.write(data + _SENT)
                status = 0
            finally:
                os._exit(status)
        os.close(write_fd)
        children.append((pid, read_fd))
    out: dict[int, tuple[list[Diagnostic], list[Dep]]] = {}
    try:
        extra = meanwhile() if meanwhile is not None else None
        out.update((i, _check_file_job(jobs[i])) for i in taken(rest[0::processes]))
    finally:  # (also when this process failed: no child is left behind)
        os.close(queue_r)
        sent: list[bytes | None] = []
        for pid, read_fd in children:
            with os.fdopen(read_fd, "rb") as pipe:
                data = pipe.read()
            whole = data.endswith(_SENT)
            if whole and not wait:
                _UNREAPED.append(pid)
            elif os.waitpid(pid, 0)[1] != 0:
                whole = False
            sent.append(data[: -len(_SENT)] if whole else None)
    for findings in sent:
        if findings is not None:
            out.update((i, ([diagnostic(r) for r in rows], list(deps))) for i, rows, deps in marshal.loads(findings))
    out.update((i, _check_file_job(jobs[i])) for i in range(len(jobs)) if i not in out)  # a failed child's
    return [out[i] for i in range(len(jobs))], extra


class _Resolvers:
    """The run's registry resolver (XL302), made (and its module imported) only when a file asks."""

    def __init__(self, flag: bool | None, offline: bool) -> None:
        self.flag = flag
        self.offline = offline
        self.run: Any = None

    def for_file(self, config_resolve: bool) -> object | None:
        wanted = self.flag if self.flag is not None else (config_resolve or self.offline)
        if not wanted:
            return None
        if self.run is None:
            from xlint.workloads.resolve import RunResolvers

            self.run = RunResolvers(self.flag, self.offline)
        return self.run.for_file(config_resolve)

    def using(self, config_resolve: bool) -> contextlib.AbstractContextManager[object]:
        resolver = self.for_file(config_resolve)
        if resolver is None:
            return contextlib.nullcontext()
        from xlint.resolver import using

        return using(resolver)  # type: ignore[arg-type]


def _open_cache(no_cache: bool, cache_dir: str | None) -> ResultCache | None:
    if no_cache:
        return None
    from xlint.cache import ResultCache, default_dir

    return ResultCache(Path(cache_dir) if cache_dir else default_dir())


def _check(paths: tuple[str, ...], select: tuple[str, ...], ignore: tuple[str, ...], platform: tuple[str, ...],
           build_platform: str | None, target: str | None, context: str | None, config: str | None, fmt: str,
           output: str | None, failure_threshold: str | None, exit_zero: bool, stdin_filename: str | None,
           color: bool | None, resolve: bool | None, offline: bool, no_cache: bool,
           cache_dir: str | None) -> tuple[int, str | None, ResultCache | None]:
    """``xlint check``: the exit code, the text printed to stdout (None: written to --output, or not to be
    stored) and the results cache used."""
    from xlint.contextfiles import note_read
    from xlint.contextfiles import resolve as resolve_path
    from xlint.report import render
    from xlint.workloads import cli as project_cli
    sel = make_selection(select, ignore, platform, build_platform, config)
    cache = _open_cache(no_cache, cache_dir)
    diags: list[Diagnostic] = []
    sources: dict[str, str] = {}
    parse_failed = False
    threshold = failure_threshold
    resolvers = _Resolvers(resolve, offline)
    dockerfiles, _explicit_yaml = project_cli.partition(input_files(paths))
    # read every file and answer what the cache knows; the rest is checked below
    jobs: list[Job] = []
    keys: list[str | None] = []
    found: list[list[Diagnostic] | None] = []
    resolving: list[bool] = []
    digests: dict[str, str] = {}
    for path in dockerfiles:
        display, data = read_input(path)
        if path == "-" and stdin_filename:
            display = stdin_filename
        elif path != "-" and cache is not None:  # (what the stored run depends on: no cache, no stored run)
            note_read(os.path.abspath(path), data)
            resolve_path(path)  # (its config and default context are those of the folder it is in)
        opts, codes, cfg = _options(path, sel, context, target, project=False)
        threshold = threshold or cfg.failure_threshold
        sources[display] = data.decode("utf-8", "surrogateescape")
        jobs.append((display, data, path, sel, context, target))
        resolving.append(resolvers.for_file(cfg.resolve) is not None)
        key = None
        if cache is not None and not resolving[-1]:  # registry answers change: never cached
            digests[path] = cache.content_digest(data)
            key = cache.key("dockerfile", display, digests[path], opts.platforms, opts.build_platform, opts.target,
                            str(opts.context), tuple(codes), cache.config_digest(cfg.path))
        keys.append(key)
        found.append(cache.get(key) if cache is not None and key is not None else None)
    todo = [i for i, f in enumerate(found) if f is None]
    if cache is not None and todo and any(keys[i] is not None for i in todo):
        cache.prepare()  # before the checks: a build context that holds the cache lists it from the first run on
    parallel = _workers(len(todo)) if "-" not in dockerfiles else 1
    if parallel > 1 and any(resolving[i] for i in todo):
        parallel = 1  # registry lookups (XL302) share one resolver and its cache: stay in this process
    yamls = project_cli.yaml_files(list(paths) or ["."])
    project: ProjectResult | None = None

    def project_check() -> ProjectResult:
        return _project_check(project_cli, dockerfiles, yamls, sel, context, target, sources,
                              cache if not any(resolving) else None, digests)

    if parallel > 1:
        done, project = _forked([jobs[i] for i in todo], parallel,
                                project_check if yamls or len(dockerfiles) > 1 else None, wait=False)
    else:
        if todo:
            _preload(_options(jobs[todo[0]][2], sel, context, target, project=False)[1])
        done = []
        for i in todo:
            with resolvers.using(_options(jobs[i][2], sel, context, target)[2].resolve):
                done.append(_check_file_job(jobs[i]))
    for i, (diags_i, deps) in zip(todo, done, strict=True):
        found[i] = diags_i
        key = keys[i]
        if cache is not None and key is not None:
            cache.put(key, diags_i, deps)
    for file_found in found:
        assert file_found is not None
        parse_failed |= any(d.code == "XL901" for d in file_found)
        diags.extend(file_found)
    if yamls or len(dockerfiles) > 1:
        project_diags, yaml_texts = project if project is not None else project_check()
        sources.update(yaml_texts)
        parse_failed |= any(d.code == "XL901" for d in project_diags)
        diags.extend(project_diags)
        for y in yamls:
            threshold = threshold or _options(y, sel, context, target)[2].failure_threshold
    colour = color if color is not None else (
        output is None and fmt == "text" and sys.stdout.isatty() and not os.environ.get("NO_COLOR"))
    text = render(fmt, diags, sources, colour=colour)
    if output:
        from xlint.files import write_new_or_replace

        try:
            write_new_or_replace(output, text.encode("utf-8"))
        except OSError as exc:
            raise InputError(f"{output}: cannot write: {exc.strerror or exc}") from None
    else:
        write_stdout(text)
    stored = text if output is None and "-" not in dockerfiles and not any(resolving) else None
    from xlint.rx import save

    save()  # (patterns of modules imported by the checks, for the next run)
    if parse_failed:
        return EXIT_ERROR, stored, cache
    rank = SEVERITY_RANK[threshold or "info"]
    failing = [d for d in diags if SEVERITY_RANK[d.severity] >= rank]
    return EXIT_FINDINGS if failing and not exit_zero else EXIT_CLEAN, stored, cache


def _project_check(project_cli: Any, dockerfiles: list[str], yamls: list[str], sel: Selection,
                   context: str | None, target: str | None, sources: dict[str, str], cache: ResultCache | None,
                   digests: dict[str, str]) -> tuple[list[Diagnostic], dict[str, str]]:
    """The project rules (XL4xx) over the YAML files and the Dockerfiles of the run, answered from the
    cache when no file, option or rule changed. Returns the findings (YAML load errors first) and the
    YAML texts."""
    from xlint.contextfiles import recording

    key = None
    if cache is not None and "-" not in dockerfiles:
        yaml_data = {y: read_input(y)[1] for y in yamls}
        parts: list[object] = ["project"]
        for p in [*yamls, *dockerfiles]:
            opts, codes, cfg = _options(p, sel, context, target, project=True)
            digest = digests.get(p) or cache.content_digest(yaml_data[p] if p in yaml_data else read_input(p)[1])
            parts.append((p, digest, opts.platforms, opts.build_platform, opts.target, str(opts.context),
                          tuple(codes), cache.config_digest(cfg.path)))
        key = cache.key(*parts)
    cached = cache.get(key) if cache is not None and key is not None else None
    if cached is not None:
        return cached, {y: project_cli.read_text(y) for y in yamls}
    def project_rules(p: str) -> tuple[CheckOptions, list[type[Rule]]]:
        opts, codes, _cfg = _options(p, sel, context, target, project=True)
        if not yamls:  # the YAML rules have nothing to read: not even imported
            codes = [c for c in codes if c in PROJECT_WITHOUT_YAML]
        return opts, rules_for(codes)

    with recording() as deps:
        run = project_cli.check_paths(dockerfiles, yamls, project_rules,
                                      {p: sources[p] for p in dockerfiles if p in sources})
    out = run.errors + run.diagnostics
    if cache is not None and key is not None:
        cache.put(key, [replace(d, extra={}) for d in out], deps)  # fix plans are for `xlint fix` only
    return out, run.sources


def check_command(paths: tuple[str, ...] = (), select: tuple[str, ...] = (), ignore: tuple[str, ...] = (),
                  platform: tuple[str, ...] = (), build_platform: str | None = None, target: str | None = None,
                  context: str | None = None, config: str | None = None, fmt: str = "text",
                  output: str | None = None, failure_threshold: str | None = None, exit_zero: bool = False,
                  stdin_filename: str | None = None, color: bool | None = None, resolve: bool | None = None,
                  offline: bool = False, no_cache: bool = False, cache_dir: str | None = None) -> int:
    """``xlint check``: check, print, store the run for :mod:`xlint.runcache`; the exit code."""
    from xlint import runcache
    from xlint.contextfiles import recording

    planned, runcache.PENDING = runcache.PENDING, None
    try:
        with recording() as reads:  # what the output depends on, for the run's own entry (xlint.runcache)
            code, text, cache = _check(paths, select, ignore, platform, build_platform, target, context, config,
                                       fmt, output, failure_threshold, exit_zero, stdin_filename, color, resolve,
                                       offline, no_cache, cache_dir)
        if planned is not None and cache is not None and cache.complete and text is not None:
            runcache.store(planned, str(cache.folder), text, code, reads + cache.used)
    finally:
        reap_children()  # (after the report: the workers' exits overlap it)
    return code




def _path_ok(value: str, refused: str) -> bool:
    """What click.Path(file_okay=False / dir_okay=False) accepts without an error: a missing path, or an
    existing readable one of the other kind."""
    try:
        st = os.stat(value)
    except OSError:
        return True
    import stat

    kind_ok = not stat.S_ISREG(st.st_mode) if refused == "file" else not stat.S_ISDIR(st.st_mode)
    return kind_ok and os.access(value, os.R_OK)


def parse_argv(argv: list[str]) -> dict[str, Any] | None:
    """The parameters of :func:`check_command` for ``argv`` (``check ...``), as click would give them; None
    for anything that is not a plain, valid check (click then runs it, and reports what is wrong)."""
    if not argv or argv[0] != "check":
        return None
    params: dict[str, Any] = {}
    multi: dict[str, list[str]] = {}
    paths: list[str] = []
    i = 1
    while i < len(argv):
        arg = argv[i]
        i += 1
        if arg == "--":
            paths.extend(argv[i:])
            break
        if arg == "-" or not arg.startswith("-"):
            paths.append(arg)
            continue
        name, eq, value = arg.partition("=") if arg.startswith("--") else (arg, "", "")
        known = OPTIONS.get(name)
        if known is None:
            return None  # --help, --unknown, -oFILE, ...
        param, kind = known
        if isinstance(kind, bool):
            if eq:
                return None  # (click: "option does not take a value")
            params[param] = kind
            continue
        if not eq:
            if i >= len(argv):
                return None
            value = argv[i]
            i += 1
        if isinstance(kind, tuple) and value not in kind:
            return None
        if kind in ("file", "dir") and not _path_ok(value, str(kind)):
            return None
        if kind == "multi":
            multi.setdefault(param, []).append(value)
        else:
            params[param] = value
    params.update((k, tuple(v)) for k, v in multi.items())
    params["paths"] = tuple(paths)
    return params


def run_argv(params: dict[str, Any]) -> None:
    """Run :func:`check_command` with ``params`` (from :func:`parse_argv`) and exit as ``xlint.cli.main``
    would; after a run that wrote its report, at once (``os._exit``: the interpreter's teardown of a
    check's modules and objects took longer than some checks)."""
    try:
        code = check_command(**params)
    except InputError as exc:
        exc.show()
        sys.exit(EXIT_ERROR)
    except (EOFError, KeyboardInterrupt):
        print("\nxlint: aborted", file=sys.stderr)
        sys.exit(EXIT_ERROR)
    except BrokenPipeError:
        sys.exit(EXIT_ERROR)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:
        sys.exit(EXIT_ERROR)
    if os.environ.get("XLINT_FULL_EXIT"):  # (coverage, profilers: their exit handlers run)
        sys.exit(code)
    os._exit(code)  # the report is out: skip tearing down every module and a last full collection
