"""The pages spliced into a shell kept per process (portal.lib.shell) are the pages Django would render."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.contrib.messages import constants, get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.template.backends.django import DjangoTemplates
from django.template.loader import get_template
from django.urls import reverse
from django.utils import translation

from portal.family.forms import EstablishmentLoginForm
from portal.family.models import Notification, NotificationKind
from portal.lib.shell import MARK, PageTemplate, ShellTemplates

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


def engines() -> tuple[ShellTemplates, DjangoTemplates]:
    """The portal's backend and Django's own, on the same settings, each with its own caches."""
    params = {**settings.TEMPLATES[0], "NAME": "compared"}
    params.pop("BACKEND")
    return ShellTemplates(params), DjangoTemplates(params)


def rendered(template_name: str, context: dict, request) -> tuple[str, str]:
    shell, django = engines()
    spliced = shell.get_template(template_name)
    assert isinstance(spliced, PageTemplate)
    tokens = 'name="csrfmiddlewaretoken" value="…"'
    return (
        TOKEN.sub(tokens, spliced.render(dict(context), request)),
        TOKEN.sub(tokens, django.get_template(template_name).render(dict(context), request)),
    )


@pytest.fixture
def parent_request(client, parent, school):
    """A real request of the parent, as the portal's middleware left it (session, user, messages, school)."""
    client.force_login(parent)
    request = client.get(reverse("portal:messages"), {"sujet": 'x"><script>'}).wsgi_request
    request._messages = FallbackStorage(request)
    return request


@pytest.mark.parametrize(
    "template_name",
    ["portal/messages.html", "portal/notifications.html", "billing/payments.html"],
)
def test_a_page_is_the_same_as_djangos_rendering_of_it(parent_request, template_name):
    Notification.objects.create(user=parent_request.user, kind=NotificationKind.LOW_BALANCE, params={})
    parent_request.user.unread_notifications_count = None
    parent_request._messages.add(constants.SUCCESS, "Message envoyé <b>à l'école</b>.")
    spliced, django = rendered(template_name, {"payments": [], "threads": [], "notifications": []}, parent_request)
    assert spliced == django
    assert "(1) " in spliced  # the unread count in the title
    assert "Message envoyé &lt;b&gt;à l&#x27;école&lt;/b&gt;." in spliced
    assert "sujet=x%22%3E%3Cscript%3E" in spliced or "x&quot;&gt;&lt;script&gt;" in spliced  # the path, escaped
    assert MARK not in spliced


def test_a_page_for_a_visitor_and_in_english_is_the_same(client, school):
    request = client.get(reverse("portal:login", args=[school.code])).wsgi_request
    request._messages = FallbackStorage(request)
    with translation.override("en"):
        context = {"establishment": school, "form": EstablishmentLoginForm(request)}
        spliced, django = rendered("portal/login.html", context, request)
    assert spliced == django
    assert 'lang="en"' in spliced


def test_a_shell_holds_nothing_of_a_family(client, parent, other_parent, lea):
    backend = get_template("portal/profile.html").backend
    client.force_login(parent)
    first = client.get(reverse("portal:profile")).content.decode()
    shells = len(backend._shells)
    client.force_login(other_parent)
    second = client.get(reverse("portal:profile")).content.decode()
    assert len(backend._shells) == shells  # the same shell served both families
    assert parent.email in first and parent.email not in second
    for parts in backend._shells.values():
        kept = "".join(parts)
        assert parent.email not in kept and other_parent.email not in kept and "Léa" not in kept


def test_each_request_gets_its_own_csrf_token_and_messages(client, parent, school):
    client.force_login(parent)
    pages = [client.get(reverse("portal:profile")).content.decode() for _ in range(2)]
    tokens = [TOKEN.search(html).group() for html in pages]
    assert tokens[0] != tokens[1]  # masked anew for each request, as Django does
    response = client.post(reverse("portal:logout"), {"csrfmiddlewaretoken": tokens[1].split('"')[-2]})
    assert response.status_code == 302  # the token of a spliced page is valid


def test_a_flash_message_shows_once(client, parent, school):
    client.force_login(parent)
    request = client.get(reverse("portal:profile")).wsgi_request
    assert list(get_messages(request)) == []
    response = client.post(reverse("portal:profile"), {"enabled": "on", "threshold": "7,00"}, follow=True)
    assert "Vos réglages d&#x27;alerte sont enregistrés." in response.content.decode()
    assert "Vos réglages d&#x27;alerte" not in client.get(reverse("portal:profile")).content.decode()


def test_a_school_renamed_shows_on_the_next_page(client, parent, lea, school):
    client.force_login(parent)
    assert "Esvres" in client.get(reverse("portal:profile")).content.decode()
    school.name = "Collège Rabelais"
    school.save()
    assert "Collège Rabelais" in client.get(reverse("portal:profile")).content.decode()
