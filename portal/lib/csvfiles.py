"""Reading the CSV files schools and tills export, with a progress bar for the import commands."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

from django.core.management.base import CommandError, OutputWrapper
from django.utils.translation import gettext as _


def read_rows(path: str, required: set[str]) -> list[tuple[int, dict[str, str]]]:
    """The rows of a ``;`` or ``,`` separated UTF-8 file as (line number, {lowercase column: value})."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise CommandError(
            _("Impossible de lire le fichier %(path)s : %(error)s") % {"path": path, "error": error}
        ) from error
    first_line = text.partition("\n")[0]
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    columns = {(name or "").strip().lower() for name in reader.fieldnames or []}
    missing = required - columns
    if missing:
        raise CommandError(
            _("Colonnes manquantes dans l'en-tête : %(columns)s.") % {"columns": ", ".join(sorted(missing))}
        )
    return [
        (reader.line_num, {(k or "").strip().lower(): (v or "").strip() for k, v in row.items() if k is not None})
        for row in reader
    ]


def with_progress(rows: list, stream: OutputWrapper, label: str) -> Iterator:
    """Yield the rows while drawing ``label [#####     ] 120/500`` on ``stream``."""
    total = len(rows)
    step = max(1, total // 100)
    for done, row in enumerate(rows, start=1):
        yield row
        if done % step == 0 or done == total:
            bar = "#" * (30 * done // total)
            stream.write(f"\r{label} [{bar:<30}] {done}/{total}", ending="")
            stream.flush()
    if total:
        stream.write("")
