"""The repository as typed facts, built lazily from the parsers: ``Project`` and what it
aggregates (start commands, platforms, probes, web apps, reachability, migrations, entry points).

May import: ``readycheck.core``, ``readycheck.knowledge``, ``readycheck.parsers``.
"""
