"""The release a process runs: what the shared cache's keys start with, so that nothing kept outlives it.

An upgrade (new code, templates or translations, then ``migrate``) must show the new pages at once, while
the cache still holds pages rendered by the previous release. Every key carries the release id, so the old
entries are simply never read again (they expire), and during a rolling restart the old processes and the
new ones each read their own.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

# What a release changes and a rendered page depends on: code, templates, compiled catalogues.
SOURCES = ("*.py", "*.html", "*.txt", "*.mo")


def release_id(root: Path, folders: tuple[str, ...]) -> str:
    """A short digest of every source file under ``folders`` of ``root``, names and contents."""
    digest = hashlib.sha256()
    for folder in folders:
        paths = sorted(path for pattern in SOURCES for path in (root / folder).rglob(pattern))
        for path in paths:
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
