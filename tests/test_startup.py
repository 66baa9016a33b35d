"""Start-up: the rule index agrees with the rule classes, and a Dockerfile check imports only what it
needs (no YAML library, no libcst, no build or verify code, no project rules)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from xlint.rule import all_rules, rule_index, select_codes, select_rules
from xlint.workloads.project import rule_kind

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("ruamel", "libcst", "xlint.build", "xlint.verify", "xlint.buildcmd", "xlint.verifycmd",
         "xlint.workloads.project", "xlint.workloads.kube", "xlint.lsp", "xlint.reportcmd", "pygls", "lsprotocol")


def test_index_matches_the_rule_classes() -> None:
    """A rule module's file name gives its code and name (``xl201_undeclared_platform_arg``): keep it so."""
    rules = all_rules()
    index = rule_index()
    assert [e.code for e in index] == [r.code for r in rules]
    for entry, rule in zip(index, rules, strict=True):
        assert entry.name == rule.name, f"{rule.code}: module {entry.module} does not spell the rule name"
        assert rule.__module__ == f"xlint.rules.{entry.module}"
        assert entry.project == (rule_kind(rule) in ("yaml", "project")), rule.code


def test_select_codes_same_as_selecting_classes() -> None:
    for select, ignore in [(None, None), (["XL2"], None), (["XL1", "hardcoded-arch"], ["XL101"]),
                           (["ALL"], ["XL4"]), (None, ["XL2", "XL301"]), (["xl20"], None)]:
        want = [r.code for r in all_rules()
                if (select is None or any(r.code.startswith(p.upper()) or r.name.upper() == p.upper()
                                          or p.upper() == "ALL" for p in select))
                and not any(r.code.startswith(p.upper()) or r.name.upper() == p.upper() or p.upper() == "ALL"
                            for p in ignore or [])]
        assert select_codes(select, ignore) == want
        assert [r.code for r in select_rules(select, ignore)] == want
        assert [r.code for r in select_rules(select, ignore, project=False)] == [c for c in want if c[:3] != "XL4"]
        assert [r.code for r in select_rules(select, ignore, project=True)] == [c for c in want if c[:3] == "XL4"]


_SHOW_MODULES = (
    "import atexit, sys\n"
    "atexit.register(lambda: print('MODULES', ' '.join(sorted(sys.modules)), file=sys.stderr))\n"
    "from xlint.cli import main\n"
    "main(sys.argv[1:])\n"
)


def _imported(*args: str, cwd: Path) -> set[str]:
    """The modules loaded by one ``xlint`` run (``python -X importtime -m xlint ...`` shows the same)."""
    r = subprocess.run([sys.executable, "-c", _SHOW_MODULES, *args], cwd=cwd, capture_output=True, text=True,
                       timeout=120)
    assert r.returncode in (0, 1), r.stderr[-2000:]
    line = next(x for x in r.stderr.splitlines() if x.startswith("MODULES "))
    return set(line.split()[1:])


def test_one_dockerfile_imports_no_heavy_module(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM golang:1.22 AS b\nRUN go build -o /app .\nFROM alpine\n"
                                         "COPY --from=b /app /app\n")
    mods = _imported("check", "--no-cache", "Dockerfile", cwd=tmp_path)
    assert "xlint.checker" in mods and "xlint.rules.xl101_go_compile_emulated" in mods  # it did check
    assert not [m for m in mods if m.startswith(HEAVY) or m.startswith("xlint.rules.xl4")]
    assert "tree_sitter_bash" not in mods  # its __init__ (importlib.resources) is skipped; its binding is not


def test_dockerfiles_without_yaml_import_no_yaml_library(tmp_path: Path) -> None:
    """Several Dockerfiles run the project rules too (XL405), but without YAML files no YAML code."""
    (tmp_path / "Dockerfile.amd64").write_text("FROM alpine\nRUN wget https://example.com/tool-amd64.tgz\n")
    (tmp_path / "Dockerfile.arm64").write_text("FROM alpine\nRUN wget https://example.com/tool-arm64.tgz\n")
    r = subprocess.run([sys.executable, "-c", _SHOW_MODULES, "check", "--no-cache", "--select", "XL405", "."],
                       cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert "XL405" in r.stdout, r.stdout + r.stderr
    mods = set(next(x for x in r.stderr.splitlines() if x.startswith("MODULES ")).split()[1:])
    assert "xlint.rules.xl405_per_arch_dockerfiles" in mods
    assert not [m for m in mods if m.startswith(("ruamel", "xlint.workloads.kube", "xlint.workloads.yamldocs"))]


def test_project_rules_that_need_no_yaml() -> None:
    from xlint.rule import PROJECT_WITHOUT_YAML

    for rule in all_rules():
        if rule.code.startswith("XL4"):
            assert (rule.code in PROJECT_WITHOUT_YAML) == (rule_kind(rule) == "project"), rule.code


def test_explain_and_build_still_load_what_they_need(tmp_path: Path) -> None:
    mods = _imported("explain", "XL401", cwd=tmp_path)
    assert "xlint.rules.xl401_per_arch_workloads" in mods
