"""Create the two demo schools, their tariffs and pupils, a family each and staff logins. Safe to run again.

Each school's staff are attached to it alone, so that logging in as the second school's staff shows that
staff see only their own school's families."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from billing.desk.models import DebitMode, DirectDebitMandate, MandateStatus
from billing.desk.operations import prepare_direct_debits
from billing.desk.sepa.mandates import save_with_reference
from billing.ledger import book
from billing.models import EntryKind
from billing.till.models import Till
from billing.till.passages import record_passages
from canteen.booking.models import BookingSettings, Service
from canteen.models import Establishment, Guardianship, Pupil, Tariff
from canteen.quotient import FamilyQuotient, Issuer, QuotientStatus, TariffBand, TariffGrid, end_of_school_year
from portal.lib.localtime import zone_of
from portal.roles import ADMINISTRATION, CASHIER, KITCHEN, sync_staff_groups

SCHOOL_CODE = "4388"
PARENT_EMAIL = "parent@demo.openself.fr"
PARENT_PASSWORD = "demo-parent-2026"
STAFF = [
    ("ecole@demo.openself.fr", "demo-ecole-2026", ADMINISTRATION),
    ("caisse@demo.openself.fr", "demo-caisse-2026", CASHIER),
]
# The first school's cook: reads the kitchen's counts of the meals booked.
KITCHEN_STAFF = [("cuisine@demo.openself.fr", "demo-cuisine-2026", KITCHEN)]
SUPERUSER = ("admin@demo.openself.fr", "demo-admin-2026")
# The second school: its own staff (attached to it alone), a few pupils and one family.
SCHOOL_2_CODE = "4390"
PARENT_2_EMAIL = "famille.lopez@demo.openself.fr"
PARENT_2_PASSWORD = "demo-parent2-2026"
STAFF_2 = [
    ("ecole2@demo.openself.fr", "demo-ecole2-2026", ADMINISTRATION),
    ("caisse2@demo.openself.fr", "demo-caisse2-2026", CASHIER),
]
# (card, last name, first name, category, class); the first two are the second family's children.
PUPILS_2 = [
    ("20001", "Lopez", "Sofia", "Élève", "6e"),
    ("20002", "Lopez", "Mateo", "Élève", "4e"),
    ("20003", "Garcia", "Emma", "Élève", "5e"),
    ("20004", "Roux", "Adam", "Élève", "3e"),
]
TARIFFS = [("Élève", "3.50"), ("Maternelle", "3.10"), ("Adulte", "5.20")]
# The second school's grid by quotient familial, from the school year's first day: (from, to, price).
SCHOOL_YEAR_START = datetime.date(2026, 9, 1)
QF_BANDS = [(0, 500, "1.00"), (501, 900, "2.50"), (901, None, "4.20")]
DEMO_ATTESTATION = b"%PDF-1.4\n% Attestation de quotient familial (demonstration)\n%%EOF\n"
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
TERMS = (
    "Le compte permet de consulter le solde et l'historique des repas de vos enfants "
    "et de le créditer en ligne. Les sommes versées sont utilisables uniquement pour "
    "la restauration scolaire. Le solde restant en fin de scolarité est remboursé sur demande."
)
LUNCH_DAYS = {0, 1, 3, 4}


class Command(BaseCommand):
    help = (
        "Creates, idempotently, the demo school (code 4388) and a second school (code 4390), their tariffs "
        "and pupils, a parent login with two children in each, staff logins attached to one school each "
        "and a superuser, then prints the logins and passwords."
    )

    @transaction.atomic
    def handle(self, *args, **options):
        sync_staff_groups()
        school = self._school(
            SCHOOL_CODE,
            name="École élémentaire d'Esvres",
            contact_email="administration.esvres@demo.openself.fr",
            beneficiary="Restauration scolaire d'Esvres",
            address="4, Mail de la Papoterie\n37170 Chambray-lès-Tours",
            bank_name="Trésor public — Tours",
            bank_account="FR7610071370000000100000108",
            bank_bic="TRPUFRP1",
            creditor_identifier="FR03ZZZDEMO01",  # a demonstration ICS: valid in form, given by no bank
        )
        pupils = self._pupils(school, PUPILS)
        camille = self._family(PARENT_EMAIL, PARENT_PASSWORD, pupils[:2], first_name="Camille", last_name="Martin")
        made = [(PARENT_EMAIL, PARENT_PASSWORD, "parent de Léa et Hugo Martin")]
        self._lea_history(school, pupils[0])
        self._booking(school)  # after Léa's history: her past meals were taken before booking opened
        made += self._staff(school, STAFF + KITCHEN_STAFF)
        self._direct_debit(school, camille)

        school_2 = self._school(
            SCHOOL_2_CODE,
            name="Collège Honoré de Balzac",
            contact_email="administration.balzac@demo.openself.fr",
            beneficiary="Restauration du collège Balzac",
            address="1, rue Balzac\n37000 Tours",
            bank_name="Trésor public — Tours",
            bank_account="FR7610071370000000200000415",
            bank_bic="TRPUFRP1",
            creditor_identifier="FR73ZZZDEMO02",
        )
        pupils_2 = self._pupils(school_2, PUPILS_2)
        lucia = self._family(PARENT_2_EMAIL, PARENT_2_PASSWORD, pupils_2[:2], first_name="Lucia", last_name="Lopez")
        made_2 = [(PARENT_2_EMAIL, PARENT_2_PASSWORD, "parent de Sofia et Mateo Lopez (quotient familial 450)")]
        made_2 += self._staff(school_2, STAFF_2)
        self._quotient_pricing(school_2, lucia)

        self._login(*SUPERUSER, is_staff=True, is_superuser=True)
        for shown, logins in [(school, made), (school_2, made_2)]:
            self.stdout.write(f"Établissement de démonstration : {shown.name} (code {shown.code})")
            for email, password, role in logins:
                self.stdout.write(f"  {email} / {password}  — {role}")
        self.stdout.write(f"Tous les établissements : {SUPERUSER[0]} / {SUPERUSER[1]}  — superutilisateur")
        count = len(made) + len(made_2) + 1
        self.stdout.write(
            self.style.SUCCESS(f"Demo data ready: 2 schools, {len(pupils) + len(pupils_2)} pupils, {count} logins.")
        )

    def _school(self, code: str, **fields) -> Establishment:
        school, _ = Establishment.objects.update_or_create(code=code, defaults={**fields, "terms": TERMS})
        for category, price in TARIFFS:
            Tariff.objects.get_or_create(
                establishment=school,
                category=category,
                valid_from=datetime.date(2026, 9, 1),
                defaults={"price": Decimal(price)},
            )
        return school

    def _quotient_pricing(self, school: Establishment, parent: User) -> None:
        """The second school prices its pupils' meals by quotient familial (three bands, "cantine à 1 €"), and
        the Lopez family's QF of 450 is validated for the school year: Sofia and Mateo pay 1,00 €."""
        grid, created = TariffGrid.objects.get_or_create(
            establishment=school,
            category="Élève",
            valid_from=SCHOOL_YEAR_START,
            defaults={"default_price": Decimal("4.20")},
        )
        if created:
            TariffBand.objects.bulk_create(
                TariffBand(grid=grid, lower=lower, upper=upper, price=Decimal(price))
                for lower, upper, price in QF_BANDS
            )
        if not FamilyQuotient.objects.filter(user=parent, establishment=school).exists():
            quotient = FamilyQuotient(
                user=parent,
                establishment=school,
                value=450,
                issuer=Issuer.CAF,
                attestation_date=SCHOOL_YEAR_START - datetime.timedelta(days=20),
                status=QuotientStatus.VALIDATED,
                applies_from=SCHOOL_YEAR_START,
                expires_on=end_of_school_year(SCHOOL_YEAR_START),
                decided_at=timezone.now(),
            )
            quotient.attestation.save("attestation.pdf", ContentFile(DEMO_ATTESTATION), save=False)
            quotient.save()

    def _booking(self, school: Establishment) -> None:
        """Meal booking at the first school (the second takes none): lunch on Monday, Tuesday, Thursday and
        Friday, booked until 9:30 the same day, three weeks ahead; a booked meal not taken is charged."""
        BookingSettings.objects.update_or_create(
            establishment=school, defaults={"enabled": True, "weeks_ahead": 3, "charge_unconsumed": True}
        )
        Service.objects.update_or_create(
            establishment=school,
            kind="lunch",
            defaults={"weekdays": "1245", "days_before": 0, "cutoff_time": datetime.time(9, 30)},
        )

    def _pupils(self, school: Establishment, rows) -> list[Pupil]:
        return [
            Pupil.objects.update_or_create(
                establishment=school,
                card_number=card,
                defaults={"last_name": last, "first_name": first, "category": category, "class_name": class_name},
            )[0]
            for card, last, first, category, class_name in rows
        ]

    def _family(self, email: str, password: str, children: list[Pupil], **names) -> User:
        parent = self._login(email, password, **names)
        for child in children:
            Guardianship.objects.get_or_create(user=parent, pupil=child)
        return parent

    def _staff(self, school: Establishment, logins) -> list[tuple[str, str, str]]:
        made = []
        for email, password, group in logins:
            staff = self._login(email, password, is_staff=True)
            staff.groups.set([Group.objects.get(name=group)])
            staff.establishments_staffed.set([school])  # staff see only the establishment they work at
            made.append((email, password, f"personnel, groupe « {group} »"))
        return made

    def _direct_debit(self, school: Establishment, parent: User) -> None:
        """Camille's mandate (25,00 € per child and month) and next month's debit, prepared: the cashier's month
        starts there (pre-notification by the daily task, the bank file, returns)."""
        live = DirectDebitMandate.objects.filter(user=parent, establishment=school).exclude(status=MandateStatus.ENDED)
        if not live.exists():
            mandate = DirectDebitMandate(
                user=parent,
                establishment=school,
                holder_name="Camille Martin",
                holder_address="12, rue des Écoles\n37320 Esvres",
                bic="BNPAFRPP",
                signed_on=datetime.date(2026, 9, 1),
                mode=DebitMode.FIXED,
                monthly_amount=Decimal("25.00"),
                created_by=parent,
                consent_at=timezone.now(),
            )
            mandate.iban = "FR7630004001239876543210170"  # a demonstration account: valid in form only
            save_with_reference(mandate)
        next_month = (timezone.localdate().replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
        prepare_direct_debits(next_month, establishments=Establishment.objects.filter(pk=school.pk))

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

        def at(day: datetime.date, hour: int, minute: int) -> datetime.datetime:
            return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=zone_of(school))

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
