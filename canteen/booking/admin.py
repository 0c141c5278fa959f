"""Meal booking in the admin: each establishment's rules and services (Administration), and the kitchen's
counts, read-only, printable and in CSV (Administration and the cook's "Cuisine" group), all scoped to the
staff member's establishments."""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Sum
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext as _

from portal.lib.admin_base import ReadOnlyAdmin
from portal.lib.csvfiles import csv_download, text_cell
from portal.lib.forms import MONEY_ADMIN_FIELDS

from ..admin_scope import EstablishmentListFilter, EstablishmentScoped
from .models import BookingSettings, KitchenCount, Service


@admin.register(BookingSettings)
class BookingSettingsAdmin(EstablishmentScoped, admin.ModelAdmin):
    list_display = ["establishment", "enabled", "required", "weeks_ahead", "charge_unconsumed", "unbooked_policy"]
    list_filter = [("establishment", EstablishmentListFilter), "enabled"]
    formfield_overrides = MONEY_ADMIN_FIELDS
    fieldsets = [
        (None, {"fields": ["establishment", "enabled", "required", "weeks_ahead", "allow_insufficient_balance"]}),
        (
            _("Repas non consommés et non réservés"),
            {
                "fields": [
                    "charge_unconsumed",
                    "unbooked_policy",
                    "unbooked_surcharge_percent",
                    "unbooked_fixed_price",
                ]
            },
        ),
    ]


@admin.register(Service)
class ServiceAdmin(EstablishmentScoped, admin.ModelAdmin):
    list_display = ["establishment", "kind", "weekdays", "days_before", "cutoff_time"]
    list_filter = [("establishment", EstablishmentListFilter), "kind"]


@admin.register(KitchenCount)
class KitchenCountAdmin(EstablishmentScoped, ReadOnlyAdmin):
    """The cook's page: meals to prepare per day, service, category and class, frozen at the cut-off."""

    establishment_lookup = "service__establishment"
    list_display = ["day", "service", "category", "class_name", "booked", "taken", "frozen_at"]
    list_filter = [("service__establishment", EstablishmentListFilter), "service__kind", "category", "day"]
    list_select_related = ["service__establishment"]
    date_hierarchy = "day"
    change_list_template = "admin/canteen/kitchencount/change_list.html"

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("csv/", wrap(self.csv_view), name="canteen_kitchencount_csv"),
            path("imprimer/", wrap(self.print_view), name="canteen_kitchencount_print"),
            *super().get_urls(),
        ]

    def _filtered(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        return self.get_changelist_instance(request).get_queryset(request)

    def csv_view(self, request):
        counts = self._filtered(request).order_by("day", "service__establishment__name", "service__kind")
        header = [_("Jour"), _("Établissement"), _("Service"), _("Catégorie"), _("Classe"), _("Réservés"), _("Pris")]
        rows = (
            [
                c.day.strftime("%d/%m/%Y"),
                text_cell(c.service.establishment.name),
                c.service.get_kind_display(),
                text_cell(c.category),
                text_cell(c.class_name),
                c.booked,
                "" if c.taken is None else c.taken,
            ]
            for c in counts.iterator(chunk_size=1000)
        )
        return csv_download("effectifs-cuisine.csv", header, rows)

    def print_view(self, request):
        counts = self._filtered(request).order_by("day", "service__establishment__name", "service__kind")
        totals = (
            counts.values("day", "service__establishment__name", "service__kind")
            .annotate(booked_total=Sum("booked"), taken_total=Sum("taken"))
            .order_by("day", "service__establishment__name", "service__kind")
        )
        context = {
            **self.admin_site.each_context(request),
            "title": _("Effectifs de cuisine"),
            "opts": self.model._meta,
            "counts": counts[:2000],
            "totals": totals[:200],
            "back": reverse("admin:canteen_kitchencount_changelist"),
        }
        return render(request, "admin/canteen/kitchencount/print.html", context)
