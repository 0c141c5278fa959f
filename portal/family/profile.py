"""The parent's profile: the low-balance alert, the password, and the login email (changed once a link sent
to the new address is opened, the old one told). Downloading the family's data is ``export``."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.core import signing
from django.db import IntegrityError, transaction
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User, normalize_email
from canteen.models import AlertSettings, Pupil
from portal.lib.emails import queue_email
from portal.lib.ratelimit import over_limit_for

from .forms import AlertSettingsForm


@login_required
def profile(request):
    """The parent's profile: low-balance alert settings, the children linked, and the password."""
    alert_settings = AlertSettings.objects.filter(user=request.user).first() or AlertSettings(user=request.user)
    form = AlertSettingsForm(request.POST or None, instance=alert_settings)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Vos réglages d'alerte sont enregistrés."))
        return redirect("portal:profile")
    children = Pupil.objects.guarded_by(request.user).select_related("establishment").order_by("first_name")
    return render(request, "portal/profile.html", {"form": form, "children": children})


def current_password_ok(request, password: str) -> bool:
    """The current password, checked the way a login is: through django-axes, so that each wrong try counts
    towards the login's lockout (per login and per address) and a locked login or address is refused here
    too (the lockout page, from axes' middleware). Without it, the profile would be an unlimited oracle."""
    user = authenticate(request, username=request.user.email, password=password)
    return user is not None and user.pk == request.user.pk


class CountedPasswordChangeForm(PasswordChangeForm):
    def __init__(self, *args, request, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request

    def clean_old_password(self) -> str:
        old_password = self.cleaned_data["old_password"]
        if not current_password_ok(self.request, old_password):
            raise forms.ValidationError(self.error_messages["password_incorrect"], code="password_incorrect")
        return old_password


class PasswordChange(auth_views.PasswordChangeView):
    """Django's form: the current password first (counted like a login), then the new one twice; the session
    stays open."""

    template_name = "portal/password_change.html"
    success_url = reverse_lazy("portal:profile")
    form_class = CountedPasswordChangeForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}

    def form_valid(self, form):
        messages.success(self.request, _("Votre mot de passe est changé."))
        return super().form_valid(form)


EMAIL_CHANGE_SALT = "portal.email-change"
EMAIL_CHANGE_MAX_AGE = 3 * 24 * 3600


class EmailChangeForm(forms.Form):
    email = forms.EmailField(
        label=gettext_lazy("Nouvelle adresse e-mail"),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={"invalid": gettext_lazy("Cette adresse e-mail n'est pas valide.")},
    )
    password = forms.CharField(
        label=gettext_lazy("Mot de passe actuel"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, request, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request
        self.user = request.user

    def clean_email(self) -> str:
        email = normalize_email(self.cleaned_data["email"])
        if email == self.user.email:
            raise forms.ValidationError(_("C'est déjà votre adresse e-mail."), code="same")
        return email

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not current_password_ok(self.request, password):
            raise forms.ValidationError(_("Le mot de passe actuel est incorrect."), code="password_incorrect")
        return password


def email_change_token(user: User, new_email: str) -> str:
    # Bound to the current address too: once the email changes, every older link stops working.
    return signing.dumps({"u": user.pk, "old": user.email, "new": new_email}, salt=EMAIL_CHANGE_SALT)


# Confirmation emails a login may have sent, per hour; and one address may receive, per day, from all logins.
EMAIL_CHANGES_PER_HOUR, EMAIL_CHANGES_PER_ADDRESS_A_DAY = 3, 3


@login_required
def change_email(request):
    form = EmailChangeForm(request.POST or None, request=request)
    if request.method == "POST" and form.is_valid():
        new = form.cleaned_data["email"]
        # Each confirmation goes to an address the parent typed: never a way to flood a stranger's inbox.
        if over_limit_for("email-change", str(request.user.pk), EMAIL_CHANGES_PER_HOUR, 3600) or over_limit_for(
            "email-change-to", new, EMAIL_CHANGES_PER_ADDRESS_A_DAY, 86400
        ):
            form.add_error(
                None,
                _("Vous avez demandé beaucoup de confirmations en peu de temps. Merci de réessayer plus tard."),
            )
            return render(request, "portal/change_email.html", {"form": form}, status=429)
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
            request, _("Cette adresse e-mail ne peut pas être utilisée. Contactez votre établissement scolaire.")
        )
        return redirect("portal:profile")
    queue_email("email-changed", old, {"old_email": old, "new_email": new})
    user.email = new
    messages.success(request, _("Votre identifiant est maintenant %(email)s.") % {"email": new})
    return redirect("portal:profile")
