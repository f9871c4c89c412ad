"""wfsync: two-way sync between webCRM and Fortnox.

The package is a library first; the ``wfsync`` command (``wfsync.cli``) is a thin
layer over it. See docs/architecture.md for how the pieces fit.
"""

__version__ = "0.1.0"
