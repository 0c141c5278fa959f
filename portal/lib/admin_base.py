"""Base classes of the project's ModelAdmins: shown and never edited (history that only moves by new entries),
or recorded once and then shown (a payment at the desk, a correction); and date hierarchies kept in bounds."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.utils.translation import gettext as _

# The years a date hierarchy may link to: the ledger holds nothing before 2000, and Django's admin
# itself fails (500) on the last day of year 9999 or the first of year 1.
DATE_HIERARCHY_YEARS = (2000, 2100)


class BoundedDateHierarchyMixin:
    """A date hierarchy in the address outside ``DATE_HIERARCHY_YEARS`` is dropped with a message, never a 500."""

    def changelist_view(self, request, extra_context=None):
        field = getattr(self, "date_hierarchy", None)
        year = request.GET.get(f"{field}__year") if field else None
        if year is not None and not (year.isascii() and year.isdigit() and len(year) == 4 and _in_range(int(year))):
            kept = request.GET.copy()
            for part in ("year", "month", "day"):
                kept.pop(f"{field}__{part}", None)
            self.message_user(
                request,
                _("Année hors de la période de l'historique (%(first)d–%(last)d) : filtre retiré.")
                % {"first": DATE_HIERARCHY_YEARS[0], "last": DATE_HIERARCHY_YEARS[1]},
                messages.WARNING,
            )
            return HttpResponseRedirect(f"{request.path}?{kept.urlencode()}" if kept else request.path)
        return super().changelist_view(request, extra_context)


def _in_range(year: int) -> bool:
    return DATE_HIERARCHY_YEARS[0] <= year <= DATE_HIERARCHY_YEARS[1]


class ReadOnlyAdmin(BoundedDateHierarchyMixin, admin.ModelAdmin):
    """Shown, never edited: for history that only moves by new entries (money, events received)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AddOnlyAdmin(admin.ModelAdmin):
    """Recorded once, then shown, never changed nor deleted (money moves again only by new entries): the add
    page shows the recording form with ``add_fields``; a saved object is shown read-only, ``view_fields``."""

    add_fields: list[str] = []
    view_fields: list[str] = []

    def get_fields(self, request, obj=None):
        return self.view_fields if obj else self.add_fields

    def get_readonly_fields(self, request, obj=None):
        return self.view_fields if obj else []

    def get_form(self, request, obj=None, **kwargs):
        if obj is not None:  # shown read-only: the recording form's extra fields do not apply
            kwargs["form"] = forms.ModelForm
        return super().get_form(request, obj, **kwargs)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
