from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from canteen.models import Establishment, Guardianship
from portal.lib.emails import queue_email

# The school promises an answer within 48 hours.
OVERDUE_AFTER = timedelta(hours=48)


def activation_url(user) -> str:
    """A "Créer mon mot de passe" link: Django's reset token, so it expires after
    PASSWORD_RESET_TIMEOUT and stops working once a password is set."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return settings.SITE_URL + reverse("accounts:activate", args=[uid, token])


def children_of(user) -> tuple[list[str], Establishment | None]:
    """The full names of the children a login follows, and the school of the first: what its emails name."""
    links = list(
        Guardianship.objects.filter(user=user)
        .select_related("pupil__establishment")
        .order_by("pupil__first_name", "pupil__pk")
    )
    names = [f"{link.pupil.first_name} {link.pupil.last_name}" for link in links]
    return names, links[0].pupil.establishment if links else None


def school_context(establishment: Establishment | None) -> dict | None:
    if establishment is None:
        return None
    return {"name": establishment.name, "code": establishment.code, "contact_email": establishment.contact_email}


@shared_task
def send_activation_email(user_id: int, establishment_code: str = "") -> bool:
    """Write the "Créer mon mot de passe" email to the outbox, naming the children the login follows; called
    directly, in the caller's transaction (still a task for messages queued before the outbox). False when
    nothing is sent: no such active login, or its password is already chosen."""
    from .models import User

    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or user.has_usable_password():
        return False  # the parent already chose a password: a notice was sent instead
    children, first_school = children_of(user)
    establishment = Establishment.objects.filter(code=establishment_code).first() if establishment_code else None
    establishment = establishment or first_school
    queue_email(
        "account-activation",
        user.email,
        {
            "user": {"email": user.email},
            "children": children,
            "establishment": school_context(establishment),
            "activation_url": activation_url(user),
            "days": settings.PASSWORD_RESET_TIMEOUT // (24 * 3600),
        },
        sender_name=establishment.name if establishment else "",
    )
    return True


def changelist_url(establishment: Establishment) -> str:
    return (
        settings.SITE_URL
        + reverse("admin:accounts_accountrequest_changelist")
        + f"?status__exact=pending&establishment__id__exact={establishment.pk}"
    )


@shared_task
def email_pending_requests_digest() -> int:
    """Daily: tell each establishment how many of its account requests wait, and how many are late; then
    each staff member who may validate requests, the same for the establishments they work at only."""
    from .models import AccountRequest, User

    late = timezone.now() - OVERDUE_AFTER
    pending = AccountRequest.Status.PENDING
    establishments = list(
        Establishment.objects.annotate(
            pending=Count("account_requests", filter=Q(account_requests__status=pending)),
            overdue=Count(
                "account_requests", filter=Q(account_requests__status=pending, account_requests__created_at__lt=late)
            ),
        )
        .filter(pending__gt=0)
        .order_by("name", "pk")
    )
    for establishment in establishments:
        queue_email(
            "account-requests-digest",
            establishment.contact_email,
            {
                "establishment": {"name": establishment.name},
                "pending": establishment.pending,
                "overdue": establishment.overdue,
                "admin_url": changelist_url(establishment),
            },
        )
    waiting = {establishment.pk: establishment for establishment in establishments}
    staff = User.objects.filter(is_active=True, is_staff=True, establishments_staffed__in=list(waiting)).distinct()
    for member in staff.prefetch_related("establishments_staffed"):
        if not member.has_perm("accounts.decide_accountrequest"):
            continue
        theirs = [waiting[e.pk] for e in member.establishments_staffed.all() if e.pk in waiting]
        queue_email(
            "account-requests-staff-digest",
            member.email,
            {
                "pending": sum(e.pending for e in theirs),
                "establishments": [
                    {"name": e.name, "pending": e.pending, "overdue": e.overdue, "admin_url": changelist_url(e)}
                    for e in sorted(theirs, key=lambda e: (e.name, e.pk))
                ],
            },
        )
    return len(establishments)
