from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.formats import number_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts.ratelimit import over_limit, over_limit_for
from billing.models import meals_covered
from canteen.models import Establishment, Pupil, meal_prices
from portal.lib.emails import queue_email

from .establishments import SESSION_KEY, current_establishment
from .forms import ContactForm, EstablishmentLoginForm, QueuedPasswordResetForm

LOW_BALANCE = Decimal("10.00")
# Public forms that send email: per visitor address and hour, and per target email and hour.
RESETS_PER_ADDRESS, RESETS_PER_EMAIL = 10, 3
MESSAGES_PER_ADDRESS, MESSAGES_PER_LOGIN = 10, 5


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


@login_required
def home(request):
    """One card per child: school, balance and the whole meals it covers, in a fixed number of queries."""
    children = list(
        Pupil.objects.guarded_by(request.user)
        .select_related("establishment", "wallet")
        .order_by("first_name", "last_name")
    )
    prices = meal_prices(children)
    for child in children:
        child.meals_covered = meals_covered(child.wallet.balance, prices[child.pk])
    return render(request, "portal/home.html", {"children": children})


@never_cache
def healthz(request):
    """Liveness for load balancers: answers without touching the database."""
    return HttpResponse("ok", content_type="text/plain")


@never_cache
def readyz(request):
    """Readiness: the database answers and, where one is configured, the Celery broker too."""
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:  # any failure means "not ready"
        checks["database"] = f"error: {exc.__class__.__name__}"
    if settings.CELERY_BROKER_URL:
        from .celery import app

        try:
            with app.connection_for_write() as conn:
                conn.ensure_connection(max_retries=1, timeout=2)
            checks["broker"] = "ok"
        except Exception as exc:
            checks["broker"] = f"error: {exc.__class__.__name__}"
    ready = all(value == "ok" for value in checks.values())
    return JsonResponse(checks, status=200 if ready else 503)


@login_required
def messages_page(request):
    """ "Nous contacter": the message goes by email to the school, replies go to the parent."""
    establishment = current_establishment(request)
    form = ContactForm(request.POST or None)
    if request.method == "POST" and (
        over_limit(request, "contact", MESSAGES_PER_ADDRESS, 3600)
        or over_limit_for("contact", request.user.email, MESSAGES_PER_LOGIN, 3600)
    ):
        form.is_valid()
        form.add_error(
            None, _("Vous avez envoyé beaucoup de messages en peu de temps. Merci de réessayer dans une heure.")
        )
        return render(request, "portal/messages.html", {"form": form}, status=429)
    if request.method == "POST" and establishment is not None and form.is_valid():
        queue_email(
            "contact",
            establishment.contact_email,
            {
                "parent": {"email": request.user.email},
                "establishment": {"name": establishment.name},
                **form.cleaned_data,
            },
            reply_to=[request.user.email],
        )
        messages.success(request, _("Votre message a été envoyé à votre établissement scolaire."))
        return redirect("portal:messages")
    return render(request, "portal/messages.html", {"form": form})


@login_required
def notifications(request):
    """Alerts worked out from the family's accounts: negative or low balances."""
    alerts = []
    for child in Pupil.objects.guarded_by(request.user).select_related("wallet").order_by("first_name"):
        balance = child.wallet.balance
        if balance < 0:
            alerts.append(
                (
                    "danger",
                    _("Le solde de %(name)s est négatif : %(balance)s €.")
                    % {"name": child.first_name, "balance": number_format(balance, 2)},
                )
            )
        elif balance < LOW_BALANCE:
            alerts.append(
                (
                    "warning",
                    _("Le solde de %(name)s est bas : %(balance)s €.")
                    % {"name": child.first_name, "balance": number_format(balance, 2)},
                )
            )
    return render(request, "portal/notifications.html", {"alerts": alerts})
