"""Closed days typed or imported by staff: a CSV of ``debut;fin;libelle`` (``fin`` optional), read whole
or not at all, so that a file with one bad line changes nothing and says which line and why."""

from __future__ import annotations

import datetime

from django.utils.translation import gettext as _

from portal.lib.csvfiles import UnreadableFile, decode_csv, parse_csv

from .models import ClosedPeriod, Establishment

MAX_BYTES = 200_000
MAX_ROWS = 1000
FORMATS = ("%d/%m/%Y", "%Y-%m-%d")


class ImportError_(ValueError):
    """The file cannot be imported; ``errors`` says why, line by line."""

    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


def _date(text: str) -> datetime.date | None:
    for fmt in FORMATS:
        try:
            return datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def parse_closures(data: bytes) -> list[tuple[datetime.date, datetime.date, str]]:
    """The periods of the file, or ``ImportError_`` with every problem found."""
    if len(data) > MAX_BYTES:
        raise ImportError_([_("Le fichier est trop gros (200 Ko au plus).")])
    try:
        text = decode_csv(data)  # UTF-8 or Windows-1252, ";" "," or tab: as French spreadsheets save it
    except UnreadableFile as error:
        raise ImportError_([str(error)]) from None
    columns, rows = parse_csv(text)
    if "debut" not in columns:
        raise ImportError_([_("La colonne « debut » manque dans l'en-tête (colonnes : debut;fin;libelle).")])
    periods, errors = [], []
    for line, row in rows:
        if line > MAX_ROWS + 1:
            errors.append(_("Le fichier a plus de %(max)d lignes.") % {"max": MAX_ROWS})
            break
        if not any(row.values()):
            continue
        start = _date(row.get("debut", ""))
        end = _date(row.get("fin", "")) if row.get("fin") else start
        label = row.get("libelle", "")
        if start is None:
            errors.append(_("ligne %(line)d : date de début invalide (JJ/MM/AAAA).") % {"line": line})
        elif end is None:
            errors.append(_("ligne %(line)d : date de fin invalide (JJ/MM/AAAA).") % {"line": line})
        elif end < start:
            errors.append(_("ligne %(line)d : la fin est avant le début.") % {"line": line})
        elif (end - start).days > 366:
            errors.append(_("ligne %(line)d : une fermeture dure au plus un an.") % {"line": line})
        elif len(label) > 100:
            errors.append(_("ligne %(line)d : libellé trop long (100 caractères au plus).") % {"line": line})
        else:
            periods.append((start, end, label))
    if errors:
        raise ImportError_(errors)
    if not periods:
        raise ImportError_([_("Le fichier ne contient aucune fermeture.")])
    return periods


def import_closures(establishment: Establishment, data: bytes) -> tuple[int, int]:
    """Store the file's periods (all or none); returns (added, already present)."""
    periods = parse_closures(data)
    existing = set(ClosedPeriod.objects.filter(establishment=establishment).values_list("start", "end"))
    new = []
    for start, end, label in periods:
        if (start, end) not in existing:
            existing.add((start, end))
            new.append(ClosedPeriod(establishment=establishment, start=start, end=end, label=label))
    ClosedPeriod.objects.bulk_create(new)
    return len(new), len(periods) - len(new)
