"""Infrastructure every app uses: euros and cents, emails queued after commit.

This package imports no app of the project (an import-linter contract checks it), so that
``canteen``, ``accounts`` and ``billing`` can all lean on it without pointing at each other
or up at ``portal``.
"""
