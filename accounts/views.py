from __future__ import annotations

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode
from django.views.decorators.http import require_POST

from canteen.models import Establishment
from portal.lib.emails import queue_email
from portal.lib.localtime import local
from portal.lib.public_forms import handled, render_form
from portal.lib.ratelimit import over_limit

from .forms import AccountRequestForm
from .models import AccountRequest, User
from .tasks import children_of, send_activation_email

# Requests sent per client address and hour: a family sends a few, a robot many.
REQUESTS_PER_HOUR = 10
# Requests for one email per day, wherever they come from: a family with several children sends a few.
REQUESTS_PER_EMAIL_PER_DAY = 6


# What the last request of this browser typed, offered again by "Demander pour un autre enfant".
LAST_REQUEST_KEY = "accounts.last_request"


def account_request(request, code):
    """ "DEMANDE DE CRÉATION DE COMPTE". Whatever the email, the answer is the same page, and an
    acknowledgement goes to the email typed (the school's answer comes later)."""
    establishment = get_object_or_404(Establishment, code=code)
    form = AccountRequestForm(request.POST or None, initial=_initial(request))

    def act(data) -> None:
        made = form.save(establishment)
        acknowledge(made)
        # Kept in this browser's session only: the next child's form is filled in, never someone else's.
        request.session[LAST_REQUEST_KEY] = {"email": data["email"], "last_name": made.last_name}

    if request.method == "POST" and handled(
        request, form, "account-request", REQUESTS_PER_HOUR, act, per_email_a_day=REQUESTS_PER_EMAIL_PER_DAY
    ):
        return redirect("accounts:request_sent", code=establishment.code)
    return render_form(request, "accounts/request.html", form, {"establishment": establishment})


def _initial(request) -> dict:
    """A logged-in parent's own email ("Ajouter un enfant" from "Mon profil"), or what this browser typed in
    its last request ("Demander pour un autre enfant")."""
    if request.user.is_authenticated:
        return {"email": request.user.email, "email_again": request.user.email}
    last = request.session.get(LAST_REQUEST_KEY) or {}
    email = str(last.get("email", ""))[:254]
    return {"email": email, "email_again": email, "last_name": str(last.get("last_name", ""))[:100]}


def acknowledge(account_request: AccountRequest) -> None:
    """ "Demande reçue", to the email typed: the parent knows the request arrived and when."""
    establishment = account_request.establishment
    received = local(account_request.created_at, establishment)
    queue_email(
        "account-request-received",
        account_request.email,
        {
            "request": {"first_name": account_request.first_name, "last_name": account_request.last_name},
            "establishment": {"name": establishment.name, "code": establishment.code},
            "date": received.strftime("%d/%m/%Y"),
            "time": received.strftime("%H:%M"),
            "another_url": settings.SITE_URL + reverse("accounts:request", args=[establishment.code]),
        },
        reply_to=[establishment.contact_email],
        sender_name=establishment.name,
    )


def request_sent(request, code):
    establishment = get_object_or_404(Establishment, code=code)
    last = request.session.get(LAST_REQUEST_KEY) or {}
    return render(request, "accounts/request_sent.html", {"establishment": establishment, "email": last.get("email")})


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
        # A link used already, because the password was chosen from another email: say so, and the way in.
        password_set = self.user is not None and self.user.has_usable_password()
        return super().get_context_data(
            uidb64=self.kwargs["uidb64"], password_set=password_set, login_url=login_url(self.user), **kwargs
        )


@require_POST
def resend_activation(request, uidb64):
    """An expired link offers a new one, written to the outbox at once. Only logins whose password was never
    set get one; the page says what happened (the link's own login: a number, never an email)."""
    if over_limit(request, "activation-resend", REQUESTS_PER_HOUR, 3600):
        return render(request, "accounts/activation_resent.html", {"outcome": "limited"}, status=429)
    try:
        user = User.objects.filter(pk=int(force_str(urlsafe_base64_decode(uidb64))), is_active=True).first()
    except (TypeError, ValueError, OverflowError):
        user = None
    if user is None:
        outcome = "unknown"
    elif user.has_usable_password():
        outcome = "password_set"
    else:
        send_activation_email(user.pk)  # to the outbox now; never fails because of the broker
        outcome = "sent"
    return render(request, "accounts/activation_resent.html", {"outcome": outcome, "login_url": login_url(user)})


def login_url(user: User | None) -> str:
    """The login page of the school of the login's first child (the site's root lists them all otherwise)."""
    _children, school = children_of(user) if user is not None else ([], None)
    return reverse("portal:login", args=[school.code]) if school else reverse("portal:root")
