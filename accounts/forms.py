from __future__ import annotations

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from portal.lib.public_forms import PublicForm

from .models import AccountRequest, normalize_email


class AccountRequestForm(PublicForm):
    """ "DEMANDE DE CRÉATION DE COMPTE", with the reference guide's labels."""

    card_digits = forms.CharField(
        label=_("N° de la carte Self ou identifiant biométrie (5 derniers chiffres)"),
        required=False,
        max_length=5,
        validators=[RegexValidator(r"^[0-9]{5}$", _("Saisissez exactement 5 chiffres, ou laissez ce champ vide."))],
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        error_messages={"max_length": _("Saisissez exactement 5 chiffres, ou laissez ce champ vide.")},
    )
    last_name = forms.CharField(
        label=_("Nom du titulaire de la carte"),
        max_length=100,
        error_messages={"required": _("Indiquez le nom de l'enfant titulaire de la carte.")},
    )
    first_name = forms.CharField(
        label=_("Prénom du titulaire de la carte"),
        max_length=100,
        error_messages={"required": _("Indiquez le prénom de l'enfant titulaire de la carte.")},
    )
    email = forms.EmailField(
        label=_("Votre e-mail"),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={
            "required": _("Indiquez votre adresse e-mail."),
            "invalid": _("Cette adresse e-mail n'est pas valide."),
        },
    )
    email_again = forms.EmailField(
        label=_("Veuillez ressaisir votre e-mail"),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={
            "required": _("Ressaisissez votre adresse e-mail."),
            "invalid": _("Cette adresse e-mail n'est pas valide."),
        },
    )
    terms = forms.BooleanField(
        label=_("J'accepte les conditions d'utilisation"),
        error_messages={"required": _("Vous devez accepter les conditions d'utilisation.")},
    )

    def clean_card_digits(self) -> str:
        return self.cleaned_data["card_digits"].strip()

    def clean_email(self) -> str:
        return normalize_email(self.cleaned_data["email"])

    def clean_email_again(self) -> str:
        again = normalize_email(self.cleaned_data["email_again"])
        if "email" in self.cleaned_data and again != self.cleaned_data["email"]:
            raise forms.ValidationError(_("Les deux adresses e-mail sont différentes."), code="mismatch")
        return again

    def save(self, establishment) -> AccountRequest:
        """Store the request, unless the same one for the same child and email is already pending."""
        data = self.cleaned_data
        fields = {
            "establishment": establishment,
            "email": data["email"],
            "last_name": " ".join(data["last_name"].split()),
            "first_name": " ".join(data["first_name"].split()),
            "card_digits": data["card_digits"],
        }
        pending = AccountRequest.objects.filter(
            status=AccountRequest.Status.PENDING,
            establishment=establishment,
            email=fields["email"],
            last_name__iexact=fields["last_name"],
            first_name__iexact=fields["first_name"],
        ).first()
        return pending or AccountRequest.objects.create(terms_accepted=True, **fields)


class RefusalForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif du refus (envoyé au parent)"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Indiquez le motif du refus : il est envoyé au parent.")},
    )
