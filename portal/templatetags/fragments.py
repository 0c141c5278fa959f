"""``{% once "name" key ... %}…{% endonce %}``: a fragment of the shell rendered once per process per key.

The header, the navigation and the head's links are the same on thousands of pages: rendering them cost a
third of a parent page (docs/performance.md). Each fragment is kept in this process, per language and per
the values given as keys, which must name everything it shows (school, active tab, unread count). A
fragment holds no value of one request (no CSRF token, no path) and no family data.
"""

from __future__ import annotations

from django import template
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

register = template.Library()

MAX_FRAGMENTS = 2000  # a handful of fragments × languages × schools × tabs × counts: cleared when exceeded
_rendered: dict[tuple, str] = {}


class OnceNode(template.Node):
    def __init__(self, name: str, keys: list, nodelist):
        self.name, self.keys, self.nodelist = name, keys, nodelist

    def render(self, context) -> str:
        key = (self.name, get_language(), *(k.resolve(context) for k in self.keys))
        html = _rendered.get(key)
        if html is None:
            if len(_rendered) >= MAX_FRAGMENTS:
                _rendered.clear()
            html = _rendered[key] = mark_safe(self.nodelist.render(context))
        return html


@register.tag
def once(parser, token):
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError("{% once %} takes a fragment name, then its keys")
    nodelist = parser.parse(("endonce",))
    parser.delete_first_token()
    return OnceNode(bits[1], [parser.compile_filter(bit) for bit in bits[2:]], nodelist)
