"""The options of ``xlint check`` as the two readers of its command line without click see them:
:func:`xlint.checkrun.parse_argv` (a plain check) and :func:`xlint.runcache.plan` (a run the cache may
answer). Imports nothing: a warm run reads it before anything else is loaded."""

FORMATS = ("text", "json", "sarif", "github", "junit", "markdown")
THRESHOLDS = ("error", "warning", "info")

# option -> (parameter, kind): kind "multi" (repeatable value), "value", a Choice's values, a click.Path's
# refusals ("file": no file, "dir": no directory), or a flag's value
OPTIONS: dict[str, tuple[str, object]] = {
    "--select": ("select", "multi"), "--ignore": ("ignore", "multi"), "--platform": ("platform", "multi"),
    "--build-platform": ("build_platform", "value"), "--target": ("target", "value"),
    "--context": ("context", "file"), "--config": ("config", "dir"), "--format": ("fmt", FORMATS),
    "--output": ("output", "dir"), "-o": ("output", "dir"), "--failure-threshold": ("failure_threshold", THRESHOLDS),
    "--stdin-filename": ("stdin_filename", "value"), "--cache-dir": ("cache_dir", "file"),
    "--exit-zero": ("exit_zero", True), "--offline": ("offline", True), "--no-cache": ("no_cache", True),
    "--color": ("color", True), "--no-color": ("color", False),
    "--resolve": ("resolve", True), "--no-resolve": ("resolve", False),
}

# options whose run the cache never answers: the output goes elsewhere or is not a function of the files
# read (stdin, a registry lookup, no cache)
UNCACHED = frozenset({"--output", "-o", "--stdin-filename", "--no-cache", "--offline", "--resolve"})
