"""CSV files in and out, as French spreadsheets read and write them.

Out (``csv_download``): UTF-8 with a byte order mark (so that spreadsheets open it as UTF-8), ``;`` between
cells (``,`` is the French decimal mark), streamed as it is written; a text someone typed goes through
``text_cell`` so that no spreadsheet runs it as a formula.

In (``decode_csv``, ``parse_csv``): what French spreadsheets save. Excel's "CSV (séparateur : point-virgule)" is
Windows-1252 with ``;``, its "CSV UTF-8" has a byte order mark, its "Texte Unicode" is UTF-16 with tabs;
LibreOffice saves UTF-8 (or Windows-1252 / ISO-8859-1 when asked) with the separator chosen. So the encoding is
found from the bytes (a byte order mark; else UTF-8 if the bytes are valid UTF-8, which text in a single-byte
encoding with accents practically never is; else Windows-1252, a superset of ISO-8859-1's letters), and the
separator from the header line (the most frequent of ``;``, ``,`` and tab). A detection library
(charset-normalizer) was tried and left aside: on files of a few lines it read "Lefèvre" as "Lefčvre"
(Central European) and "Fête" as Chinese. Rows are read as {lowercase column: value}; ``read_rows`` and
``with_progress`` serve the import commands.
"""

from __future__ import annotations

import codecs
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


class UnreadableFile(ValueError):
    """Not a text file a spreadsheet saved as CSV (a workbook, an image…); the message says what to do."""


DELIMITERS = (";", ",", "\t")
# A workbook (.xlsx, .ods: zip archives; .xls: an OLE2 container) rather than its CSV export.
WORKBOOK_STARTS = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0")


def decode_csv(data: bytes) -> str:
    """The text of a CSV file as a spreadsheet saved it (see the module's docstring), or ``UnreadableFile``."""
    not_csv = UnreadableFile(
        _("Ce fichier n'est pas un CSV : dans le tableur, choisissez « Enregistrer sous » puis le type « CSV ».")
    )
    if data.startswith(WORKBOOK_STARTS):
        raise not_csv
    try:
        if data.startswith(codecs.BOM_UTF8):
            return data[len(codecs.BOM_UTF8) :].decode("utf-8")
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return data.decode("utf-16")
    except UnicodeDecodeError:
        raise not_csv from None
    if b"\x00" in data:
        raise not_csv  # binary, or UTF-16 without its byte order mark, which no spreadsheet saves
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        raise not_csv from None


def delimiter_of(header: str) -> str:
    """The separator of a header line: the most frequent of ``;``, ``,`` and tab (``;`` when none is)."""
    return max(DELIMITERS, key=lambda candidate: (header.count(candidate), candidate == ";"))


def parse_csv(text: str) -> tuple[set[str], Iterator[tuple[int, dict[str, str]]]]:
    """The columns (lowercase) of a ``;``, ``,`` or tab separated text, and its rows as (line number, {column:
    value}), values stripped."""
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter_of(text.partition("\n")[0]))
    columns = {(name or "").strip().lower() for name in reader.fieldnames or []}

    def rows() -> Iterator[tuple[int, dict[str, str]]]:
        for row in reader:
            yield (
                reader.line_num,
                {(k or "").strip().lower(): (v or "").strip() for k, v in row.items() if k is not None},
            )

    return columns, rows()


def read_rows(path: str, required: set[str]) -> list[tuple[int, dict[str, str]]]:
    """The rows of the CSV file at ``path`` (``decode_csv``, ``parse_csv``), or a ``CommandError`` saying why
    not."""
    try:
        text = decode_csv(Path(path).read_bytes())
    except (OSError, UnreadableFile) as error:
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
