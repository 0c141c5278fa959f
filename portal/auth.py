"""The login backend sessions name: Django's own, under the name every session of the portal was logged in
with (``portal.auth.PortalBackend``). A session keeps the path of its backend; another name would log every
parent out."""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend


class PortalBackend(ModelBackend):
    """Django's ``ModelBackend``: the unread count each page shows is counted when a page is rendered, not
    kept (portal.family.context_processors), so that a kept page costs the user's row alone."""
