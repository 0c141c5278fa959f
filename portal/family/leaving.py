"""Leaving: a parent deletes their account ("Supprimer mon compte"), or staff do it for a family that asks.

What happens to each child's balance is said before confirming: a child another guardian still follows keeps
its balance for them; a child left with no guardian and money on its account gets a refund asked of the
school, by a message. The other guardians and each school are told, then the login is anonymised at once
(``portal.lib.personal_data.erase``): it can no longer log in, and the books keep their amounts.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import User
from canteen.models import Establishment, Guardianship, Pupil
from portal.lib.audit import DELETION, record
from portal.lib.emails import queue_email
from portal.lib.money import euros
from portal.lib.personal_data import erase, pseudonym_email

from .messaging import start_thread
from .models import Notification, NotificationKind, Subject
from .notifications import notify

log = logging.getLogger(__name__)


@dataclass
class ChildOutcome:
    """What becomes of one child's account when its guardian leaves."""

    pupil: Pupil
    balance: Decimal
    others: list[User] = field(default_factory=list)  # the guardians who stay

    @property
    def refund(self) -> bool:
        return not self.others and self.balance > 0


def outcomes(user: User) -> list[ChildOutcome]:
    pupils = Pupil.objects.guarded_by(user).select_related("establishment", "wallet").order_by("first_name", "pk")
    found = []
    for pupil in pupils:
        others = [
            link.user for link in Guardianship.objects.filter(pupil=pupil).exclude(user=user).select_related("user")
        ]
        wallet = getattr(pupil, "wallet", None)
        found.append(ChildOutcome(pupil, wallet.balance if wallet else Decimal("0.00"), others))
    return found


def leave(user: User, *, by: User | None = None) -> None:
    """Tell the other guardians and the schools, ask the refunds, then anonymise the login: all or nothing.
    ``by``: the staff member acting at the family's request (recorded in the journal)."""
    children = outcomes(user)
    with transaction.atomic():
        schools: dict[int, tuple[Establishment, list[ChildOutcome]]] = {}
        for child in children:
            schools.setdefault(child.pupil.establishment_id, (child.pupil.establishment, []))[1].append(child)
            if child.others:
                _tell_guardians(child)
        for establishment, kids in schools.values():
            _tell_school(user, establishment, kids)
        if by is not None:
            record(by, user, _("Compte supprimé à la demande de la famille."), action=DELETION)
        erasure = erase("user", user)
    log.info("Login %s left (%s), %d children", user.pk, erasure.pseudonym, len(children))


def _tell_guardians(child: ChildOutcome) -> None:
    pupil = child.pupil
    notify(
        Notification(
            user_id=other.pk,
            kind=NotificationKind.GUARDIAN_LEFT,
            params={"pupil": pupil.first_name},
            link=reverse("portal:home"),
        )
        for other in child.others
    )
    for other in child.others:
        queue_email(
            "guardian-left",
            other.email,
            {
                "pupil": {"first_name": pupil.first_name, "full_name": pupil.full_name},
                "balance": child.balance,
                "establishment": {"name": pupil.establishment.name, "code": pupil.establishment.code},
                "site_url": settings.SITE_URL,
            },
        )


def _tell_school(user: User, establishment: Establishment, children: list[ChildOutcome]) -> None:
    """One message to the school: which children lost this guardian, and the refunds asked."""
    lines = []
    for child in children:
        name, balance = child.pupil.full_name, euros(child.balance)
        if child.refund:
            lines.append(
                _("%(name)s : remboursement demandé du solde de %(balance)s (aucun autre responsable).")
                % {"name": name, "balance": balance}
            )
        elif child.others:
            lines.append(
                _("%(name)s : solde de %(balance)s conservé, suivi par un autre responsable.")
                % {"name": name, "balance": balance}
            )
        else:
            lines.append(_("%(name)s : solde de %(balance)s, rien à rembourser.") % {"name": name, "balance": balance})
    refunds = [child for child in children if child.refund]
    body = "\n".join(
        [
            _("Un responsable a supprimé son compte sur le portail. Son identifiant est anonymisé."),
            *lines,
        ]
    )
    if refunds:
        body += "\n" + _(
            "Remboursez la famille avec les coordonnées de votre dossier scolaire : le portail ne les conserve plus."
        )
    start_thread(
        establishment=establishment,
        subject=Subject.REFUND if refunds else Subject.OTHER,
        body=body,
        pupil=refunds[0].pupil if len(refunds) == 1 else None,
        sender_name=_("Compte supprimé"),
        sender_email=pseudonym_email("user", user.pk),
    )
