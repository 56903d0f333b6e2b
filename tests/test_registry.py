"""Entry-point discovery: the same answer as importlib.metadata, without importing it."""

from __future__ import annotations

import sys
import zipfile
from importlib.metadata import entry_points as standard

import pytest

from readycheck.engine.registry import GROUP, entry_points, load_checks


@pytest.mark.parametrize("group", [GROUP, "console_scripts", "pytest11", "no.such.group"])
def test_same_entry_points_as_importlib_metadata(group):
    ours = sorted((e.name, e.value) for e in entry_points(group))
    assert ours == sorted((e.name, e.value) for e in standard(group=group))


def test_first_distribution_of_a_name_wins_comments_and_egg_info(tmp_path, monkeypatch):
    first, second = tmp_path / "first", tmp_path / "second"
    for folder, dist, value in ((first, "Demo_Plugin-2.0.dist-info", "demo_new:Check"),
                                (second, "demo.plugin-1.0.dist-info", "demo_old:Check"),
                                (second, "other-0.1-py3.11.egg-info", "other:Check")):
        (folder / dist).mkdir(parents=True)
        (folder / dist / "entry_points.txt").write_text(
            f"# a comment\n[console_scripts]\nx = y:z\n\n[{GROUP}]\n# another\nDEMO001 = {value}\n")
    monkeypatch.setattr(sys, "path", [str(first), str(second), str(tmp_path / "missing")])
    assert sorted((e.name, e.value) for e in entry_points(GROUP)) == [("DEMO001", "demo_new:Check"),
                                                                      ("DEMO001", "other:Check")]
    assert sorted((e.name, e.value) for e in entry_points(GROUP)) == \
        sorted((e.name, e.value) for e in standard(group=GROUP))


def test_a_zip_on_sys_path_is_left_to_importlib_metadata(tmp_path, monkeypatch):
    archive = tmp_path / "plugins.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("zipped-1.0.dist-info/entry_points.txt", f"[{GROUP}]\nZIP001 = zipped:Check\n")
        zf.writestr("zipped-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: zipped\nVersion: 1.0\n")
    monkeypatch.setattr(sys, "path", [str(archive)])
    assert [(e.name, e.value) for e in entry_points(GROUP)] == [("ZIP001", "zipped:Check")]


def test_a_broken_entry_point_is_a_diagnostic(tmp_path, monkeypatch):
    dist = tmp_path / "broken-1.0.dist-info"
    dist.mkdir()
    (dist / "entry_points.txt").write_text(f"[{GROUP}]\nBAD001 = no_such_module_anywhere:Check\nBAD002 = not a ref\n")
    monkeypatch.setattr(sys, "path", [str(tmp_path), *sys.path])
    checks, problems = load_checks()
    assert checks and {p.path for p in problems} == {"<plugin no_such_module_anywhere:Check>", "<plugin not a ref>"}


def test_loading_the_checks_does_not_import_importlib_metadata():
    # 30 ms of every run, a tenth of a rescan answered from the cache.
    import subprocess

    code = "import sys\nfrom readycheck.engine.registry import load_checks\nassert load_checks()[0]\nprint(sorted(sys.modules))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "'importlib.metadata'" not in loaded and "'email'" not in loaded
