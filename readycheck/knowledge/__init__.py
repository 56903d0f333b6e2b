"""Domain knowledge as tables, each written once: what blocks the event loop, database
drivers, base images, health paths, server settings, pip's command line.

May import: ``readycheck.core``.
"""
