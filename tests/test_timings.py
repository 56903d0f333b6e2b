"""Where a scan's time goes (readycheck.core.timings): ``--verbose`` says it phase by phase and check by
check, each phase timed without the phases it runs inside it, and the report's bytes never change."""

from __future__ import annotations

import pytest

from helpers import CHECKS, write_tree
from readycheck.cli import main
from readycheck.core import timings as timing
from readycheck.engine import forkedchecks
from readycheck.engine.budget import BudgetExceeded
from readycheck.engine.config import Config
from readycheck.engine.runner import scan
from test_python_codec import _monorepo


class _Clock:
    """perf_counter as the test says: each phase below advances it by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch) -> _Clock:
    fake = _Clock()
    monkeypatch.setattr(timing, "perf_counter", fake)
    return fake


def test_a_phase_is_timed_without_the_phases_inside_it(clock):
    timings = timing.Timings()
    with timing.recording(timings):
        with timing.phase("web model"):
            clock.now += 0.5
            with timing.phase("Python facts"):
                clock.now += 2.0
                timing.count("modules parsed", 40)
            clock.now += 0.25
            with timing.phase("Python facts"):
                clock.now += 1.0
                timing.count("modules parsed", 2)
        with timing.phase(timing.CHECK_PREFIX + "RC401"):
            clock.now += 0.75
    assert timings.seconds == {"web model": 0.75, "Python facts": 3.0, "check RC401": 0.75}
    assert timings.counts == {"modules parsed": 42}
    assert timing.CURRENT is None  # recording ends with its block


def test_the_summary_lists_phases_in_the_order_they_ran_then_the_slowest_checks(clock):
    timings = timing.Timings()
    with timing.recording(timings):
        with timing.phase("discovery"):
            clock.now += 0.125
        for check, seconds in (("RC101", 0.01), ("RC506", 0.25), ("RC201", 0.002)):
            with timing.phase(timing.CHECK_PREFIX + check):
                clock.now += seconds
        with timing.phase("Python facts"):
            timing.count("modules parsed", 1234)
            timing.count("modules from the cache", 5)
            clock.now += 1.5
        with timing.phase("suppressions"):
            clock.now += 0.001  # too short to say
    timings.forked = {"check RC401": 0.625, "Python facts": 0.125}
    time_line, slowest = timings.summary(total=2.5)
    assert time_line == ("time: discovery 0.12 s, checks 0.26 s (and 0.75 s beside them in a forked copy), "
                         "Python facts 1.50 s (1,234 modules parsed, 5 from the cache), other 0.61 s")
    assert slowest == "slowest checks: RC401 0.62 s in the forked copy, RC506 0.25 s, RC101 0.01 s, RC201 0.00 s"


def test_nothing_is_recorded_unless_asked_and_a_recording_ends_with_the_scan_however_it_ends(tmp_path, monkeypatch):
    assert timing.phase("anything") is timing.phase("else")  # off: one shared no-op, nothing kept
    write_tree(tmp_path, {"Dockerfile": "FROM python:3.12-slim\nCMD [\"python\", \"app.py\"]\n"})
    timings = timing.Timings()
    scan(tmp_path, Config(), CHECKS, timings=timings)
    assert timing.CURRENT is None
    assert "discovery" in timings.seconds and "check RC101" in timings.seconds

    def stop(project):
        raise BudgetExceeded()

    monkeypatch.setattr(forkedchecks, "run_groups", lambda *args, **kwargs: stop(None))
    scan(tmp_path, Config(), CHECKS, timings=timing.Timings(), timeout=30)
    assert timing.CURRENT is None


def _service(root) -> None:
    _monorepo(root, 12)
    write_tree(root, {"Dockerfile": "FROM python:3.12-slim\nCOPY . /app\nCMD [\"uvicorn\", \"app.main:app\"]\n"},
               dedent=False)


def test_verbose_says_where_the_time_went_and_the_report_is_the_same_bytes(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(timing, "SHOWN_SECONDS", 0.0)  # a small repository: every phase is short
    repo, report = tmp_path / "repo", tmp_path / "report.json"
    _service(repo)
    assert main([str(repo), "--no-cache", "-f", "json", "-o", str(report), "-j", "1"]) == 1
    quiet_bytes = report.read_bytes()
    assert "time:" not in capsys.readouterr().err
    assert main([str(repo), "--no-cache", "-f", "json", "-o", str(report), "-j", "1", "-v"]) == 1
    err = capsys.readouterr().err
    assert report.read_bytes() == quiet_bytes
    time_line = next(line for line in err.splitlines() if line.startswith("readycheck: time: "))
    for phase in ("loading checks", "discovery", "start commands", "web model", "checks", "report"):
        assert f"{phase} " in time_line
    assert "Python facts" in time_line and "modules parsed, 0 from the cache)" in time_line
    slowest = next(line for line in err.splitlines() if line.startswith("readycheck: slowest checks: "))
    assert len(slowest.split(": ", 2)[2].split(", ")) == 5 and "forked" not in slowest  # the five slowest of 59


def test_verbose_with_a_cache_counts_the_modules_it_did_not_parse(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(timing, "SHOWN_SECONDS", 0.0)
    _service(tmp_path)
    cache = str(tmp_path / "cache")
    main([str(tmp_path), "-f", "json", "-o", str(tmp_path / "a.json"), "--cache-dir", cache, "-j", "1"])
    (tmp_path / "Dockerfile").write_text("FROM python:3.12-slim\nCMD [\"uvicorn\", \"app.main:app\"]\n")
    capsys.readouterr()
    main([str(tmp_path), "-f", "json", "-o", str(tmp_path / "b.json"), "--cache-dir", cache, "-j", "1", "-v"])
    time_line = next(line for line in capsys.readouterr().err.splitlines() if "readycheck: time: " in line)
    assert "cache read" in time_line and "cache write" in time_line
    assert "0 modules parsed" in time_line and "0 from the cache" not in time_line


@pytest.mark.skipif(not forkedchecks.can_fork(), reason="no fork here")
def test_the_checks_of_a_forked_copy_are_timed_there_and_said_as_such(tmp_path, monkeypatch):
    monkeypatch.setattr(forkedchecks, "MIN_ASYNC_HANDLERS", 0)
    _service(tmp_path)
    timings = timing.Timings()
    scan(tmp_path, Config(), CHECKS, jobs=2, timings=timings)
    assert {"check RC401", "check RC402"} <= set(timings.forked)
    assert "check RC401" not in timings.seconds and "check RC101" in timings.seconds
    assert "waiting for the forked copy" in timings.seconds
    assert "beside them in a forked copy" in timings.summary(total=10.0)[0]
    serial = timing.Timings()
    scan(tmp_path, Config(), CHECKS, jobs=1, timings=serial)
    assert not serial.forked and "check RC401" in serial.seconds
