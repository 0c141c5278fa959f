from __future__ import annotations

import datetime
from collections import namedtuple
from datetime import timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import formats, timezone
from django.utils.html import escape
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts.ratelimit import over_limit, over_limit_for
from billing.children import children_with_wallets
from billing.models import meals_covered
from canteen.models import Establishment, Pupil
from portal.lib.cached_pages import render_cached, wallet_state
from portal.lib.emails import outbox_counts
from portal.lib.models import TaskFailure
from portal.lib.money import euros
from portal.lib.urls import cached_reverse

from . import messaging
from .auth import forget_unread_count
from .establishments import SESSION_KEY
from .forecast import CALENDAR_KEY, cached_forecasts
from .forms import (
    AlertSettingsForm,
    EstablishmentLoginForm,
    PublicContactForm,
    QueuedPasswordResetForm,
    ReplyForm,
    ThreadForm,
)
from .models import AlertSettings, MessageThread, Notification, NotificationKind, Subject

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
    """One card per child: school, balance and the whole meals it covers, in a fixed number of queries; the
    cards are kept as rendered for the children's wallets as they stand (portal.lib.cached_pages)."""
    children = children_with_wallets(user_id=request.user.pk, today=timezone.localdate())
    shown = (request.user.first_name, *(child_state(child) for child in children))

    def context() -> dict:
        until = cached_forecasts(children)
        return {"children": [child_card(child, until[child.pk]) for child in children]}

    return render_cached(request, "portal/home.html", shown, context, versions=(CALENDAR_KEY,))


def child_state(child: Pupil) -> tuple:
    """All that a child's card shows or its forecast depends on, the calendar aside: a booking moves the
    wallet's ``updated_at``; the school's day is the forecast's today."""
    school, wallet = child.establishment, child.wallet
    today = timezone.localdate(timezone=ZoneInfo(school.timezone or "Europe/Paris"))
    return (child.pk, child.first_name, child.last_name, school.name, today, child.price_today, *wallet_state(wallet))


ChildCard = namedtuple("ChildCard", "pk first_name name school balance negative meals forecast history_url")


def child_card(child: Pupil, forecast: datetime.date | None) -> ChildCard:
    """A child's card, its texts made here once rather than by a dozen tags and filters per card."""
    balance = child.wallet.balance
    meals = meals_covered(balance, child.price_today)
    return ChildCard(
        child.pk,
        child.first_name,
        f"{child.first_name} {child.last_name}",
        child.establishment.name,
        euros(balance),
        balance < 0,
        ngettext("Soit : %(meals)s repas", "Soit : %(meals)s repas", meals) % {"meals": meals},
        # Our own sentence and a date: safe as the template's blocktranslate made it.
        mark_safe(
            _("Au rythme actuel, le solde couvre les repas jusqu'au %(until)s")
            % {"until": escape(formats.date_format(forecast, "l d/m"))}
        )
        if forecast
        else "",
        cached_reverse("billing:history", child.pk),
    )


@never_cache
def healthz(request):
    """Liveness for load balancers: answers without touching the database."""
    return HttpResponse("ok", content_type="text/plain")


@never_cache
def readyz(request):
    """Readiness, and what is down: the database (503 without it: this process cannot serve), the
    Celery broker and the email outbox (the portal still serves without them: "degraded", 200).

    ``outbox``: emails waiting, waiting for more than 15 minutes ("late": a broker, worker or mail
    server is down) and given up on ("failed": for staff to resend in the admin); ``tasks``: Celery
    tasks that failed for good in the last 24 hours (listed in the admin).
    """
    checks: dict = {}
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
    if checks["database"] == "ok":
        try:
            checks["outbox"] = outbox_counts()
        except Exception as exc:  # the table is missing (migrations not run) or the database went away
            checks["outbox"] = f"error: {exc.__class__.__name__}"
    if checks["database"] == "ok":
        try:
            since = timezone.now() - timedelta(hours=24)
            checks["tasks"] = {"failed_last_24h": TaskFailure.objects.filter(failed_at__gte=since).count()}
        except Exception as exc:
            checks["tasks"] = f"error: {exc.__class__.__name__}"
    if checks["database"] != "ok":
        status = "down"
    elif checks.get("broker", "ok") != "ok" or not isinstance(checks["outbox"], dict) or checks["outbox"]["late"]:
        status = "degraded"
    else:
        status = "ok"
    checks["status"] = status
    return JsonResponse(checks, status=503 if status == "down" else 200)


