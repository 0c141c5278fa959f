from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from billing.ledger import wallets_out_of_balance
from billing.models import Wallet


class Command(BaseCommand):
    help = (
        "Checks that every wallet's cached balance equals the sum of its ledger entries and prints "
        "each difference. Exits with an error when any wallet is out of balance."
    )

    def handle(self, *args, **options):
        differences = 0
        for wallet, total in wallets_out_of_balance():
            differences += 1
            self.stdout.write(
                _(
                    "%(pupil)s (carte %(card)s) : solde %(balance)s €, somme des opérations %(total)s €, "
                    "écart %(difference)s €"
                )
                % {
                    "pupil": wallet.pupil,
                    "card": wallet.pupil.card_number,
                    "balance": wallet.balance,
                    "total": total,
                    "difference": wallet.balance - total,
                }
            )
        if differences:
            raise CommandError(
                ngettext("%(count)d compte en écart.", "%(count)d comptes en écart.", differences)
                % {"count": differences}
            )
        self.stdout.write(
            self.style.SUCCESS(_("%(count)d comptes vérifiés, aucun écart.") % {"count": Wallet.objects.count()})
        )
