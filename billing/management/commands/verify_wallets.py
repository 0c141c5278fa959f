from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

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
                f"{wallet.pupil} (carte {wallet.pupil.card_number}) : solde {wallet.balance} €, "
                f"somme des opérations {total} €, écart {wallet.balance - total} €"
            )
        if differences:
            raise CommandError(f"{differences} compte(s) en écart.")
        self.stdout.write(self.style.SUCCESS(f"{Wallet.objects.count()} comptes vérifiés, aucun écart."))
