"""A mandate's life: its RUM, a parent's request, staff validation, a change of IBAN, its end (asked by the
parent, a bank return, or 36 months unused)."""

from __future__ import annotations

import datetime
import secrets

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.models import Payment, PaymentStatus
from portal.lib.audit import ADDITION, record

from ..models import LAPSE_MONTHS, DirectDebit, DirectDebitMandate, MandateStatus

RUM_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud on the phone without doubt


def new_reference(establishment) -> str:
    """``OS-4388-7KQ2M9XH4C``: a prefix, the establishment's public code and ten random characters, all allowed
    in a RUM and well under its 35 characters. Uniqueness is the database's (``save_with_reference``)."""
    code = "".join(c for c in (establishment.code if establishment else "") if c.isalnum())[:12]
    return f"OS-{code}-{''.join(secrets.choice(RUM_ALPHABET) for _ in range(10))}"


def save_with_reference(mandate: DirectDebitMandate) -> DirectDebitMandate:
    """Save a new mandate, its RUM drawn (again, in the rare case of a clash) unless one was typed."""
    typed = bool(mandate.reference)
    for _attempt in range(5):
        if not typed:
            mandate.reference = new_reference(mandate.establishment)
        try:
            with transaction.atomic():
                mandate.save()
            return mandate
        except IntegrityError:
            if typed or DirectDebitMandate.objects.filter(reference=mandate.reference).count() == 0:
                raise
    raise IntegrityError("Could not draw a unique mandate reference.")


@transaction.atomic
def validate_request(mandate: DirectDebitMandate, *, user) -> bool:
    """Staff accept a parent's online request: the mandate is active from now on. False if it was not waiting."""
    done = DirectDebitMandate.objects.filter(pk=mandate.pk, status=MandateStatus.REQUESTED).update(
        status=MandateStatus.ACTIVE, validated_at=timezone.now(), validated_by=user
    )
    if done:
        record(user, mandate, _("Mandat validé : les prochains prélèvements seront préparés."))
    return bool(done)


@transaction.atomic
def end_mandate(mandate: DirectDebitMandate, *, reason: str, user=None) -> bool:
    """End a mandate: no debit is prepared on it any more, and its debits not yet sent to the bank are cancelled
    (nothing was credited for them). False if it had already ended."""
    done = (
        DirectDebitMandate.objects.filter(pk=mandate.pk)
        .exclude(status=MandateStatus.ENDED)
        .update(status=MandateStatus.ENDED, ended_at=timezone.now(), ended_reason=reason[:200])
    )
    if not done:
        return False
    waiting = DirectDebit.objects.filter(
        mandate=mandate, bank_file__isnull=True, payment__status=PaymentStatus.PENDING
    ).values_list("payment_id", flat=True)
    Payment.objects.filter(pk__in=list(waiting), status=PaymentStatus.PENDING).update(status=PaymentStatus.CANCELED)
    record(user, mandate, _("Mandat terminé. Motif : %(reason)s") % {"reason": reason})
    mandate.status = MandateStatus.ENDED
    return True


@transaction.atomic
def change_iban(mandate: DirectDebitMandate, *, iban: str, bic: str, signed_on: datetime.date, user):
    """A new account is a new mandate (new RUM, signed again, first debit FRST) and the old one ends.

    The SEPA rules also allow amending the mandate; a new one is chosen because the bank then needs no amendment
    details (original IBAN or SMNDA), the debtor's consent covers the new account explicitly, and the history
    keeps both accounts apart.
    """
    end_mandate(mandate, reason=_("Changement de compte bancaire : remplacé par un nouveau mandat."), user=user)
    new = DirectDebitMandate(
        user=mandate.user,
        establishment=mandate.establishment,
        bic=bic,
        holder_name=mandate.holder_name,
        holder_address=mandate.holder_address,
        signed_on=signed_on,
        mode=mandate.mode,
        monthly_amount=mandate.monthly_amount,
        meals=mandate.meals,
        created_by=user,
        validated_at=timezone.now(),
        validated_by=user,
    )
    new.iban = iban
    save_with_reference(new)
    record(
        user,
        new,
        _("Nouveau mandat pour un nouveau compte, remplace %(old)s.") % {"old": mandate.reference},
        action=ADDITION,
    )
    return new


def lapse_unused(today: datetime.date) -> int:
    """End the active mandates unused for 36 months (EPC rulebook): they say so in their reason."""
    month = today.month - 1 - LAPSE_MONTHS
    cutoff = today.replace(year=today.year + month // 12, month=month % 12 + 1, day=min(today.day, 28))
    unused = DirectDebitMandate.objects.filter(status=MandateStatus.ACTIVE).filter(
        Q(last_collected_on__lte=cutoff) | Q(last_collected_on__isnull=True, signed_on__lte=cutoff)
    )
    ended = 0
    for mandate in unused.iterator():
        if mandate.lapses_on <= today:
            ended += end_mandate(mandate, reason=_("Caduc : aucun prélèvement depuis 36 mois."))
    return ended
