"""The job count comes from the cores this process may use: affinity and cgroup CPU quota
(read from a fake /proc/self and a fake cgroup folder here)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from readycheck.engine import cores
from readycheck.engine.cores import cgroup_cpu_limit, usable_cores


def fake_proc(tmp_path: Path, cgroup: str, mounts: list[str]) -> Path:
    proc = tmp_path / "proc-self"
    proc.mkdir()
    (proc / "cgroup").write_text(cgroup)
    (proc / "mountinfo").write_text("\n".join(mounts) + "\n")
    return proc


def write(folder: Path, **files: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name.replace("_dot_", ".")).write_text(text + "\n")


def v2_mount(point: Path, root: str = "/") -> str:
    return f"35 24 0:30 {root} {point} rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw"


def v1_mount(point: Path, root: str = "/", controllers: str = "cpu,cpuacct") -> str:
    return f"32 31 0:29 {root} {point} rw,relatime - cgroup cgroup rw,{controllers}"


def test_v2_quota_of_the_process_cgroup(tmp_path: Path) -> None:
    fs = tmp_path / "sys-fs-cgroup"
    write(fs / "ci.slice" / "job-7", cpu_dot_max="200000 100000")
    proc = fake_proc(tmp_path, "0::/ci.slice/job-7\n", [v2_mount(fs)])
    assert cgroup_cpu_limit(proc) == 2


def test_v2_fractional_quota_rounds_up(tmp_path: Path) -> None:
    fs = tmp_path / "cg"
    write(fs, cpu_dot_max="150000 100000")
    proc = fake_proc(tmp_path, "0::/\n", [v2_mount(fs)])
    assert cgroup_cpu_limit(proc) == 2
    write(fs, cpu_dot_max="50000 100000")
    assert cgroup_cpu_limit(proc) == 1


def test_v2_no_quota_is_no_limit(tmp_path: Path) -> None:
    fs = tmp_path / "cg"
    write(fs / "a", cpu_dot_max="max 100000")
    proc = fake_proc(tmp_path, "0::/a\n", [v2_mount(fs)])
    assert cgroup_cpu_limit(proc) is None


def test_v2_an_ancestor_quota_caps_the_child(tmp_path: Path) -> None:
    """Kubernetes sets the pod's limit on the pod cgroup, the container's below it."""
    fs = tmp_path / "cg"
    write(fs / "kubepods" / "pod1", cpu_dot_max="300000 100000")
    write(fs / "kubepods" / "pod1" / "ctr", cpu_dot_max="max 100000")
    proc = fake_proc(tmp_path, "0::/kubepods/pod1/ctr\n", [v2_mount(fs)])
    assert cgroup_cpu_limit(proc) == 3


def test_v1_quota_with_the_mount_root_of_a_container(tmp_path: Path) -> None:
    """Docker on cgroup v1: /proc/self/cgroup names the host path, which is the mount's root."""
    cpu = tmp_path / "cg" / "cpu,cpuacct"
    write(cpu, cpu_dot_cfs_quota_us="400000", cpu_dot_cfs_period_us="100000")
    proc = fake_proc(tmp_path, "4:memory:/docker/abc\n3:cpu,cpuacct:/docker/abc\n0::/\n",
                     [v1_mount(cpu, root="/docker/abc")])
    assert cgroup_cpu_limit(proc) == 4


def test_v1_unlimited_quota(tmp_path: Path) -> None:
    cpu = tmp_path / "cpu"
    write(cpu, cpu_dot_cfs_quota_us="-1", cpu_dot_cfs_period_us="100000")
    proc = fake_proc(tmp_path, "1:cpu:/\n", [v1_mount(cpu, controllers="cpu")])
    assert cgroup_cpu_limit(proc) is None


def test_v1_controller_on_another_mount_is_not_read(tmp_path: Path) -> None:
    memory = tmp_path / "memory"
    write(memory, cpu_dot_cfs_quota_us="100000", cpu_dot_cfs_period_us="100000")
    proc = fake_proc(tmp_path, "4:memory:/\n", [v1_mount(memory, controllers="memory")])
    assert cgroup_cpu_limit(proc) is None


def test_mount_point_with_a_space(tmp_path: Path) -> None:
    fs = tmp_path / "with space"
    write(fs, cpu_dot_max="100000 100000")
    escaped = str(fs).replace(" ", "\\040")
    proc = fake_proc(tmp_path, "0::/\n", [f"35 24 0:30 / {escaped} rw - cgroup2 cgroup2 rw"])
    assert cgroup_cpu_limit(proc) == 1


@pytest.mark.parametrize("cgroup, mounts", [
    ("", []),
    ("garbage without colons\n", ["not a mountinfo line"]),
    ("0::/missing\n", ["35 24 0:30 / /nonexistent/readycheck-cg rw - cgroup2 cgroup2 rw"]),
])
def test_unreadable_or_absent_cgroups_are_no_limit(tmp_path: Path, cgroup: str, mounts: list[str]) -> None:
    assert cgroup_cpu_limit(fake_proc(tmp_path, cgroup, mounts)) is None


def test_garbage_quota_file_is_no_limit(tmp_path: Path) -> None:
    fs = tmp_path / "cg"
    write(fs, cpu_dot_max="lots 100000")
    assert cgroup_cpu_limit(fake_proc(tmp_path, "0::/\n", [v2_mount(fs)])) is None


def test_no_proc_at_all(tmp_path: Path) -> None:
    assert cgroup_cpu_limit(tmp_path / "absent") is None


def test_usable_cores_is_the_smaller_of_affinity_and_quota(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(cores, "_affinity_cores", lambda: 8)
    fs = tmp_path / "cg"
    write(fs, cpu_dot_max="200000 100000")
    assert usable_cores(fake_proc(tmp_path, "0::/\n", [v2_mount(fs)])) == 2
    write(fs, cpu_dot_max="max 100000")
    assert usable_cores(tmp_path / "proc-self") == 8


@pytest.mark.skipif(not hasattr(os, "sched_getaffinity"), reason="no affinity masks on this platform")
def test_affinity_counts_the_mask_not_the_machine() -> None:
    assert cores._affinity_cores() == len(os.sched_getaffinity(0))


def test_default_jobs_of_the_command_line_use_usable_cores(tmp_path: Path, monkeypatch) -> None:
    """`readycheck` without -j parses with as many processes as usable_cores() says."""
    import readycheck.cli as cli
    import readycheck.engine.runner as runner

    seen: list[int] = []
    real_scan = runner.scan

    def spy(*args, **kwargs):
        seen.append(kwargs["jobs"])
        return real_scan(*args, **kwargs)

    monkeypatch.setattr(runner, "scan", spy)
    monkeypatch.setattr(cores, "usable_cores", lambda: 3)
    (tmp_path / "app.py").write_text("x = 1\n")
    assert cli.main([str(tmp_path), "--no-cache", "--format", "json", "-o", str(tmp_path / "out.json")]) == 0
    assert seen == [3]
