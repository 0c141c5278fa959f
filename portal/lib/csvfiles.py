"""CSV files in and out, as French spreadsheets read and write them.

Out (``csv_download``): UTF-8 with a byte order mark (so that spreadsheets open it as UTF-8), ``;`` between
cells (``,`` is the French decimal mark), streamed as it is written; a text someone typed goes through
``text_cell`` so that no spreadsheet runs it as a formula.

In (``parse_csv``): files exported by schools and tills, ``;`` or ``,`` separated, UTF-8 with or without a
byte order mark, read as {lowercase column: value}; ``read_rows`` and ``with_progress`` for the import commands.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from pathlib import Path

from django.core.management.base import CommandError, OutputWrapper
from django.http import StreamingHttpResponse
from django.utils.translation import gettext as _

# What a spreadsheet takes for the start of a formula (or of a cell to run): "=HYPERLINK(…)", "+1+1", "@SUM".
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def text_cell(value: str) -> str:
    """A text someone typed (a name, a message, a label), never run as a formula: "=1+1" → "'=1+1"."""
    return "'" + value if value[:1] in FORMULA_STARTS else value


class _Echo:
    """What ``csv.writer`` writes to: each line handed back rather than kept."""

    def write(self, value: str) -> str:
        return value


def csv_download(filename: str, header: list[str], rows: Iterable[list]) -> StreamingHttpResponse:
    """The file ``filename``: ``header`` then ``rows`` (cells already written as they should read: amounts,
    dates, texts through ``text_cell``), produced while it is sent."""
    writer = csv.writer(_Echo(), delimiter=";")

    def lines() -> Iterator[str]:
        yield "\ufeff" + writer.writerow(header)
        for row in rows:
            yield writer.writerow(row)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def parse_csv(text: str) -> tuple[set[str], Iterator[tuple[int, dict[str, str]]]]:
    """The columns (lowercase) of a ``;`` or ``,`` separated text, and its rows as (line number, {column:
    value}), values stripped."""
    first_line = text.partition("\n")[0]
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    columns = {(name or "").strip().lower() for name in reader.fieldnames or []}

    def rows() -> Iterator[tuple[int, dict[str, str]]]:
        for row in reader:
            yield (
                reader.line_num,
                {(k or "").strip().lower(): (v or "").strip() for k, v in row.items() if k is not None},
            )

    return columns, rows()


def read_rows(path: str, required: set[str]) -> list[tuple[int, dict[str, str]]]:
    """The rows of the UTF-8 file at ``path`` (``parse_csv``), or a ``CommandError`` saying why not."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise CommandError(
            _("Impossible de lire le fichier %(path)s : %(error)s") % {"path": path, "error": error}
        ) from error
    columns, rows = parse_csv(text)
    missing = required - columns
    if missing:
        raise CommandError(
            _("Colonnes manquantes dans l'en-tête : %(columns)s.") % {"columns": ", ".join(sorted(missing))}
        )
    return list(rows)


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
