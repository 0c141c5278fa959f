"""What validating or refusing an account request does: logins, guardian links and emails."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from canteen.models import Guardianship, Pupil
from portal.lib.audit import record
from portal.lib.emails import queue_email
from portal.lib.localtime import local

from .models import AccountRequest, User
from .signals import request_approved
from .tasks import activation_url, send_activation_email


class AlreadyDecided(Exception):
    """Another staff member decided this request first."""


def _claim(request: AccountRequest, status: str, by: User, **fields) -> None:
    # A conditional update: two staff clicking at once cannot both decide the same request.
    now = timezone.now()
    done = AccountRequest.objects.filter(pk=request.pk, status=AccountRequest.Status.PENDING).update(
        status=status, decided_by=by, decided_at=now, **fields
    )
    if not done:
        raise AlreadyDecided
    request.status, request.decided_by, request.decided_at = status, by, now
    for name, value in fields.items():
        setattr(request, name, value)


@transaction.atomic
def approve(request: AccountRequest, pupil: Pupil, by: User) -> User:
    """Link the pupil to the login of the request's email, creating the login if needed.

    A new login (or one whose password was never set) gets a "Créer mon mot de passe" link;
    a parent who already logs in gets a notice that the child was added.
    """
    if pupil.establishment_id != request.establishment_id:
        raise ValueError("The pupil belongs to another establishment.")
    user = User.objects.filter(email=request.email).first() or User.objects.create_user(request.email)
    _claim(request, AccountRequest.Status.APPROVED, by, pupil=pupil, user=user)
    _link, linked = Guardianship.objects.get_or_create(user=user, pupil=pupil)
    record(
        by,
        request,
        _("Demande validée : %(email)s a maintenant accès au compte de %(pupil)s.")
        % {"pupil": pupil, "email": user.email},
    )
    if linked:
        _record_link(request, pupil, user, by)
        _tell_existing_guardians(request, pupil, user)
    request_approved.send(sender=AccountRequest, request=request, user=user, pupil=pupil)
    establishment = request.establishment
    has_other_children = Guardianship.objects.filter(user=user).exclude(pupil=pupil).exists()
    if user.has_usable_password() or has_other_children:
        # One activation per login: a login that already got its link hears of this child alone (with a
        # fresh link while its password is still to be chosen, in case the first one was lost or expired).
        queue_email(
            "account-child-added",
            user.email,
            {
                "user": {"email": user.email},
                "pupil": {"full_name": pupil.full_name, "first_name": pupil.first_name},
                "establishment": {"name": establishment.name, "code": establishment.code},
                "activation_url": "" if user.has_usable_password() else activation_url(user),
                "days": settings.PASSWORD_RESET_TIMEOUT // (24 * 3600),
                "site_url": settings.SITE_URL,
            },
            reply_to=[establishment.contact_email],
            sender_name=establishment.name,
        )
    else:
        # Written to the outbox in this transaction: sent once it commits, whatever the broker's state.
        send_activation_email(user.pk, establishment.code)
    return user


def _record_link(request: AccountRequest, pupil: Pupil, user: User, by: User) -> None:
    """The new link shows on the pupil's history and on the login's."""
    number = request.pk
    record(
        by,
        pupil,
        _("Responsable légal ajouté : %(email)s (demande de création de compte n° %(number)s).")
        % {"email": user.email, "number": number},
    )
    record(
        by,
        user,
        _("Accès ouvert au compte de l'élève %(pupil)s (%(school)s), demande de création de compte n° %(number)s.")
        % {"pupil": pupil, "school": request.establishment.name, "number": number},
    )


def _tell_existing_guardians(request: AccountRequest, pupil: Pupil, added: User) -> None:
    """Every other guardian of the child learns who was added and when, and whom to tell if it is wrong.

    Queued in the same transaction: sent only if the link is committed.
    """
    others = Guardianship.objects.filter(pupil=pupil).exclude(user=added).select_related("user").order_by("user__email")
    establishment = request.establishment
    when = local(request.decided_at, establishment)  # on the school's clock
    for guardianship in others:
        queue_email(
            "guardian-added",
            guardianship.user.email,
            {
                "pupil": {"full_name": pupil.full_name, "first_name": pupil.first_name},
                "added": {"email": added.email},
                "date": when.strftime("%d/%m/%Y"),
                "time": when.strftime("%H:%M"),
                "establishment": {
                    "name": establishment.name,
                    "code": establishment.code,
                    "contact_email": establishment.contact_email,
                },
                "site_url": settings.SITE_URL,
            },
            reply_to=[establishment.contact_email],
            sender_name=establishment.name,
        )


@transaction.atomic
def refuse(request: AccountRequest, reason: str, by: User) -> None:
    _claim(request, AccountRequest.Status.REFUSED, by, refusal_reason=reason)
    record(by, request, _("Demande refusée. Motif : %(reason)s") % {"reason": reason})
    queue_email(
        "account-refused",
        request.email,
        {
            "request": {"first_name": request.first_name, "last_name": request.last_name},
            "reason": reason,
            "establishment": {"name": request.establishment.name},
        },
        reply_to=[request.establishment.contact_email],
        sender_name=request.establishment.name,
    )
