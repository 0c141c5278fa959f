"""Template filters for a school's name in a sentence: ``{{ school|of_name }}`` is "de l'École…" in French,
``{{ school|to_name }}`` "au Collège…" (see ``portal.lib.french``). In another language both give the bare
name, which its translation places after its own preposition ("Reply from %(of_school)s")."""

from django import template
from django.utils.translation import get_language

from portal.lib import french

register = template.Library()


def _in_french() -> bool:
    return (get_language() or "fr").startswith("fr")


@register.filter
def of_name(name: str) -> str:
    return french.of_name(name) if _in_french() else name


@register.filter
def to_name(name: str) -> str:
    return french.to_name(name) if _in_french() else name
