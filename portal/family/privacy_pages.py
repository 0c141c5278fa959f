"""The pages of privacy: the notice "Données personnelles", the "Mentions légales", "Supprimer mon compte", and
for staff, a family's account deleted or its data exported at its request (by post, at the desk)."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from canteen.models import Establishment
from portal.lib.audit import record
from portal.lib.emails import KEEP_SENT

from . import export
from .establishments import current_establishment, establishment_by_code
from .leaving import leave, outcomes
from .models import PrivacyNotice

PERMISSION = "accounts.erase_parent"


def _school(request, code: str | None) -> Establishment | None:
    if code is None:
        return current_establishment(request)
    found = establishment_by_code(code)
    if found is None:
        raise Http404
    return found


def notice_of(establishment: Establishment | None) -> dict:
    """What the pages say of the establishment, its own fields or the defaults."""
    saved = PrivacyNotice.objects.filter(establishment=establishment).first() if establishment else None
    saved = saved or PrivacyNotice()
    to_fill = _("à compléter par l'établissement")
    name = establishment.name if establishment else ""
    controller = saved.controller or name or to_fill
    return {
        "controller": controller,
        "controller_address": saved.controller_address or (establishment.address if establishment else to_fill),
        "dpo_name": saved.dpo_name,
        "contact_email": saved.dpo_email or (establishment.contact_email if establishment else ""),
        "publisher": saved.publisher or controller,
        "publication_director": saved.publication_director or to_fill,
        "host": saved.host or to_fill,
        "email_provider": saved.email_provider or to_fill,
        "transfers": saved.transfers,
    }


def retention() -> dict:
    """The durations the notice states: the settings the retention task applies."""
    return {
        "requests_months": settings.PRIVACY_ACCOUNT_REQUEST_MONTHS,
        "unused_login_months": settings.PRIVACY_UNUSED_LOGIN_MONTHS,
        "message_years": settings.PRIVACY_MESSAGE_YEARS,
        "notification_months": settings.PRIVACY_NOTIFICATION_MONTHS,
        "login_trace_days": settings.PRIVACY_LOGIN_TRACE_DAYS,
        "pupil_years": settings.PRIVACY_PUPIL_YEARS,
        "attestation_months": settings.PRIVACY_ATTESTATION_MONTHS,
        "mandate_months": settings.PRIVACY_MANDATE_MONTHS,
        "booking_months": settings.PRIVACY_BOOKING_MONTHS,
        "sent_email_days": KEEP_SENT.days,
        "remember_me_days": settings.REMEMBER_ME_DAYS,
    }


def privacy_notice(request, code: str | None = None):
    school = _school(request, code)
    return render(
        request,
        "portal/privacy_notice.html",
        {"establishment": school, "notice": notice_of(school), "retention": retention()},
    )


def legal_notice(request, code: str | None = None):
    school = _school(request, code)
    return render(request, "portal/legal_notice.html", {"establishment": school, "notice": notice_of(school)})


class PasswordConfirmForm(forms.Form):
    password = forms.CharField(
        label=gettext_lazy("Mot de passe actuel"),
        strip=False,
        max_length=200,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={
            "required": gettext_lazy("Saisissez votre mot de passe pour confirmer."),
            "max_length": gettext_lazy("Le mot de passe est incorrect."),
        },
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("Le mot de passe est incorrect."), code="password_incorrect")
        return password


@login_required
def delete_account(request):
    """ "Supprimer mon compte": what happens to each child's balance, then the password to confirm."""
    if request.user.is_staff:
        raise PermissionDenied  # a staff login is closed by a superuser, in the admin
    form = PasswordConfirmForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        leave(request.user)
        logout(request)
        messages.success(request, _("Votre compte est supprimé. Vos enfants restent inscrits à la cantine."))
        return redirect("portal:root")
    return render(request, "portal/delete_account.html", {"form": form, "children": outcomes(request.user)})


def _family_for_staff(request, pk: int) -> User:
    """A parent's login, for a staff member allowed to act for families and working at one of its schools."""
    if not request.user.is_authenticated or not request.user.is_staff or not request.user.has_perm(PERMISSION):
        raise PermissionDenied
    parents = User.objects.filter(is_staff=False, anonymised_at__isnull=True)
    if not request.user.is_superuser:
        schools = Establishment.objects.for_staff(request.user).values("pk")
        parents = parents.filter(Q(guardianships__pupil__establishment__in=schools)).distinct()
    return get_object_or_404(parents, pk=pk)


def staff_delete_family(request, pk: int):
    """Staff delete a family's account at its request (a letter, a visit): the same as "Supprimer mon compte"."""
    parent = _family_for_staff(request, pk)
    if request.method == "POST":
        if request.POST.get("confirm") != "yes":
            messages.error(request, _("Cochez la case pour confirmer la suppression."))
        else:
            leave(parent, by=request.user)
            messages.success(request, _("Le compte de la famille est supprimé et son identifiant anonymisé."))
            return redirect("admin:accounts_user_changelist")
    return render(request, "admin/accounts/user/delete_family.html", {"parent": parent, "children": outcomes(parent)})


def staff_export_family(request, pk: int, fmt: str):
    """A family's data, for a family that asks by post: its own download's file, limited to the staff member's
    establishments (each answers for its own rows), and journaled."""
    parent = _family_for_staff(request, pk)
    if fmt not in ("json", "csv"):
        raise Http404
    record(request.user, parent, _("Données de la famille exportées à sa demande (%(format)s).") % {"format": fmt})
    schools = None if request.user.is_superuser else Establishment.objects.for_staff(request.user)
    return export.json_response(parent, schools) if fmt == "json" else export.csv_response(parent, schools)
