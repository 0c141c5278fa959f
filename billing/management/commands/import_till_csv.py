from __future__ import annotations

from collections import Counter

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from billing.till.models import Till
from billing.till.passages import MAX_PASSAGES, record_passages
from portal.lib.csvfiles import read_rows, with_progress


class Command(BaseCommand):
    help = (
        "Imports a till's CSV export (columns card;at;ref, optional amount) with the rules of the till API: "
        "each passage is recorded once, a passage already recorded is a duplicate, "
        "a bad one is skipped with the reason."
    )

    def add_arguments(self, parser):
        parser.add_argument("till_id", type=int)
        parser.add_argument("csv_file")

    def handle(self, *args, till_id: int, csv_file: str, **options):
        till = Till.objects.select_related("establishment").filter(pk=till_id, revoked_at=None).first()
        if till is None:
            raise CommandError(_("Aucune borne active n° %(id)d.") % {"id": till_id})
        rows = read_rows(csv_file, {"card", "at", "ref"})
        counts, rejected, batch = Counter(), [], []
        for position, (line, row) in enumerate(with_progress(rows, self.stderr, _("Passages")), start=1):
            passage = {"card": row["card"], "at": row["at"], "ref": row["ref"]}
            if row.get("amount"):
                passage["amount"] = row["amount"]
            batch.append((line, passage))
            if len(batch) == MAX_PASSAGES or position == len(rows):
                results = record_passages(till, [p for _line, p in batch])
                for (line_number, _passage), result in zip(batch, results, strict=True):
                    counts[result["status"]] += 1
                    if result["status"] == "rejected":
                        rejected.append(
                            _("ligne %(line)d : %(reason)s") % {"line": line_number, "reason": result["reason"]}
                        )
                batch = []
        for reason in rejected:
            self.stdout.write(reason)
        self.stdout.write(
            ", ".join(
                [
                    ngettext("%(n)d passage enregistré", "%(n)d passages enregistrés", counts["recorded"])
                    % {"n": counts["recorded"]},
                    ngettext("%(n)d déjà enregistré", "%(n)d déjà enregistrés", counts["duplicate"])
                    % {"n": counts["duplicate"]},
                    ngettext("%(n)d refusé.", "%(n)d refusés.", counts["rejected"]) % {"n": counts["rejected"]},
                ]
            )
        )
