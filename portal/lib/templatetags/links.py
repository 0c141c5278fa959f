"""``{% link "portal:home" %}``: ``{% url %}`` for the links every page shows, reversed once per process
(portal.lib.urls)."""

from __future__ import annotations

from django import template

from portal.lib.urls import cached_reverse

register = template.Library()


@register.simple_tag
def link(name: str, *args) -> str:
    return cached_reverse(name, *args)
