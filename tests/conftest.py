import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import pytest


@pytest.fixture(autouse=True)
def _colour_from_the_test_not_the_shell(monkeypatch):
    """FORCE_COLOR or NO_COLOR set in the shell or CI that runs the tests would colour (or not) every
    report; tests that are about colour set them themselves."""
    for name in ("NO_COLOR", "FORCE_COLOR", "CLICOLOR_FORCE"):
        monkeypatch.delenv(name, raising=False)
