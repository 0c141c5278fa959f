"""The login backend of the portal: Django's, with the user's unread notification count loaded alongside.

Every parent page shows that count (the Notifications tab, the title) and loads the user: one query
serves both. At the project's root because sessions name their backend by its path (``portal.auth``):
moved, it would log every parent out.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from portal.family.notifications import unread_count
from portal.lib.prepared import Prepared


def _user_with_unread_count(user_id: int):
    users = get_user_model()._default_manager.annotate(unread_notifications_count=unread_count())
    return users.filter(pk=user_id)


# Compiled once per process: building this query cost more than running it (portal.lib.prepared).
user_with_unread_count = Prepared("user_with_unread_count", _user_with_unread_count, user_id=-7_340_021)


class PortalBackend(ModelBackend):
    def get_user(self, user_id):
        found = user_with_unread_count(user_id=int(user_id))
        user = found[0] if found else None
        return user if user is not None and self.user_can_authenticate(user) else None
