"""The parent's profile beyond alerts: changing the login email (confirmed by a link sent to the new
address, the old one told) and downloading everything held on the family (JSON or CSV)."""

from __future__ import annotations

import csv
import json

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from accounts.models import User, normalize_email
from billing.models import LedgerEntry, Payment
from canteen.models import Pupil
from portal.lib.emails import queue_email

from .models import AlertSettings, Message, Notification

EMAIL_CHANGE_SALT = "portal.email-change"
EMAIL_CHANGE_MAX_AGE = 3 * 24 * 3600


class EmailChangeForm(forms.Form):
    email = forms.EmailField(
        label=gettext_lazy("Nouvelle adresse email"),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={"invalid": gettext_lazy("Cette adresse email n'est pas valide.")},
    )
    password = forms.CharField(
        label=gettext_lazy("Mot de passe actuel"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_email(self) -> str:
        email = normalize_email(self.cleaned_data["email"])
        if email == self.user.email:
            raise forms.ValidationError(_("C'est déjà votre adresse email."), code="same")
        return email

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("Le mot de passe actuel est incorrect."), code="password_incorrect")
        return password


def email_change_token(user: User, new_email: str) -> str:
    # Bound to the current address too: once the email changes, every older link stops working.
    return signing.dumps({"u": user.pk, "old": user.email, "new": new_email}, salt=EMAIL_CHANGE_SALT)


@login_required
def change_email(request):
    form = EmailChangeForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        new = form.cleaned_data["email"]
        link = settings.SITE_URL + reverse("portal:confirm_email", args=[email_change_token(request.user, new)])
        queue_email("email-change-confirm", new, {"old_email": request.user.email, "new_email": new, "link": link})
        messages.success(
            request,
            _("Un lien de confirmation est envoyé à %(email)s : votre identifiant change quand vous l'ouvrez.")
            % {"email": new},
        )
        return redirect("portal:profile")
    return render(request, "portal/change_email.html", {"form": form})


@login_required
def confirm_email(request, token: str):
    """The link of the confirmation email: valid 3 days, for the login that asked, once."""
    try:
        data = signing.loads(token, salt=EMAIL_CHANGE_SALT, max_age=EMAIL_CHANGE_MAX_AGE)
    except signing.BadSignature:  # includes SignatureExpired
        data = None
    user = request.user
    if not isinstance(data, dict) or data.get("u") != user.pk or data.get("old") != user.email:
        messages.error(
            request, _("Ce lien de confirmation n'est pas valide ou a expiré. Recommencez depuis votre profil.")
        )
        return redirect("portal:profile")
    old, new = user.email, data["new"]
    try:
        with transaction.atomic():
            # Conditional update: two clicks on the link change the address once.
            changed = User.objects.filter(pk=user.pk, email=old).update(email=new)
    except IntegrityError:
        changed = 0
    if not changed:
        messages.error(
            request, _("Cette adresse email ne peut pas être utilisée. Contactez votre établissement scolaire.")
        )
        return redirect("portal:profile")
    queue_email("email-changed", old, {"old_email": old, "new_email": new})
    user.email = new
    messages.success(request, _("Votre identifiant est maintenant %(email)s.") % {"email": new})
    return redirect("portal:profile")


# Everything held on the family: the login, the children, their operations, payments, messages, notifications.


def _family(user: User):
    pupils = list(Pupil.objects.guarded_by(user).select_related("establishment", "wallet").order_by("pk"))
    return pupils


def _records(user: User):
    """(section, record) pairs, streamed: operations are read in chunks, never all at once."""
    yield (
        "profil",
        {
            "email": user.email,
            "prenom": user.first_name,
            "nom": user.last_name,
            "inscrit_le": user.date_joined,
            "derniere_connexion": user.last_login,
        },
    )
    alert = AlertSettings.objects.filter(user=user).first()
    yield (
        "alerte",
        {"active": alert.enabled if alert else True, "seuil": alert.threshold if alert else None},
    )
    pupils = _family(user)
    for p in pupils:
        yield (
            "enfant",
            {
                "id": p.pk,
                "prenom": p.first_name,
                "nom": p.last_name,
                "etablissement": p.establishment.name,
                "classe": p.class_name,
                "categorie": p.category,
                "carte": p.card_number,
                "solde": p.wallet.balance,
            },
        )
    entries = (
        LedgerEntry.objects.filter(wallet__pupil__in=pupils)
        .select_related("wallet__pupil")
        .order_by("wallet__pupil_id", "occurred_at", "id")
    )
    for e in entries.iterator(chunk_size=2000):
        yield (
            "operation",
            {
                "enfant": e.wallet.pupil.first_name,
                "date": e.occurred_at,
                "detail": e.label,
                "montant": e.amount,
                "solde_apres": e.balance_after,
            },
        )
    for pay in Payment.objects.filter(user=user).order_by("created_at"):
        yield (
            "paiement",
            {
                "numero": pay.order_number,
                "date": pay.created_at,
                "moyen": pay.get_method_display(),
                "statut": pay.get_status_display(),
                "montant": pay.amount,
            },
        )
    messages_ = Message.objects.filter(thread__parent=user).select_related("thread").order_by("thread_id", "created_at")
    for m in messages_:
        yield (
            "message",
            {
                "fil": m.thread_id,
                "objet": m.thread.get_subject_display(),
                "date": m.created_at,
                "de": _("établissement") if m.from_staff else _("vous"),
                "texte": m.body,
            },
        )
    for n in Notification.objects.filter(user=user).order_by("created_at"):
        yield ("notification", {"date": n.created_at, "texte": n.text, "lue_le": n.read_at})


@login_required
@require_GET
def export_json(request):
    """Every record as JSON, streamed: {"profil": {...}, "enfant": [...], "operation": [...], ...}."""
    encoder = DjangoJSONEncoder(ensure_ascii=False)

    def chunks():
        yield '{"exporte_le": ' + encoder.encode(timezone.now()) + ', "donnees": ['
        first = True
        for section, record in _records(request.user):
            yield ("" if first else ",\n") + encoder.encode({"rubrique": section, **_plain(record)})
            first = False
        yield "]}\n"

    response = StreamingHttpResponse(chunks(), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="mes-donnees.json"'
    return response


class _Echo:
    def write(self, value: str) -> str:
        return value


@login_required
@require_GET
def export_csv(request):
    """The same records as CSV: one line each, "rubrique;champ=valeur;…" for a spreadsheet."""
    writer = csv.writer(_Echo(), delimiter=";")

    def rows():
        yield "\ufeff" + writer.writerow([_("rubrique"), _("champ"), _("valeur")])
        for number, (section, record) in enumerate(_records(request.user), start=1):
            for key, value in _plain(record).items():
                yield writer.writerow([f"{section} {number}", key, "" if value is None else _cell(value)])

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="mes-donnees.csv"'
    return response


def _plain(record: dict) -> dict:
    return {key: (str(value) if hasattr(value, "_proxy____cast") else value) for key, value in record.items()}


def _cell(value) -> str:
    if not isinstance(value, str):  # numbers, dates and booleans as JSON writes them
        return str(json.loads(DjangoJSONEncoder().encode(value)))
    # A spreadsheet runs a cell starting with = + - @ as a formula: a message or a name could carry one.
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
