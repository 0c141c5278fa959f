from __future__ import annotations

import re
from decimal import Decimal

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import User, normalize_email
from canteen.models import MAX_ALERT_THRESHOLD, AlertSettings, Pupil
from portal.lib.emails import queue_email
from portal.lib.forms import MoneyField
from portal.lib.iban import contains_iban
from portal.lib.money import euros
from portal.lib.public_forms import PublicForm

from .models import Subject


class EstablishmentLoginForm(AuthenticationForm):
    """The reference's login box: identifiant (email) and mot de passe."""

    username = forms.EmailField(
        label=_("Identifiant (votre adresse e-mail)"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )
    remember = forms.BooleanField(label=_("Rester connecté"), required=False)
    error_messages = {
        "invalid_login": _("Identifiant ou mot de passe incorrect."),
        "inactive": _("Ce compte est désactivé. Contactez votre établissement scolaire."),
    }

    def clean(self):
        # An email that is not even an address is a failed login too: one message for all failures.
        if "username" in self.errors:
            raise self.get_invalid_login_error()
        return super().clean()


class QueuedPasswordResetForm(PasswordResetForm):
    """Django's reset form, never revealing whether an email has a login, sending by the one email road
    (templates ``emails/password-reset-*``). The link starts with ``SITE_URL``, as in every other email: never
    with the request's ``Host``, which whoever posts the form chooses.

    The same work whatever the email: for an address without a login, a stand-in login gets its token and
    its email is written to the outbox and rolled back, so that the answer takes as long (a known email
    otherwise answered a few milliseconds later, enough to tell who has a login)."""

    def get_users(self, email):
        users = list(super().get_users(email))
        return users or [User(email=normalize_email(email), password="!")]  # the stand-in, never saved

    def send_mail(
        self, subject_template_name, email_template_name, context, from_email, to_email, html_email_template_name=None
    ):
        plain = {name: context[name] for name in ("email", "uid", "token")}
        stand_in = context["user"].pk is None
        with transaction.atomic():
            queue_email(
                "password-reset",
                to_email,
                {**plain, "site_url": settings.SITE_URL, "user": {"email": context["user"].email}},
            )
            # The stand-in's email is written, then undone with its queueing: nothing leaves.
            transaction.set_rollback(stand_in)


CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_body(value: str) -> str:
    value = value.strip()
    if CONTROL.search(value):
        raise forms.ValidationError(_("Le message contient des caractères invalides."), code="control")
    # An IBAN has no place in a message: the cashier sets the direct-debit mandate up with the parent.
    if contains_iban(value):
        raise forms.ValidationError(
            _(
                "N'écrivez pas d'IBAN dans un message : le service de caisse vous recontacte pour mettre "
                "le prélèvement en place."
            ),
            code="iban",
        )
    return value


class MessageBodyField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Message"))
        kwargs.setdefault("max_length", 5000)
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 6}))
        kwargs.setdefault("error_messages", {"required": _("Écrivez votre message.")})
        super().__init__(**kwargs)

    def clean(self, value):
        return clean_body(super().clean(value))


class ThreadForm(forms.Form):
    """ "Nous contacter": a parent writes to the establishment of one of their children."""

    subject = forms.ChoiceField(label=_("Objet"), choices=Subject.choices)
    pupil = forms.ModelChoiceField(
        label=_("Enfant concerné"),
        queryset=Pupil.objects.none(),
        empty_label=None,
        error_messages={"invalid_choice": _("Choisissez l'un de vos enfants.")},
    )
    message = MessageBodyField()

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the parent's own children: another pupil's id is refused as an invalid choice.
        self.fields["pupil"].queryset = (
            Pupil.objects.guarded_by(user).select_related("establishment").order_by("first_name")
        )
        self.fields["pupil"].label_from_instance = lambda p: f"{p.first_name} {p.last_name} — {p.establishment.name}"


class ReplyForm(forms.Form):
    message = MessageBodyField(label=_("Votre réponse"))


class PublicContactForm(PublicForm):
    """ "Contacter mon établissement scolaire" from the login page, for people without a login."""

    name = forms.CharField(label=_("Votre nom et prénom"), max_length=200)
    email = forms.EmailField(
        label=_("Votre e-mail"),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={"invalid": _("Cette adresse e-mail n'est pas valide.")},
    )
    pupil_name = forms.CharField(label=_("Nom et prénom de l'élève"), max_length=200, required=False)
    subject = forms.ChoiceField(label=_("Objet"), choices=Subject.choices)
    message = MessageBodyField()

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if CONTROL.search(name):
            raise forms.ValidationError(_("Le nom contient des caractères invalides."), code="control")
        return name

    def clean_pupil_name(self) -> str:
        return " ".join(CONTROL.sub("", self.cleaned_data["pupil_name"]).split())


class AlertSettingsForm(forms.ModelForm):
    """The low-balance alert of the profile: on or off, and under which balance (two meals when empty)."""

    threshold = MoneyField(
        allow_zero=True,
        label=_("Seuil d'alerte (€)"),
        required=False,
        help_text=_("Laissez vide pour le prix de deux repas."),
    )

    class Meta:
        model = AlertSettings
        fields = ["enabled", "threshold", "booking_reminders"]

    def clean_threshold(self) -> Decimal | None:
        threshold = self.cleaned_data["threshold"]
        if threshold is not None and threshold > MAX_ALERT_THRESHOLD:
            raise forms.ValidationError(
                _("Le seuil ne peut pas dépasser %(maximum)s."),
                code="too_high",
                params={"maximum": euros(MAX_ALERT_THRESHOLD)},
            )
        return threshold
