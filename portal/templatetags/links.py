"""``{% link "portal:home" %}``: ``{% url %}`` for the links every page shows, reversed once per process.

A URL does not change while the process runs (same URLconf, same script prefix): the shell's and the
home page's dozen links were a tenth of the page's CPU, reversed on every visit.
"""

from __future__ import annotations

from functools import lru_cache

from django import template
from django.urls import get_script_prefix, reverse

register = template.Library()


@lru_cache(maxsize=4096)
def _reversed(prefix: str, name: str, args: tuple) -> str:
    return reverse(name, args=args)


@register.simple_tag
def link(name: str, *args) -> str:
    return _reversed(get_script_prefix(), name, args)
