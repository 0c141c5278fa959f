"""The family's quotient familial: declared in "Mon profil" with its attestation, decided by the school's staff
(``canteen.admin_quotient``), the parent told of the decision and, a month before it expires, reminded.

The attestation is served by ``attestation`` only: to the parent who declared it and to the staff of its
establishment; anyone else gets 404 (a parent) or 403 (another school's staff), like the admin.
"""

from __future__ import annotations

import datetime

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from canteen.attestations import attestation_extension
from canteen.models import Establishment, Pupil
from canteen.quotient import MAX_QUOTIENT, FamilyQuotient, Issuer, QuotientStatus
from portal.lib.emails import queue_email
from portal.lib.localtime import today_at

from .models import Notification, NotificationKind
from .notifications import notify

# An attestation older than this is not the family's current situation.
MAX_ATTESTATION_AGE = datetime.timedelta(days=366)
# Families hear this long before their QF expires.
REMINDER_BEFORE = datetime.timedelta(days=31)
CONTENT_TYPES = {".pdf": "application/pdf", ".jpg": "image/jpeg", ".png": "image/png"}


class QuotientForm(forms.Form):
    establishment = forms.ModelChoiceField(
        label=gettext_lazy("Établissement"),
        queryset=Establishment.objects.none(),
        empty_label=None,
        error_messages={"invalid_choice": gettext_lazy("Choisissez l'établissement d'un de vos enfants.")},
    )
    value = forms.CharField(
        label=gettext_lazy("Quotient familial"),
        max_length=12,
        help_text=gettext_lazy("Le nombre inscrit sur votre attestation, par exemple 450."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    issuer = forms.ChoiceField(
        label=gettext_lazy("Organisme"), choices=Issuer.choices, widget=forms.RadioSelect, initial=Issuer.CAF
    )
    attestation_date = forms.DateField(
        label=gettext_lazy("Date de l'attestation"),
        help_text=gettext_lazy("Au format JJ/MM/AAAA."),
        input_formats=["%d/%m/%Y", "%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": gettext_lazy("Saisissez une date valide, par exemple 15/09/2026.")},
    )
    attestation = forms.FileField(
        label=gettext_lazy("Attestation (PDF, JPEG ou PNG, 5 Mo au plus)"),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/jpeg,image/png"}),
        error_messages={"required": gettext_lazy("Joignez votre attestation CAF ou MSA.")},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        schools = Establishment.objects.filter(pupils__guardianships__user=user).distinct().order_by("name")
        self.fields["establishment"].queryset = schools
        self.only_school = schools[0] if len(schools) == 1 else None
        if self.only_school:  # nothing to choose: not asked
            del self.fields["establishment"]

    def clean_value(self) -> int:
        text = self.cleaned_data["value"].replace(" ", "").replace("\u00a0", "").replace("\u202f", "")
        text = text.removesuffix(",00").removesuffix(".00")
        if not text.isdigit() or not text.isascii():
            raise forms.ValidationError(_("Saisissez le quotient en chiffres, sans décimales, par exemple 450."))
        value = int(text)
        if value > MAX_QUOTIENT:
            raise forms.ValidationError(
                _("Un quotient familial ne dépasse pas %(max)s : vérifiez votre attestation.") % {"max": MAX_QUOTIENT}
            )
        return value

    def clean_attestation_date(self) -> datetime.date:
        day = self.cleaned_data["attestation_date"]
        today = timezone.localdate()
        if day > today:
            raise forms.ValidationError(_("La date de l'attestation ne peut pas être dans le futur."))
        if day < today - MAX_ATTESTATION_AGE:
            raise forms.ValidationError(_("Cette attestation a plus d'un an : demandez-en une récente à votre caisse."))
        return day

    def clean_attestation(self):
        upload = self.cleaned_data["attestation"]
        extension = attestation_extension(upload)
        upload.name = f"attestation{extension}"  # the parent's file name is never kept
        return upload

    def save(self) -> FamilyQuotient:
        """A new declaration, or the pending one of that establishment replaced (its file with it)."""
        data = self.cleaned_data
        data.setdefault("establishment", self.only_school)
        with transaction.atomic():
            quotient = (
                FamilyQuotient.objects.select_for_update()
                .filter(user=self.user, establishment=data["establishment"], status=QuotientStatus.PENDING)
                .first()
            ) or FamilyQuotient(user=self.user, establishment=data["establishment"])
            replaced = quotient.attestation.name if quotient.pk else None
            quotient.value, quotient.issuer = data["value"], data["issuer"]
            quotient.attestation_date = data["attestation_date"]
            quotient.attestation = data["attestation"]
            quotient.save()
            if replaced:
                storage = quotient.attestation.storage
                transaction.on_commit(lambda: storage.delete(replaced))
        return quotient


@login_required
def quotient(request):
    """Declare the QF (or replace a declaration not yet decided) and see what the school decided."""
    has_children = Pupil.objects.guarded_by(request.user).exists()
    form = QuotientForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and has_children and form.is_valid():
        form.save()
        messages.success(
            request, _("Votre quotient familial est envoyé à l'établissement, qui le validera après vérification.")
        )
        return redirect("portal:quotient")
    declared = FamilyQuotient.objects.filter(user=request.user).select_related("establishment")
    return render(
        request,
        "portal/quotient.html",
        {"form": form, "declared": declared, "has_children": has_children},
        status=400 if form.errors else 200,
    )


@login_required
def attestation(request, pk: int):
    """The attestation's file, to the parent who declared it or to the staff of its establishment."""
    quotient = get_object_or_404(FamilyQuotient.objects.select_related("establishment"), pk=pk)
    user = request.user
    if quotient.user_id != user.pk:
        if not user.is_staff:
            raise Http404
        allowed = Establishment.objects.for_staff(user).filter(pk=quotient.establishment_id).exists()
        if not (allowed and user.has_perm("canteen.view_familyquotient")):
            raise PermissionDenied
    if not quotient.attestation:
        raise Http404
    name = quotient.attestation.name
    extension = name[name.rfind(".") :].lower()
    response = FileResponse(
        quotient.attestation.open("rb"),
        content_type=CONTENT_TYPES.get(extension, "application/octet-stream"),
        filename=f"attestation-quotient-familial{extension}",
    )
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "sandbox"
    return response


def notify_decision(quotient: FamilyQuotient) -> None:
    """The parent hears of the school's decision: a notification and an email (in the caller's transaction)."""
    validated = quotient.status == QuotientStatus.VALIDATED
    params = {"value": quotient.value, "establishment": quotient.establishment.name}
    if validated:
        params |= {"start": quotient.applies_from.isoformat(), "end": quotient.expires_on.isoformat()}
    else:
        params["reason"] = quotient.refusal_reason
    link = reverse("portal:quotient")
    kind = NotificationKind.QUOTIENT_VALIDATED if validated else NotificationKind.QUOTIENT_REFUSED
    notify([Notification(user_id=quotient.user_id, kind=kind, params=params, link=link)])
    context = {
        "validated": validated,
        "value": quotient.value,
        "establishment": {"name": quotient.establishment.name},
        "start": date_format(quotient.applies_from, "SHORT_DATE_FORMAT") if validated else "",
        "end": date_format(quotient.expires_on, "SHORT_DATE_FORMAT") if validated else "",
        "reason": quotient.refusal_reason,
        "link": settings.SITE_URL + link,
    }
    queue_email("quotient-decided", quotient.user.email, context)


def remind_expiring_quotients() -> int:
    """Each family whose validated QF expires within a month hears it once (a notification and an email), to
    send the new attestation in time. Safe to run again: a QF reminded is marked in the same transaction."""
    count = 0
    soon = timezone.localdate() + REMINDER_BEFORE + datetime.timedelta(days=1)  # a day's margin for time zones
    candidates = FamilyQuotient.objects.filter(
        status=QuotientStatus.VALIDATED, reminded_at__isnull=True, expires_on__lte=soon
    ).order_by("pk")
    for pk in candidates.values_list("pk", flat=True).iterator(chunk_size=500):
        with transaction.atomic():
            quotient = (
                FamilyQuotient.objects.select_for_update(of=("self",))
                .select_related("establishment", "user")
                .filter(pk=pk, reminded_at__isnull=True)
                .first()
            )
            if quotient is None:  # reminded meanwhile by another run
                continue
            today = today_at(quotient.establishment)
            if not (today <= quotient.expires_on <= today + REMINDER_BEFORE):
                continue
            replaced = FamilyQuotient.objects.filter(
                user_id=quotient.user_id, establishment_id=quotient.establishment_id, created_at__gt=quotient.created_at
            ).exclude(status=QuotientStatus.REFUSED)
            if not replaced.exists():
                _remind(quotient)
                count += 1
            FamilyQuotient.objects.filter(pk=pk).update(reminded_at=timezone.now())
    return count


def _remind(quotient: FamilyQuotient) -> None:
    link = reverse("portal:quotient")
    end = date_format(quotient.expires_on, "SHORT_DATE_FORMAT")
    notify(
        [
            Notification(
                user_id=quotient.user_id,
                kind=NotificationKind.QUOTIENT_EXPIRING,
                params={"value": quotient.value, "end": quotient.expires_on.isoformat()},
                link=link,
            )
        ]
    )
    context = {
        "value": quotient.value,
        "end": end,
        "establishment": {"name": quotient.establishment.name},
        "link": settings.SITE_URL + link,
    }
    queue_email("quotient-expiring", quotient.user.email, context)
