from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from billing.till.models import Till
from canteen.models import Establishment


class Command(BaseCommand):
    help = (
        "Creates a till (borne) for an establishment and prints its API token on the last line. "
        "The token is shown only this once: only its hash is stored."
    )

    def add_arguments(self, parser):
        parser.add_argument("establishment_code")
        parser.add_argument("name")

    def handle(self, *args, establishment_code: str, name: str, **options):
        establishment = Establishment.objects.filter(code=establishment_code).first()
        if establishment is None:
            raise CommandError(_("Aucun établissement avec le code « %(code)s ».") % {"code": establishment_code})
        if not name.strip():
            raise CommandError(_("Le nom de la borne est obligatoire."))
        till = Till(establishment=establishment, name=name.strip())
        token = till.new_token()
        till.save()
        self.stdout.write(
            _("Borne « %(name)s » créée pour %(school)s (n° %(id)d). Jeton, affiché une seule fois :")
            % {"name": till.name, "school": establishment, "id": till.pk}
        )
        self.stdout.write(token)
