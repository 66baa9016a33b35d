"""SARIF output validates against the SARIF 2.1.0 JSON schema (fetched from the npm registry)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tarfile
from pathlib import Path

import jsonschema
import pytest

from xlint.checker import check_text
from xlint.report import render_sarif
from xlint.rule import rule_by_code

SCHEMA_PACKAGE = "@microsoft/jest-sarif@1.0.0-beta.0"
SCHEMA_MEMBER = "package/lib/schemas/sarif-2.1.0-rtm.5.json"


@pytest.fixture(scope="session")
def sarif_schema(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    cache = Path(os.environ.get("XLINT_TEST_CACHE", Path.home() / ".cache" / "xlint-tests"))
    schema_file = cache / "sarif-2.1.0-rtm.5.json"
    if not schema_file.exists():
        npm = shutil.which("npm")
        if npm is None:
            if os.environ.get("CI"):
                pytest.fail("npm is needed to fetch the SARIF schema")
            pytest.skip("npm not installed: cannot fetch the SARIF 2.1.0 schema (CI fetches it)")
        work = tmp_path_factory.mktemp("npm")
        subprocess.run([npm, "pack", SCHEMA_PACKAGE, "-q"], cwd=work, check=True, capture_output=True, timeout=300)
        (tgz,) = work.glob("*.tgz")
        with tarfile.open(tgz) as tf:
            member = tf.extractfile(SCHEMA_MEMBER)
            assert member is not None
            data = member.read()
        cache.mkdir(parents=True, exist_ok=True)
        schema_file.write_bytes(data)
    loaded: dict[str, object] = json.loads(schema_file.read_text(encoding="utf-8-sig"))
    return loaded


def test_sarif_validates(sarif_schema: dict[str, object], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    text = "FROM --platform=$BUILDPLATFORM golang AS build\nRUN GOARCH=$TARGETARCH go build .\n"
    diags = check_text(text, "svc/Dockerfile", rules=[rule_by_code("XL201")])  # type: ignore[list-item]
    assert [d.code for d in diags] == ["XL201"]
    doc = json.loads(render_sarif(diags, {"svc/Dockerfile": text}))
    jsonschema.validate(doc, sarif_schema)
    run = doc["runs"][0]
    ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    result = run["results"][0]
    assert ids[result["ruleIndex"]] == result["ruleId"] == "XL201"
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "svc/Dockerfile"
    # fingerprints are stable across runs and differ between findings
    again = json.loads(render_sarif(diags, {"svc/Dockerfile": text}))
    assert again["runs"][0]["results"][0]["partialFingerprints"] == result["partialFingerprints"]


def test_sarif_without_findings_validates(sarif_schema: dict[str, object]) -> None:
    doc = json.loads(render_sarif([], {}))
    jsonschema.validate(doc, sarif_schema)
    assert doc["runs"][0]["results"] == []
