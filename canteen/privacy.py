"""The school's personal data: pupils (names, card), and who guards them. How the register works:
``portal.lib.personal_data``. A pupil's retention is billing's rule (the accounting period decides it)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from portal.lib import cached_pages
from portal.lib.personal_data import (
    CARD,
    IDENTITY,
    INCOME,
    MEALS,
    Erasure,
    anonymiser,
    declare,
    identity,
    pseudonym_code,
    retention_rule,
)

from .booking.models import MealBooking
from .models import AlertSettings, Guardianship, Pupil
from .quotient import FamilyQuotient, QuotientStatus

declare(
    "canteen.Pupil",
    personal={"last_name": IDENTITY, "first_name": IDENTITY, "card_number": CARD, "class_name": IDENTITY},
)
declare(
    "canteen.Establishment",
    exempt={
        "name": "le nom de l'établissement",
        "logo": "son logo",
        "contact_email": "l'adresse de contact publique de l'établissement",
        "address": "l'adresse du bénéficiaire des paiements (l'établissement)",
        "bank_name": "la banque de l'établissement",
        "bank_bic": "le BIC de la banque de l'établissement",
        "terms": "ses conditions d'utilisation",
        "other_payments": "ses consignes de paiement",
    },
)
declare("canteen.ClosedPeriod", exempt={"label": "le nom d'une période de fermeture"})
declare("canteen.MealBooking", personal={"day": MEALS, "status": MEALS})
declare(
    "canteen.KitchenCount", exempt={"class_name": "une classe dans les effectifs de cuisine (des nombres, sans élève)"}
)
declare(
    "canteen.FamilyQuotient",
    personal={
        "value": INCOME,
        "issuer": INCOME,
        "attestation": INCOME,
        "attestation_date": INCOME,
        "refusal_reason": INCOME,
    },
)


def pupil_pseudonym(pupil: Pupil) -> str:
    return f"Élève {pseudonym_code('pupil', pupil.pk)}"


@identity("pupil")
def identify_pupil(pupil: Pupil) -> Erasure:
    name = pupil_pseudonym(pupil)
    replacements = {}
    if pupil.anonymised_at is None:
        replacements = {
            f"{pupil.first_name} {pupil.last_name}": name,
            f"{pupil.last_name} {pupil.first_name}": name,
            pupil.card_number: anonymous_card(pupil),
        }
    return Erasure("pupil", pupil, name, replacements)


def anonymous_card(pupil: Pupil) -> str:
    return f"ANON{pupil.pk}"  # unique, as a card number must be in its establishment


@anonymiser("pupil")
def anonymise_pupil(erasure: Erasure) -> None:
    """The pupil keeps its row, wallet and history; its names and card become the pseudonym, it is no longer
    active and no login guards it any more."""
    pupil = erasure.subject
    links = Guardianship.objects.filter(pupil=pupil)
    cached_pages.bump(list(links.values_list("user_id", flat=True)))  # their pages no longer show the child
    links.delete()
    Pupil.objects.filter(pk=pupil.pk).update(
        first_name="Élève",
        last_name=pseudonym_code("pupil", pupil.pk),
        card_number=anonymous_card(pupil),
        class_name="",
        active=False,
        inactive_since=pupil.inactive_since or timezone.now(),
        anonymised_at=pupil.anonymised_at or timezone.now(),
    )


@anonymiser("user")
def forget_guardian(erasure: Erasure) -> None:
    """An erased login guards no child any more; its alert settings go with it."""
    Guardianship.objects.filter(user=erasure.subject).delete()
    AlertSettings.objects.filter(user=erasure.subject).delete()


@anonymiser("user")
def forget_quotients(erasure: Erasure) -> None:
    """An erased parent's QF declarations go, their files after the commit (canteen's signal): the prices already
    billed are in the ledger."""
    FamilyQuotient.objects.filter(user=erasure.subject).delete()


@retention_rule("attestations de quotient familial échues")
def old_attestations(now, dry_run: bool) -> int:
    """The attestation's file, ``PRIVACY_ATTESTATION_MONTHS`` after its QF expired or was refused; the QF's value
    and dates stay, they justify the prices billed."""
    limit = now - timedelta(days=30 * settings.PRIVACY_ATTESTATION_MONTHS)
    due = FamilyQuotient.objects.exclude(attestation="").filter(
        Q(expires_on__lt=limit.date()) | Q(status=QuotientStatus.REFUSED, decided_at__lt=limit)
    )
    if dry_run:
        return due.count()
    count = 0
    for quotient in due:
        quotient.attestation.delete(save=False)
        FamilyQuotient.objects.filter(pk=quotient.pk).update(attestation="")
        count += 1
    return count


@retention_rule("réservations de repas passées")
def old_bookings(now, dry_run: bool) -> int:
    """A child's bookings, ``PRIVACY_BOOKING_MONTHS`` after their day: the meals taken and charged stay in the
    ledger, the kitchen's counts in numbers."""
    due = MealBooking.objects.filter(day__lt=(now - timedelta(days=30 * settings.PRIVACY_BOOKING_MONTHS)).date())
    return due.count() if dry_run else due.delete()[0]
