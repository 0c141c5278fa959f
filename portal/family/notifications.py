""" "Notifications": what happened, newest first; showing them marks them read. Every parent page shows how many
are unread (the tab, the title): counted with the user (``portal.auth``) by ``unread_count``."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import render
from django.utils import timezone

from .models import Notification

NOTIFICATIONS_PER_PAGE = 30


def unread_count():
    """The unread notifications of the user row ``OuterRef("pk")``, as a subquery (on the small partial
    index ``notification_unread_idx``)."""
    unread = (
        Notification.objects.filter(user=OuterRef("pk"), read_at__isnull=True)
        .order_by()
        .values("user")
        .annotate(count=Count("*"))
        .values("count")
    )
    return Coalesce(Subquery(unread, output_field=IntegerField()), 0)


def forget_unread_count(user) -> None:
    """Notifications were just marked read: the count loaded with the user is counted again if shown."""
    user.unread_notifications_count = None


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
