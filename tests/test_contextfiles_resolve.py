"""contextfiles.resolve (and config.resolved_parent, which shares its folder memo) resolves each folder
of a run once: it must still give what ``Path.resolve()`` gives, symbolic links (of the file or of a
folder), ``..`` and relative paths included."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from xlint import contextfiles
from xlint.config import resolved_parent


@pytest.fixture()
def tree(tmp_path: Path) -> Path:
    (tmp_path / "real" / "sub").mkdir(parents=True)
    (tmp_path / "real" / "sub" / "Dockerfile").write_text("FROM scratch\n")
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "Dockerfile").write_text("FROM scratch\n")
    (tmp_path / "linkdir").symlink_to(tmp_path / "real")
    (tmp_path / "real" / "sub" / "linkfile").symlink_to(tmp_path / "other" / "Dockerfile")
    return tmp_path


CASES = ["real/sub/Dockerfile", "linkdir/sub/Dockerfile", "real/sub/linkfile", "linkdir/sub/linkfile",
         "linkdir/../other/Dockerfile", "linkdir/sub/../sub/Dockerfile", "real/sub/missing", "missing/dir/x",
         "real/sub/", "real/sub/.", "", ".", "..", "./real//sub/Dockerfile"]


@pytest.mark.parametrize("rel", CASES)
def test_same_as_path_resolve(tree: Path, rel: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tree)
    contextfiles.forget_folders()
    for _ in range(2):  # the second time from the folders resolved the first time
        assert contextfiles.resolve(rel) == Path(rel).resolve()
        assert contextfiles.resolve(tree / rel) == (tree / rel).resolve()
        if rel and ".." not in rel.split("/"):  # (config's lookup folder, from the same folder memo)
            assert resolved_parent(str(tree / rel)) == (tree / rel).resolve().parent


def test_a_changed_link_is_seen_after_forget_folders(tree: Path) -> None:
    contextfiles.forget_folders()
    assert contextfiles.resolve(tree / "linkdir" / "sub" / "Dockerfile") == tree / "real" / "sub" / "Dockerfile"
    (tree / "linkdir").unlink()
    (tree / "linkdir").symlink_to(tree / "other")
    contextfiles.forget_folders()
    assert contextfiles.resolve(tree / "linkdir" / "sub" / "Dockerfile") == tree / "other" / "sub" / "Dockerfile"
    assert os.path.realpath(tree / "linkdir") == str(tree / "other")
