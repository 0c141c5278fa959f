"""The template backend of the portal: Django's, with each page spliced into a shell kept per process.

Every page of the portal extends ``base.html``: the head, the header, the navigation, the scripts. Going
through the template engine, that shell cost half of the home page's rendering (docs/performance.md), yet it
shows only a few values: the language, whether someone is logged in, the school, the current tab and the
unread count; plus three values of the request: its CSRF token, its path (for the language form) and its
flash messages.

For a template that extends ``base.html`` and is rendered with a request, ``ShellTemplates`` renders
``base.html`` once per process for each set of those values, in a context that holds only them (no user,
no request: nothing of a family can be kept in a shell), with markers where the page's blocks and the
request's values go. A page then costs its own blocks, rendered as ``{% extends %}`` would render them
(``{{ block.super }}`` included), joined into the shell.
"""

from __future__ import annotations

import hashlib
import re
from types import SimpleNamespace

from django.conf import settings
from django.middleware.csrf import get_token
from django.template import Context
from django.template.backends.django import DjangoTemplates, Template
from django.template.base import NodeList, TextNode
from django.template.context import make_context
from django.template.loader_tags import BLOCK_CONTEXT_KEY, BlockContext, BlockNode, ExtendsNode
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

BASE = "base.html"
MESSAGES = "messages"  # base.html's block of flash messages: rendered for each request
MARK = "\x00"  # NUL: no template or translation writes it, PostgreSQL refuses it, Django's forms reject it
MARKER = re.compile(f"{MARK}([a-z:_]+){MARK}")
CSRF = f"{MARK}csrf{MARK}"
MAX_SHELLS = 2000  # pages × languages × schools × tabs × counts; forgotten all at once beyond


def marker(name: str) -> str:
    return f"{MARK}{name}{MARK}"


class ShellTemplates(DjangoTemplates):
    def __init__(self, params):
        super().__init__(params)
        self._shells: dict[tuple, list[str]] = {}
        self._base_blocks: dict[str, BlockNode] | None = None
        self._versions: dict[str, str] = {}

    def get_template(self, template_name):
        template = super().get_template(template_name)
        nodes = [node for node in template.template.nodelist if not isinstance(node, TextNode)]
        if nodes and isinstance(nodes[0], ExtendsNode) and nodes[0].parent_name.token == f'"{BASE}"':
            return PageTemplate(template.template, self, nodes[0])
        return template

    def version(self, template) -> str:
        digest = self._versions.get(template.name)
        if digest is None or settings.DEBUG:
            sources = (template.source + self.engine.get_template(BASE).source).encode()
            digest = self._versions[template.name] = hashlib.sha256(sources).hexdigest()[:16]
        return digest

    def base_blocks(self) -> dict[str, BlockNode]:
        if self._base_blocks is None or settings.DEBUG:
            base = self.engine.get_template(BASE)
            self._base_blocks = {node.name: node for node in base.nodelist.get_nodes_by_type(BlockNode)}
        return self._base_blocks

    def shell(self, blocks: tuple[str, ...], values: tuple) -> list[str]:
        """``base.html`` with markers for ``blocks`` and the request's values, split at the markers: texts at
        even positions, the markers' names between them."""
        key = (blocks, get_language(), values)
        parts = self._shells.get(key)
        if parts is None:
            parts = MARKER.split(self._render_shell(blocks, *values))
            if not settings.DEBUG:  # in development base.html may change under a running server
                if len(self._shells) >= MAX_SHELLS:
                    self._shells.clear()
                self._shells[key] = parts
        return parts

    def _render_shell(self, blocks, authenticated, school, url_name, app_name, unread) -> str:
        base = self.engine.get_template(BASE)
        context = Context(
            {
                "user": SimpleNamespace(is_authenticated=authenticated),
                "request": SimpleNamespace(
                    resolver_match=SimpleNamespace(url_name=url_name, app_name=app_name),
                    get_full_path=lambda: marker("path"),
                ),
                "establishment": school[0] if school else None,
                "unread_notifications": unread,
                "csrf_token": CSRF,
                "messages": (),
            },
            autoescape=self.engine.autoescape,
        )
        block_context = BlockContext()
        block_context.add_blocks({name: BlockNode(name, NodeList([TextNode(marker(name))])) for name in blocks})
        with context.render_context.push_state(base), context.bind_template(base):
            context.render_context[BLOCK_CONTEXT_KEY] = block_context
            return base.nodelist.render(context)


def _school_key(school) -> tuple | None:
    """The school and every value of it, so that an edited school gets a new shell."""
    if school is None:
        return None
    return (school, *(getattr(school, field.attname) for field in school._meta.concrete_fields))


class PageTemplate(Template):
    """A template whose first tag is ``{% extends "base.html" %}``."""

    def __init__(self, template, backend: ShellTemplates, extends: ExtendsNode):
        super().__init__(template, backend)
        self.page_blocks = {node.name: node for node in extends.nodelist if isinstance(node, BlockNode)}

    def render(self, context=None, request=None):
        if request is None:
            return super().render(context, request)
        return self.render_page(context, request)[0]

    @property
    def version(self) -> str:
        """A digest of the page's and base.html's sources: what a new release changes in them."""
        return self.backend.version(self.template)

    def render_page(self, context, request, blocks: dict[str, str] | None = None) -> tuple[str, dict[str, str]]:
        """The page, and its own blocks as rendered (``blocks``: as rendered before for the same content,
        which ``context`` then need not hold; the shell and the messages are this request's). A form in the
        blocks may hold the ``CSRF`` marker as its token, rendered with ``csrf_token=CSRF`` in ``context``:
        this request's token replaces it."""
        base_blocks = self.backend.base_blocks()
        spliced = tuple(name for name in base_blocks if name in self.page_blocks and name != MESSAGES)
        context = make_context(context, request, autoescape=self.backend.engine.autoescape)
        with context.render_context.push_state(self.template), context.bind_template(self.template):
            block_context = BlockContext()  # as {% extends %} sets it up: the page's blocks over base.html's
            block_context.add_blocks(self.page_blocks)
            block_context.add_blocks(base_blocks)
            context.render_context[BLOCK_CONTEXT_KEY] = block_context
            if blocks is None:
                blocks = {name: base_blocks[name].render(context) for name in spliced}
            messages = base_blocks[MESSAGES].render(context)
            parts = self.backend.shell((*spliced, MESSAGES), self._shell_values(context, request))
        token = escape(get_token(request))
        values = {name: html.replace(CSRF, token) if CSRF in html else html for name, html in blocks.items()}
        values.update({MESSAGES: messages, "csrf": token, "path": escape(request.get_full_path())})
        return mark_safe("".join(values[part] if odd else part for odd, part in _alternating(parts))), blocks

    @staticmethod
    def _shell_values(context, request) -> tuple:
        """What base.html shows of this page and its visitor, as the context would give it to base.html."""
        user = context.get("user")
        authenticated = bool(user is not None and user.is_authenticated)
        unread = context.get("unread_notifications") if authenticated else None
        match = request.resolver_match
        return (
            authenticated,
            _school_key(context.get("establishment")),
            match.url_name if match else None,
            match.app_name if match else None,
            unread() if callable(unread) else unread,
        )


def _alternating(parts: list[str]):
    for position, part in enumerate(parts):
        yield position % 2 == 1, part
