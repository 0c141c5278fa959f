"""Forms anyone may send without a login (an account request, a message to a school): a honeypot field that
robots fill and people never see, and limits per visitor address, and per email typed, kept in the cache
(``portal.lib.ratelimit``)."""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from .ratelimit import over_limit, over_limit_for


class PublicForm(forms.Form):
    # The honeypot, hidden from people by the page (its template draws it out of sight): robots fill every field.
    website = forms.CharField(required=False, label=_("Ne pas remplir ce champ"))
    limited = False  # set by ``handled``: too many sent, the form shown again with a 429

    def is_robot(self) -> bool:
        return bool(self.cleaned_data.get("website"))


def handled(
    request,
    form: PublicForm,
    scope: str,
    per_hour: int,
    act: Callable[[dict], object],
    *,
    per_email_a_day: int | None = None,
) -> bool:
    """Handle the POST of a public form: True when the visitor is to be told it was sent, ``act(cleaned_data)``
    done unless a robot filled the honeypot (told the same, so that it learns nothing); False when the form is
    to be shown again: invalid, or ``form.limited`` (this address, or the email typed, sent too many)."""
    form.limited = over_limit(request, scope, per_hour, 3600)
    if not form.limited and per_email_a_day is not None and form.is_valid():
        form.limited = over_limit_for(scope, form.cleaned_data["email"], per_email_a_day, 86400)
    if form.limited or not form.is_valid():
        return False
    if not form.is_robot():
        act(form.cleaned_data)
    return True


def render_form(request, template_name: str, form: PublicForm, context: dict):
    """The page of a public form, shown again: 429 with the form when ``form.limited``."""
    context = {**context, "form": form, "limited": form.limited}
    return render(request, template_name, context, status=429 if form.limited else 200)
