from __future__ import annotations

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode
from django.views.decorators.http import require_POST

from canteen.models import Establishment
from portal.lib.public_forms import handled, render_form
from portal.lib.ratelimit import over_limit

from .forms import AccountRequestForm
from .models import User
from .tasks import send_activation_email

# Requests sent per client address and hour: a family sends a few, a robot many.
REQUESTS_PER_HOUR = 10
# Requests for one email per day, wherever they come from: a family with several children sends a few.
REQUESTS_PER_EMAIL_PER_DAY = 6


def account_request(request, code):
    """ "DEMANDE DE CRÉATION DE COMPTE". Whatever the email, the answer is the same page."""
    establishment = get_object_or_404(Establishment, code=code)
    # "Ajouter un enfant" from a parent's profile opens the form with their email filled in.
    email = request.GET.get("email", "")[:254] if request.user.is_authenticated else ""
    form = AccountRequestForm(request.POST or None, initial={"email": email, "email_again": email})
    if request.method == "POST" and handled(
        request,
        form,
        "account-request",
        REQUESTS_PER_HOUR,
        lambda data: form.save(establishment),
        per_email_a_day=REQUESTS_PER_EMAIL_PER_DAY,
    ):
        return redirect("accounts:request_sent", code=establishment.code)
    return render_form(request, "accounts/request.html", form, {"establishment": establishment})


def request_sent(request, code):
    establishment = get_object_or_404(Establishment, code=code)
    return render(request, "accounts/request_sent.html", {"establishment": establishment})


def terms(request, code):
    establishment = get_object_or_404(Establishment, code=code)
    return render(request, "accounts/terms.html", {"establishment": establishment})


class ActivateView(auth_views.PasswordResetConfirmView):
    """ "Créer mon mot de passe" from the emailed link; the parent is then logged in on the home page.

    Django's reset token expires after PASSWORD_RESET_TIMEOUT and stops working once the
    password is set, so the link works once.
    """

    template_name = "accounts/activate.html"
    post_reset_login = True
    post_reset_login_backend = settings.AUTHENTICATION_BACKENDS[-1]  # the password backend: it was just set
    success_url = reverse_lazy("portal:home")

    def get_context_data(self, **kwargs):
        return super().get_context_data(uidb64=self.kwargs["uidb64"], **kwargs)


@require_POST
def resend_activation(request, uidb64):
    """An expired link offers a new one. Only logins whose password was never set get one."""
    if over_limit(request, "activation-resend", REQUESTS_PER_HOUR, 3600):
        return render(request, "accounts/activation_resent.html", {"limited": True}, status=429)
    try:
        user = User.objects.filter(pk=int(force_str(urlsafe_base64_decode(uidb64)))).first()
    except (TypeError, ValueError, OverflowError):
        user = None
    if user is not None and not user.has_usable_password():
        send_activation_email(user.pk)  # to the outbox now; never fails because of the broker
    return render(request, "accounts/activation_resent.html", {"limited": False})
