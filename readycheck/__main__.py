"""``python -m readycheck``.

``python -m`` puts the current directory first on ``sys.path``. When that
directory is a scanned repository with its own ``checks/`` or ``yaml.py``, it
would shadow readycheck's dependencies, so it is dropped before anything else
is imported (readycheck itself is already imported from its install).
"""

import os
import sys

if sys.path and sys.path[0] in ("", os.getcwd()):
    del sys.path[0]

from readycheck.cli import console_main  # noqa: E402

console_main()