@login_required
def messages_page(request):
    """ "Messages": the family's threads, newest first, and the form to write to a child's establishment."""
    initial = {}
    if request.GET.get("sujet") in Subject.values:
        initial["subject"] = request.GET["sujet"]
    form = ThreadForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and _too_many_messages(request, form):
        return render(request, "portal/messages.html", {"form": form, "threads": []}, status=429)
    if request.method == "POST" and form.is_valid():
        thread = messaging.start_thread(
            establishment=form.cleaned_data["pupil"].establishment,
            subject=form.cleaned_data["subject"],
            body=form.cleaned_data["message"],
            parent=request.user,
            pupil=form.cleaned_data["pupil"],
        )
        messages.success(request, _("Votre message a été envoyé à votre établissement scolaire."))
        return redirect(thread)
    threads = (
        MessageThread.objects.of_parent(request.user)
        .select_related("establishment", "pupil")
        .order_by("-last_message_at")[:50]
    )
    return render(request, "portal/messages.html", {"form": form, "threads": threads})


# Messages a parent may send per hour: a family writes a few, a stolen session or a script many.
PARENT_MESSAGES_PER_HOUR = 20


def _too_many_messages(request, form) -> bool:
    """Count one message for this login (whatever its address); past the limit, say so on the form."""
    if not over_limit_for("parent-message", str(request.user.pk), PARENT_MESSAGES_PER_HOUR, 3600):
        return False
    form.is_valid()
    form.add_error(None, _("Vous avez envoyé beaucoup de messages en peu de temps. Merci de réessayer dans une heure."))
    return True


@login_required
def thread(request, pk: int):
    """One conversation with its answers; the parent may add to it. Another family's thread is a 404."""
    conversation = get_object_or_404(
        MessageThread.objects.of_parent(request.user).select_related("establishment", "pupil"), pk=pk
    )
    form = ReplyForm(request.POST or None)
    if request.method == "POST" and _too_many_messages(request, form):
        context = {"thread": conversation, "conversation": conversation.messages.all(), "form": form}
        return render(request, "portal/thread.html", context, status=429)
    if request.method == "POST" and form.is_valid():
        messaging.add_parent_message(conversation, request.user, form.cleaned_data["message"])
        messages.success(request, _("Votre message a été envoyé à votre établissement scolaire."))
        return redirect(conversation)
    # Reading the answer reads its notification.
    if request.user.notifications.filter(
        kind=NotificationKind.ANSWER_RECEIVED, link=conversation.get_absolute_url(), read_at__isnull=True
    ).update(read_at=timezone.now()):
        forget_unread_count(request.user)
    return render(
        request,
        "portal/thread.html",
        {"thread": conversation, "conversation": conversation.messages.all(), "form": form},
    )


# Messages of the public contact form per client address and hour.
CONTACTS_PER_HOUR = 5


def public_contact(request, code):
    """ "Contacter mon établissement scolaire" from the login page, without a login; answers go by email."""
    establishment = get_object_or_404(Establishment, code=code)
    form = PublicContactForm(request.POST or None)
    limited = False
    if request.method == "POST":
        limited = over_limit(request, "public-contact", CONTACTS_PER_HOUR, 3600)
        if not limited and form.is_valid():
            if not form.is_robot():
                data = form.cleaned_data
                messaging.start_thread(
                    establishment=establishment,
                    subject=data["subject"],
                    body=data["message"],
                    sender_name=data["name"],
                    sender_email=data["email"],
                    pupil_name=data["pupil_name"],
                )
            return redirect("portal:public_contact_sent", code=establishment.code)
    return render(
        request,
        "portal/public_contact.html",
        {"establishment": establishment, "form": form, "limited": limited},
        status=429 if limited else 200,
    )


def public_contact_sent(request, code):
    establishment = get_object_or_404(Establishment, code=code)
    return render(request, "portal/public_contact_sent.html", {"establishment": establishment})


NOTIFICATIONS_PER_PAGE = 30


@login_required
def notifications(request):
    """The parent's notifications, newest first; showing them marks them read."""
    page = Paginator(request.user.notifications.order_by("-created_at", "-id"), NOTIFICATIONS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    unread = [n.pk for n in page if n.read_at is None]
    if unread:
        Notification.objects.filter(pk__in=unread, user=request.user).update(read_at=timezone.now())
        forget_unread_count(request.user)
    return render(request, "portal/notifications.html", {"page": page, "unread": set(unread)})


@login_required
def other_payments(request):
    """Cheque and direct debit, for each establishment of the family's children, in the school's own words."""
    children = list(Pupil.objects.guarded_by(request.user).select_related("establishment").order_by("first_name"))
    schools: dict[int, dict] = {}
    for child in children:
        schools.setdefault(child.establishment_id, {"establishment": child.establishment, "children": []})
        schools[child.establishment_id]["children"].append(child)
    return render(request, "portal/other_payments.html", {"schools": list(schools.values())})


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


class PasswordChange(auth_views.PasswordChangeView):
    """Django's form: the current password first, then the new one twice; the session stays open."""

    template_name = "portal/password_change.html"
    success_url = reverse_lazy("portal:profile")

    def form_valid(self, form):
        messages.success(self.request, _("Votre mot de passe est changé."))
        return super().form_valid(form)
