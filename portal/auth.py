"""The login backend of the portal: Django's, with the user's unread notification count loaded alongside.

Every parent page shows that count (the Notifications tab, the title) and loads the user: one query
serves both. At the project's root because sessions name their backend by its path (``portal.auth``):
moved, it would log every parent out.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from portal.family.notifications import unread_count


def user_with_unread_count(user_id: int):
    """The user of a session, with ``unread_notifications_count``."""
    users = get_user_model()._default_manager.annotate(unread_notifications_count=unread_count())
    return users.filter(pk=user_id).first()


class PortalBackend(ModelBackend):
    def get_user(self, user_id):
        user = user_with_unread_count(int(user_id))
        return user if user is not None and self.user_can_authenticate(user) else None
