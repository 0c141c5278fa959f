"""The way in: the site's root, an establishment's login page, and "Identifiant / mot de passe oublié ?"."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from canteen.models import Establishment
from portal.lib.ratelimit import over_limit, over_limit_for

from .establishments import SESSION_KEY
from .forms import (
    EstablishmentLoginForm,
    QueuedPasswordResetForm,
)

# Public forms that send email: per visitor address and hour, and per target email and hour.
RESETS_PER_ADDRESS, RESETS_PER_EMAIL = 10, 3


@require_GET
def root(request):
    """The site's root lists the establishments, or goes straight to the only one."""
    establishments = list(Establishment.objects.only("name", "code", "logo"))
    if len(establishments) == 1:
        url = reverse("portal:login", args=[establishments[0].code])
        next_url = request.GET.get("next")
        if next_url and url_has_allowed_host_and_scheme(next_url, {request.get_host()}):
            url += f"?next={next_url}"
        return redirect(url)
    return render(request, "portal/root.html", {"establishments": establishments})


class EstablishmentLoginView(auth_views.LoginView):
    template_name = "portal/login.html"
    form_class = EstablishmentLoginForm
    redirect_authenticated_user = True

    def dispatch(self, request, *args, **kwargs):
        self.establishment = get_object_or_404(Establishment, code=kwargs["code"])
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        response = super().form_valid(form)
        self.request.session[SESSION_KEY] = self.establishment.code
        if form.cleaned_data.get("remember"):
            self.request.session.set_expiry(settings.REMEMBER_ME_DAYS * 24 * 3600)
        else:
            self.request.session.set_expiry(0)  # ends when the browser closes
        return response

    def get_default_redirect_url(self):
        """Staff work in the admin: the school's login takes them there, a parent to their home."""
        if self.request.user.is_staff:
            return reverse("admin:index")
        return super().get_default_redirect_url()

    def get_context_data(self, **kwargs):
        return super().get_context_data(establishment=self.establishment, **kwargs)


class PasswordResetView(auth_views.PasswordResetView):
    """ "Identifiant / mot de passe oublié ?". Too many requests from one address get a clear 429; too many
    for one email send nothing more, with the usual answer, so that nobody learns whether it has a login."""

    form_class = QueuedPasswordResetForm
    email_template_name = "emails/password-reset-body.txt"
    html_email_template_name = "emails/password-reset-body.html"
    subject_template_name = "emails/password-reset-subject.txt"
    success_url = reverse_lazy("portal:password_reset_done")

    def post(self, request, *args, **kwargs):
        if over_limit(request, "password-reset", RESETS_PER_ADDRESS, 3600):
            form = self.get_form()
            form.is_valid()
            form.add_error(
                None, _("Vous avez demandé beaucoup de liens en peu de temps. Merci de réessayer dans une heure.")
            )
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        if over_limit_for("password-reset", form.cleaned_data["email"], RESETS_PER_EMAIL, 3600):
            return redirect(self.get_success_url())
        return super().form_valid(form)
