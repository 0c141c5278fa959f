"""Logins, account requests and the traces of failed logins. How the register works:
``portal.lib.personal_data``; durations: ``settings.PRIVACY_*`` (stated in the notice and in README)."""

from __future__ import annotations

from datetime import timedelta

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db.models import Q
from django.utils import timezone

from portal.lib.personal_data import (
    CARD,
    CONNECTION,
    CONTACT,
    CORRESPONDENCE,
    IDENTITY,
    Erasure,
    anonymiser,
    declare,
    erase,
    identity,
    pseudonym_code,
    pseudonym_email,
    retention_rule,
)

from .models import AccountRequest, User

declare(
    "accounts.User",
    personal={
        "email": CONTACT,
        "first_name": IDENTITY,
        "last_name": IDENTITY,
        "password": CONNECTION,
        "last_login": CONNECTION,
    },
)
declare(
    "accounts.AccountRequest",
    personal={
        "card_digits": CARD,
        "last_name": IDENTITY,
        "first_name": IDENTITY,
        "email": CONTACT,
        "refusal_reason": CORRESPONDENCE,
    },
)
for _model in ("axes.AccessAttempt", "axes.AccessLog", "axes.AccessFailureLog"):
    declare(_model, personal={"username": CONTACT, "ip_address": CONNECTION, "user_agent": CONNECTION})
declare("axes.AccessAttempt", personal={"get_data": CONNECTION, "post_data": CONNECTION})
declare("axes.AccessLog", personal={"session_hash": CONNECTION})

MONTH = timedelta(days=31)  # retention is "at least N months": a month is counted long


def user_pseudonym(user: User) -> str:
    return f"Responsable {pseudonym_code('user', user.pk)}"


@identity("user")
def identify_user(user: User) -> Erasure:
    name = user_pseudonym(user)
    replacements = {}
    if user.anonymised_at is None:
        replacements = {user.email: pseudonym_email("user", user.pk)}
        if user.first_name and user.last_name:
            replacements[f"{user.first_name} {user.last_name}"] = name
            replacements[f"{user.last_name} {user.first_name}"] = name
    return Erasure("user", user, name, replacements)


@anonymiser("user")
def anonymise_login(erasure: Erasure) -> None:
    """The login stays a row (payments and the ledger point to it) but names no one and opens nothing: its
    email becomes the pseudonym's, its password unusable (every session of it ends), its requests and
    failed-login traces are deleted."""
    user: User = erasure.subject
    AccountRequest.objects.filter(Q(user=user) | Q(email=user.email)).delete()
    for model in (AccessAttempt, AccessLog, AccessFailureLog):
        model.objects.filter(username__iexact=user.email).delete()
    user.email = pseudonym_email("user", user.pk)
    user.first_name = user.last_name = ""
    user.set_unusable_password()
    user.is_active = user.is_staff = user.is_superuser = False
    user.anonymised_at = user.anonymised_at or timezone.now()
    user.save()
    user.groups.clear()
    user.user_permissions.clear()


@anonymiser("pupil")
def anonymise_requests_of_pupil(erasure: Erasure) -> None:
    """A request names the child it was for: the names become the pupil's pseudonym, the card digits go."""
    AccountRequest.objects.filter(pupil=erasure.subject).update(
        first_name="Élève", last_name=erasure.pseudonym.split()[-1], card_digits=""
    )


@retention_rule("demandes de compte refusées ou jamais validées")
def stale_account_requests(now, dry_run: bool) -> int:
    cutoff = now - settings.PRIVACY_ACCOUNT_REQUEST_MONTHS * MONTH
    due = AccountRequest.objects.filter(
        status__in=[AccountRequest.Status.PENDING, AccountRequest.Status.REFUSED], created_at__lt=cutoff
    )
    return due.count() if dry_run else due.delete()[0]


@retention_rule("identifiants jamais activés")
def unused_logins(now, dry_run: bool) -> int:
    """Parent logins whose password was never chosen (the activation link never opened): erased."""
    cutoff = now - settings.PRIVACY_UNUSED_LOGIN_MONTHS * MONTH
    due = User.objects.filter(
        is_staff=False,
        is_superuser=False,
        last_login__isnull=True,
        anonymised_at__isnull=True,
        date_joined__lt=cutoff,
        password__startswith=UNUSABLE_PASSWORD_PREFIX,
    )
    if dry_run:
        return due.count()
    count = 0
    for user in due.iterator(chunk_size=200):
        erase("user", user)
        count += 1
    return count


@retention_rule("traces de connexion")
def login_traces(now, dry_run: bool) -> int:
    """Failed logins and their addresses, kept to stop password guessing, then forgotten."""
    cutoff = now - timedelta(days=settings.PRIVACY_LOGIN_TRACE_DAYS)
    found = [
        AccessAttempt.objects.filter(attempt_time__lt=cutoff),
        AccessLog.objects.filter(attempt_time__lt=cutoff),
        AccessFailureLog.objects.filter(attempt_time__lt=cutoff),
    ]
    if dry_run:
        return sum(q.count() for q in found)
    return sum(q.delete()[0] for q in found)
