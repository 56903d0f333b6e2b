"""The parse worker pool stops its workers however a scan ends."""

from __future__ import annotations

import multiprocessing
import time

import pytest

from helpers import CHECKS
from readycheck.engine import parsepool
from readycheck.engine.config import Config
from readycheck.engine.runner import scan
from test_python_codec import _monorepo


def _no_children_left() -> bool:
    """Whether every worker this process started has ended (a terminated one may take a moment)."""
    for _ in range(100):
        if not multiprocessing.active_children():
            return True
        time.sleep(0.05)
    return False


def test_ctrl_c_while_the_workers_parse_takes_them_along(tmp_path, monkeypatch):
    _monorepo(tmp_path, 60)
    real = parsepool.parse_batch

    def interrupted(items, *args):
        if multiprocessing.active_children():  # this process's share of a batch the workers also parse
            raise KeyboardInterrupt
        return real(items, *args)

    monkeypatch.setattr(parsepool, "parse_batch", interrupted)
    with pytest.raises(KeyboardInterrupt):
        scan(tmp_path, Config(), CHECKS, jobs=2)
    assert _no_children_left()
