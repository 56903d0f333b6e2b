"""How many processes a scan may use: the cores this process can actually run on.

``os.cpu_count()`` is the machine's count. A container or a CI runner usually
gets less, in two ways:

* an affinity mask (``taskset``, ``docker --cpuset-cpus``, Kubernetes' static
  CPU manager): ``os.sched_getaffinity`` sees it;
* a CPU quota (``docker --cpus 2``, Kubernetes ``limits.cpu``, most hosted CI):
  the process may run on every core of the host, but only for so much time per
  period. Only the cgroup says so: ``cpu.max`` (cgroup v2) or
  ``cpu.cfs_quota_us`` / ``cpu.cfs_period_us`` (v1), in this process's cgroup
  or any cgroup above it.

A scan that starts one parse worker per host core under a two-core quota starts
dozens of processes that then take turns on two cores: each costs its start-up
and its memory, and the quota throttles all of them. The quota is rounded up to
whole cores (1.5 cores: two processes; the main process parses too).
"""

from __future__ import annotations

import math
import os
import re
from pathlib import Path
from typing import Callable

PROC_SELF = Path("/proc/self")


def usable_cores(proc_self: Path = PROC_SELF) -> int:
    """The cores this process may use: its affinity mask, capped by its cgroups' CPU quota."""
    cores = _affinity_cores()
    limit = cgroup_cpu_limit(proc_self)
    if limit is not None:
        cores = min(cores, limit)
    return max(1, cores)


def _affinity_cores() -> int:
    process_cpu_count = getattr(os, "process_cpu_count", None)  # Python 3.13: also honours -X cpu_count
    if process_cpu_count is not None:
        return process_cpu_count() or 1
    if hasattr(os, "sched_getaffinity"):
        try:
            return len(os.sched_getaffinity(0)) or 1
        except OSError:
            pass
    return os.cpu_count() or 1


def cgroup_cpu_limit(proc_self: Path = PROC_SELF) -> int | None:
    """Whole cores allowed by the CPU quota of this process's cgroups (v2 and v1), the
    smallest along each cgroup's path up to its hierarchy's root; None when there is
    no quota or no cgroup file to read (not Linux, no /proc, a quota of "max")."""
    try:
        memberships = (proc_self / "cgroup").read_text(encoding="utf-8", errors="replace")
        mounts = (proc_self / "mountinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    mount_table = _cgroup_mounts(mounts)
    limits: list[int] = []
    for line in memberships.splitlines():
        hierarchy, _, rest = line.partition(":")
        controllers, _, path = rest.partition(":")
        if not path.startswith("/"):
            continue
        if hierarchy == "0" and controllers == "":
            found = _limit_along(mount_table.get("cgroup2", []), path, _v2_limit)
        elif "cpu" in controllers.split(","):
            found = _limit_along(mount_table.get("cpu", []), path, _v1_limit)
        else:
            continue
        if found is not None:
            limits.append(found)
    return min(limits) if limits else None


def _cgroup_mounts(mountinfo: str) -> dict[str, list[tuple[str, Path]]]:
    """(root inside the hierarchy, mount point) of the cgroup2 mounts ("cgroup2") and of
    the v1 mounts that carry the cpu controller ("cpu"), from ``/proc/self/mountinfo``."""
    table: dict[str, list[tuple[str, Path]]] = {}
    for line in mountinfo.splitlines():
        before, separator, after = line.partition(" - ")
        fields, described = before.split(), after.split()
        if not separator or len(fields) < 5 or len(described) < 1:
            continue
        root, mount_point = _unescape(fields[3]), Path(_unescape(fields[4]))
        if described[0] == "cgroup2":
            table.setdefault("cgroup2", []).append((root, mount_point))
        elif described[0] == "cgroup" and len(described) >= 3 and "cpu" in described[2].split(","):
            table.setdefault("cpu", []).append((root, mount_point))
    return table


_ESCAPE = re.compile(r"\\([0-7]{3})")


def _unescape(field: str) -> str:
    """mountinfo writes a space in a path as \\040 (and tab, newline, backslash alike)."""
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 8)), field)


def _limit_along(mounts: list[tuple[str, Path]], path: str, read: Callable[[Path], int | None]) -> int | None:
    """The smallest limit from the cgroup's folder up to its hierarchy's mount point.
    A cgroup path outside every mount's root (a container that sees its own cgroup
    mounted as the root, or a path with ".." from another cgroup namespace) is read
    at the mount point alone."""
    if not mounts:
        return None
    mount_point, parts = mounts[0][1], []
    for root, point in mounts:
        if root == "/" or path == root or path.startswith(root.rstrip("/") + "/"):
            mount_point, parts = point, [p for p in path[len(root.rstrip("/")):].split("/") if p]
            break
    if ".." in parts:
        parts = []
    limits = [found for depth in range(len(parts), -1, -1)
              if (found := read(mount_point.joinpath(*parts[:depth]))) is not None]
    return min(limits) if limits else None


def _cores(quota: int, period: int) -> int | None:
    if quota <= 0 or period <= 0:
        return None
    return max(1, math.ceil(quota / period))


def _v2_limit(folder: Path) -> int | None:
    """``cpu.max``: "QUOTA PERIOD" in microseconds, or "max PERIOD" for no limit."""
    try:
        quota, _, period = (folder / "cpu.max").read_text(encoding="ascii").strip().partition(" ")
        return None if quota == "max" else _cores(int(quota), int(period or "100000"))
    except (OSError, ValueError, UnicodeDecodeError):
        return None


def _v1_limit(folder: Path) -> int | None:
    """``cpu.cfs_quota_us`` (-1: no limit) over ``cpu.cfs_period_us``."""
    try:
        quota = int((folder / "cpu.cfs_quota_us").read_text(encoding="ascii").strip())
        period = int((folder / "cpu.cfs_period_us").read_text(encoding="ascii").strip())
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    return _cores(quota, period)
