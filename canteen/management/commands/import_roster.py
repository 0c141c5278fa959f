from __future__ import annotations

from collections import Counter

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from canteen.models import Establishment, Pupil
from portal.lib.csvfiles import read_rows, with_progress

YES = {"", "1", "oui", "o", "vrai", "true", "yes", "actif"}
NO = {"0", "non", "n", "faux", "false", "no", "inactif"}


class Command(BaseCommand):
    help = (
        "Imports pupils from a school roster CSV (columns carte;nom;prenom, optional categorie;classe;actif), "
        "creating or updating each pupil by card number. Rows with a problem are skipped and listed with the reason."
    )

    def add_arguments(self, parser):
        parser.add_argument("establishment_code")
        parser.add_argument("csv_file")

    def handle(self, *args, establishment_code: str, csv_file: str, **options):
        establishment = Establishment.objects.filter(code=establishment_code).first()
        if establishment is None:
            raise CommandError(_("Aucun établissement avec le code « %(code)s ».") % {"code": establishment_code})
        rows = read_rows(csv_file, {"carte", "nom", "prenom"})
        existing = {p.card_number: p for p in Pupil.objects.filter(establishment=establishment)}
        counts, skipped, seen = Counter(), [], set()
        with transaction.atomic():
            for line, row in with_progress(rows, self.stderr, _("Élèves")):
                try:
                    outcome = self._import(establishment, existing, seen, row)
                except ValidationError as error:
                    skipped.append(_("ligne %(line)d : %(reason)s") % {"line": line, "reason": _explain(error)})
                else:
                    counts[outcome] += 1
        for reason in skipped:
            self.stdout.write(reason)
        self.stdout.write(
            ", ".join(
                [
                    ngettext("%(n)d élève créé", "%(n)d élèves créés", counts["created"]) % {"n": counts["created"]},
                    ngettext("%(n)d mis à jour", "%(n)d mis à jour", counts["updated"]) % {"n": counts["updated"]},
                    ngettext("%(n)d inchangé", "%(n)d inchangés", counts["unchanged"]) % {"n": counts["unchanged"]},
                    ngettext("%(n)d ligne ignorée.", "%(n)d lignes ignorées.", len(skipped)) % {"n": len(skipped)},
                ]
            )
        )

    def _import(self, establishment: Establishment, existing: dict[str, Pupil], seen: set[str], row: dict) -> str:
        card = row.get("carte", "")
        if not card:
            raise ValidationError(_("n° de carte manquant."))
        if card in seen:
            raise ValidationError(_("n° de carte %(card)s déjà présent plus haut dans le fichier.") % {"card": card})
        seen.add(card)
        active = row.get("actif", "").lower()
        if active not in YES | NO:
            raise ValidationError(_("valeur « actif » inconnue : %(value)s (oui ou non).") % {"value": row["actif"]})
        fields = {
            "last_name": row.get("nom", ""),
            "first_name": row.get("prenom", ""),
            "category": row.get("categorie") or "Élève",
            "class_name": row.get("classe", ""),
            "active": active in YES,
        }
        pupil = existing.get(card) or Pupil(establishment=establishment, card_number=card)
        if pupil.pk and all(getattr(pupil, name) == value for name, value in fields.items()):
            return "unchanged"
        for name, value in fields.items():
            setattr(pupil, name, value)
        pupil.full_clean(validate_unique=False)
        outcome = "updated" if pupil.pk else "created"
        pupil.save()
        existing[card] = pupil
        return outcome


def _explain(error: ValidationError) -> str:
    if not hasattr(error, "error_dict"):
        return " ".join(error.messages)
    return " ".join(
        f"{Pupil._meta.get_field(field).verbose_name} : {' '.join(messages)}"
        for field, messages in error.message_dict.items()
    )
