""" "Messages": the family's threads with its schools, and the public contact form of the login page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from canteen.models import Establishment
from portal.lib.public_forms import handled, render_form
from portal.lib.ratelimit import over_limit_for

from . import messaging
from .forms import (
    PublicContactForm,
    ReplyForm,
    ThreadForm,
)
from .models import MessageThread, NotificationKind, Subject
from .notifications import mark_read


@login_required
def messages_page(request):
    """ "Messages": the family's threads, newest first, and the form to write to a child's establishment."""
    initial = {}
    if request.GET.get("sujet") in Subject.values:
        initial["subject"] = request.GET["sujet"]
    if request.GET.get("enfant", "").isdigit():
        # "Nous contacter" on a child's card: that child chosen. The choices are the parent's own children
        # only, so another pupil's id selects nothing.
        initial["pupil"] = int(request.GET["enfant"])
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
    answered = request.user.notifications.filter(
        kind=NotificationKind.ANSWER_RECEIVED, link=conversation.get_absolute_url()
    )
    mark_read(request.user, answered)
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

    def write(data: dict) -> None:
        messaging.start_thread(
            establishment=establishment,
            subject=data["subject"],
            body=data["message"],
            sender_name=data["name"],
            sender_email=data["email"],
            pupil_name=data["pupil_name"],
        )

    if request.method == "POST" and handled(request, form, "public-contact", CONTACTS_PER_HOUR, write):
        return redirect("portal:public_contact_sent", code=establishment.code)
    return render_form(request, "portal/public_contact.html", form, {"establishment": establishment})


def public_contact_sent(request, code):
    establishment = get_object_or_404(Establishment, code=code)
    return render(request, "portal/public_contact_sent.html", {"establishment": establishment})
