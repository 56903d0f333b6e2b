"""The vocabulary every stage shares: findings and positions, the scanned files (read
without following links), the check contract, fixes, rule documentation.

May import: the standard library and third-party packages only; nothing else of readycheck
(except ``readycheck.__version__``).
"""
