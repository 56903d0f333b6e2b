"""Running a scan: discover the files, load the configuration and the checks, build the
model, run the checks, apply suppressions and baselines, cache the result.

May import: ``readycheck.core``, ``readycheck.knowledge``, ``readycheck.parsers``, ``readycheck.model``.
Never the reporters (``readycheck.cli`` wires the engine to them).
"""
