""" "Notifications": what happened, newest first; showing them marks them read. Every parent page shows how many
are unread (the tab, the title): counted with the user (``portal.auth``) by ``unread_count``."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone

from portal.lib import cached_pages

from .models import Notification

NOTIFICATIONS_PER_PAGE = 30


def notify(notifications) -> None:
    """Leave these notifications, in one query: their families' pages show the new unread count once the
    transaction commits (the kept pages are renewed)."""
    created = Notification.objects.bulk_create(notifications)
    cached_pages.bump({notification.user_id for notification in created})


def mark_read(user, notifications) -> None:
    """These notifications of ``user`` (a queryset) are read now: the count is counted again where shown."""
    if notifications.filter(read_at__isnull=True).update(read_at=timezone.now()):
        user.unread_notifications_count = None
        cached_pages.bump([user.pk])


@login_required
def notifications(request):
    """The parent's notifications, newest first; showing them marks them read."""
    page = Paginator(request.user.notifications.order_by("-created_at", "-id"), NOTIFICATIONS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    unread = [n.pk for n in page if n.read_at is None]
    if unread:
        mark_read(request.user, Notification.objects.filter(pk__in=unread, user=request.user))
    return render(request, "portal/notifications.html", {"page": page, "unread": set(unread)})
