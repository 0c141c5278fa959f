"""The login backend of the portal: Django's, with the user's unread notification count loaded alongside.

Every parent page shows that count (the Notifications tab, the title) and loads the user: one query
serves both, the count a subquery on the small partial index ``notification_unread_idx``.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce

from .models import Notification


def unread_count():
    """The unread notifications of the user row ``OuterRef("pk")``, as a subquery."""
    unread = (
        Notification.objects.filter(user=OuterRef("pk"), read_at__isnull=True)
        .order_by()
        .values("user")
        .annotate(count=Count("*"))
        .values("count")
    )
    return Coalesce(Subquery(unread, output_field=IntegerField()), 0)


class PortalBackend(ModelBackend):
    def get_user(self, user_id):
        users = get_user_model()._default_manager.annotate(unread_notifications_count=unread_count())
        user = users.filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
