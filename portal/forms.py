from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.utils.translation import gettext_lazy as _

from .lib.emails import queue_email


class EstablishmentLoginForm(AuthenticationForm):
    """The reference's login box: identifiant (email) and mot de passe."""

    username = forms.EmailField(
        label=_("Identifiant (votre adresse email)"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )
    remember = forms.BooleanField(label=_("Rester connecté"), required=False)
    error_messages = {
        "invalid_login": _("Nom d'utilisateur ou mot de passe incorrect."),
        "inactive": _("Ce compte est désactivé. Contactez votre établissement scolaire."),
    }

    def clean(self):
        # An email that is not even an address is a failed login too: one message for all failures.
        if "username" in self.errors:
            raise self.get_invalid_login_error()
        return super().clean()


class QueuedPasswordResetForm(PasswordResetForm):
    """Django's reset form, never revealing whether an email has a login, sending by the one email road
    (templates ``emails/password-reset-*``)."""

    def send_mail(
        self, subject_template_name, email_template_name, context, from_email, to_email, html_email_template_name=None
    ):
        plain = {name: context[name] for name in ("email", "domain", "site_name", "uid", "token", "protocol")}
        queue_email("password-reset", to_email, {**plain, "user": {"email": context["user"].email}})


class ContactForm(forms.Form):
    """ "Nous contacter": a message from a parent to the school."""

    subject = forms.CharField(label=_("Objet"), max_length=150)
    message = forms.CharField(label=_("Message"), max_length=5000, widget=forms.Textarea(attrs={"rows": 6}))
