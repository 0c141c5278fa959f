"""Create the demo school, its tariffs and pupils, a parent and staff logins. Safe to run again."""

from __future__ import annotations

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from billing.ledger import book
from billing.models import EntryKind
from billing.till.models import Till
from billing.till.passages import record_passages
from canteen.models import Establishment, Guardianship, Pupil, Tariff
from portal.roles import ADMINISTRATION, CASHIER, sync_staff_groups

SCHOOL_CODE = "4388"
PARENT_EMAIL = "parent@demo.openself.fr"
PARENT_PASSWORD = "demo-parent-2026"
STAFF = [
    ("ecole@demo.openself.fr", "demo-ecole-2026", ADMINISTRATION),
    ("caisse@demo.openself.fr", "demo-caisse-2026", CASHIER),
]
SUPERUSER = ("admin@demo.openself.fr", "demo-admin-2026")
TARIFFS = [("Élève", "3.50"), ("Maternelle", "3.10"), ("Adulte", "5.20")]
# (card, last name, first name, category, class); the first two are the demo parent's children.
PUPILS = [
    ("10001", "Martin", "Léa", "Élève", "CM1"),
    ("10002", "Martin", "Hugo", "Maternelle", "GS"),
    ("10003", "Bernard", "Chloé", "Élève", "CE2"),
    ("10004", "Dubois", "Nathan", "Élève", "CM2"),
    ("10005", "Thomas", "Inès", "Élève", "CP"),
    ("10006", "Robert", "Louis", "Maternelle", "MS"),
    ("10007", "Petit", "Jade", "Élève", "CE1"),
    ("10008", "Durand", "Gabriel", "Élève", "CM1"),
    ("10009", "Lefèvre", "Manon", "Élève", "CM2"),
    ("10010", "Moreau", "Raphaël", "Maternelle", "PS"),
]
# Léa's history: two credits, then her lunches of the last four weeks at the till (Mon, Tue, Thu, Fri), enough
# for the home page's forecast: 74,40 − 16 × 3,50 = 18,40 €. Hugo's account stays empty.
LEA_MEALS = 16
LUNCH_DAYS = {0, 1, 3, 4}


class Command(BaseCommand):
    help = (
        "Creates, idempotently, the demo school (code 4388), its tariffs and pupils, a parent login "
        "with two children and staff logins, then prints the logins and passwords."
    )

    @transaction.atomic
    def handle(self, *args, **options):
        sync_staff_groups()
        school, _ = Establishment.objects.update_or_create(
            code=SCHOOL_CODE,
            defaults={
                "name": "École élémentaire d'Esvres",
                "contact_email": "administration.esvres@demo.openself.fr",
                "beneficiary": "Restauration scolaire d'Esvres",
                "address": "4, Mail de la Papoterie\n37170 Chambray-lès-Tours",
                "bank_name": "Trésor public — Tours",
                "bank_account": "FR7610071370000000100000123",
                "terms": (
                    "Le compte permet de consulter le solde et l'historique des repas de vos enfants "
                    "et de le créditer en ligne. Les sommes versées sont utilisables uniquement pour "
                    "la restauration scolaire. Le solde restant en fin de scolarité est remboursé sur demande."
                ),
            },
        )
        for category, price in TARIFFS:
            Tariff.objects.get_or_create(
                establishment=school,
                category=category,
                valid_from=datetime.date(2026, 9, 1),
                defaults={"price": Decimal(price)},
            )
        pupils = []
        for card, last, first, category, class_name in PUPILS:
            pupil, _ = Pupil.objects.update_or_create(
                establishment=school,
                card_number=card,
                defaults={"last_name": last, "first_name": first, "category": category, "class_name": class_name},
            )
            pupils.append(pupil)

        parent = self._login(PARENT_EMAIL, PARENT_PASSWORD, first_name="Camille", last_name="Martin")
        for child in pupils[:2]:
            Guardianship.objects.get_or_create(user=parent, pupil=child)
        made = [(PARENT_EMAIL, PARENT_PASSWORD, "parent de Léa et Hugo Martin")]
        self._lea_history(school, pupils[0])
        for email, password, group in STAFF:
            staff = self._login(email, password, is_staff=True)
            staff.groups.set([Group.objects.get(name=group)])
            school.staff.add(staff)  # staff see only the establishments they work at
            made.append((email, password, f"personnel, groupe « {group} »"))
        self._login(*SUPERUSER, is_staff=True, is_superuser=True)
        made.append((*SUPERUSER, "superutilisateur"))

        self.stdout.write(f"Établissement de démonstration : {school.name} (code {school.code})")
        for email, password, role in made:
            self.stdout.write(f"  {email} / {password}  — {role}")
        self.stdout.write(self.style.SUCCESS(f"Demo data ready: 1 school, {len(pupils)} pupils, {len(made)} logins."))

    def _lea_history(self, school: Establishment, lea: Pupil) -> None:
        """Booked with references, so that running the command again adds nothing."""
        till = Till.objects.filter(establishment=school, name="Borne du self").first()
        if till is None:  # its token is never shown: `manage.py create_till` makes tills one can use
            till = Till(establishment=school, name="Borne du self")
            till.new_token()
            till.save()
        days, day = [], timezone.localdate()
        while len(days) < LEA_MEALS:
            day -= datetime.timedelta(days=1)
            if day.weekday() in LUNCH_DAYS:
                days.append(day)
        days.reverse()
        local = ZoneInfo(school.timezone)

        def at(day: datetime.date, hour: int, minute: int) -> datetime.datetime:
            return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=local)

        book(
            lea,
            kind=EntryKind.CHEQUE,
            amount=Decimal("54.40"),
            label="Chèque n° 1234567",
            reference="demo:lea:cheque-1234567",
            occurred_at=at(days[0] - datetime.timedelta(days=3), 9, 5),
        )
        book(
            lea,
            kind=EntryKind.ONLINE_PAYMENT,
            amount=Decimal("20.00"),
            label="Paiement en ligne",
            reference="demo:lea:online-1",
            occurred_at=at(days[4], 19, 42),
        )
        passages = [
            {"card": lea.card_number, "at": at(day, 12, 10 + 3 * n).isoformat(), "ref": f"demo-lea-{n:04d}"}
            for n, day in enumerate(days, start=1)
        ]
        record_passages(till, passages)

    def _login(self, email: str, password: str, **fields) -> User:
        user, _ = User.objects.update_or_create(email=email, defaults=fields)
        user.set_password(password)
        user.save()
        return user
