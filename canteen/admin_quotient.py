"""The admin of prices by quotient familial: the grids and their bands (no gap, no overlap), the families'
declared QFs that staff validate or refuse (scoped to their establishments, audited), and the household that
pays for a child of two households."""

from __future__ import annotations

import datetime

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.lib.audit import record
from portal.lib.forms import MONEY_ADMIN_FIELDS
from portal.lib.localtime import today_at

from .admin_scope import EstablishmentListFilter, EstablishmentScoped
from .quotient import (
    FamilyQuotient,
    PayingHousehold,
    QuotientStatus,
    TariffBand,
    TariffGrid,
    band_errors,
    end_of_school_year,
    meets_claim_conditions,
)
from .signals import quotient_decided


class BandFormSet(BaseInlineFormSet):
    """Every QF from 0 up in exactly one band: gaps and overlaps are refused, with the QFs concerned."""

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        bands = [
            (form.cleaned_data["lower"], form.cleaned_data.get("upper"))
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        errors = band_errors(bands)
        if errors:
            raise ValidationError(errors)


class BandForm(forms.ModelForm):
    class Meta:
        model = TariffBand
        fields = ["lower", "upper", "price"]

    def clean(self):
        data = super().clean()
        lower, upper = data.get("lower"), data.get("upper")
        if lower is not None and upper is not None and upper < lower:
            raise ValidationError({"upper": _("La borne haute doit être supérieure ou égale à la borne basse.")})
        return data


class TariffBandInline(admin.TabularInline):
    model = TariffBand
    form = BandForm
    formset = BandFormSet
    extra = 3
    formfield_overrides = MONEY_ADMIN_FIELDS


@admin.register(TariffGrid)
class TariffGridAdmin(EstablishmentScoped, admin.ModelAdmin):
    list_display = ["establishment", "category", "valid_from", "default_price", "bands_summary", "state_claim"]
    list_filter = [("establishment", EstablishmentListFilter), "category"]
    list_select_related = ["establishment"]
    inlines = [TariffBandInline]
    formfield_overrides = MONEY_ADMIN_FIELDS

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("bands")

    @admin.display(description=gettext_lazy("tranches"))
    def bands_summary(self, grid: TariffGrid) -> str:
        return " ; ".join(f"{band} : {band.price} €".replace(".", ",") for band in grid.bands.all())

    @admin.display(description=gettext_lazy("cantine à 1 €"), boolean=True)
    def state_claim(self, grid: TariffGrid) -> bool:
        """Whether the grid meets the State's conditions: at least three bands, one at most 1 €."""
        return meets_claim_conditions([band.price for band in grid.bands.all()])


class QuotientDecisionForm(forms.ModelForm):
    class Meta:
        model = FamilyQuotient
        fields = ["status", "applies_from", "refusal_reason"]

    def clean(self):
        data = super().clean()
        status = data.get("status")
        if status == QuotientStatus.VALIDATED:
            applies_from = data.get("applies_from")
            if applies_from is None:
                self.add_error("applies_from", _("Indiquez à partir de quel jour le quotient s'applique."))
            else:
                today = today_at(self.instance.establishment)
                unchanged = (
                    self.instance.status == QuotientStatus.VALIDATED and self.instance.applies_from == applies_from
                )
                if applies_from < today and not unchanged:
                    self.add_error(
                        "applies_from",
                        _(
                            "Un quotient ne s'applique pas aux repas déjà passés : choisissez aujourd'hui ou un jour "
                            "à venir (une correction se saisit à la caisse)."
                        ),
                    )
                elif applies_from > end_of_school_year(end_of_school_year(today) + datetime.timedelta(days=1)):
                    # This school year or the next: attestations for September arrive over the summer.
                    self.add_error("applies_from", _("Choisissez un jour de cette année scolaire ou de la suivante."))
        elif status == QuotientStatus.REFUSED and not data.get("refusal_reason", "").strip():
            self.add_error("refusal_reason", _("Indiquez à la famille pourquoi le quotient est refusé."))
        elif status == QuotientStatus.PENDING and self.instance.status != QuotientStatus.PENDING:
            self.add_error("status", _("Une décision prise ne revient pas en attente : validez ou refusez."))
        return data


@admin.register(FamilyQuotient)
class FamilyQuotientAdmin(EstablishmentScoped, admin.ModelAdmin):
    """Staff read the declaration and its attestation, then validate (from a day they choose) or refuse (with a
    reason the family reads); each decision is audited and the family told."""

    form = QuotientDecisionForm
    list_display = ["user", "establishment", "value", "issuer", "status", "applies_from", "expires_on", "created_at"]
    list_filter = ["status", ("establishment", EstablishmentListFilter), "issuer"]
    search_fields = ["user__email", "user__last_name"]
    list_select_related = ["user", "establishment"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "user",
        "establishment",
        "value",
        "issuer",
        "attestation_date",
        "attestation_link",
        "children",
        "created_at",
        "expires_on",
        "decided_by",
        "decided_at",
        "reminded_at",
    ]
    fieldsets = [
        (
            gettext_lazy("Déclaration de la famille"),
            {
                "fields": [
                    "user",
                    "establishment",
                    "children",
                    "value",
                    "issuer",
                    "attestation_date",
                    "attestation_link",
                ]
            },
        ),
        (gettext_lazy("Décision"), {"fields": ["status", "applies_from", "refusal_reason"]}),
        (
            gettext_lazy("Suivi"),
            {"fields": ["created_at", "decided_by", "decided_at", "expires_on", "reminded_at"]},
        ),
    ]

    def has_add_permission(self, request) -> bool:
        return False  # the family declares it, from "Mon profil"

    def has_delete_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser  # a decision stays, for the history

    @admin.display(description=gettext_lazy("attestation"))
    def attestation_link(self, quotient: FamilyQuotient) -> str:
        if not quotient.attestation:
            return "—"
        url = reverse("portal:quotient_attestation", args=[quotient.pk])
        return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', url, _("Ouvrir l'attestation"))

    @admin.display(description=gettext_lazy("enfants concernés"))
    def children(self, quotient: FamilyQuotient) -> str:
        pupils = quotient.establishment.pupils.filter(guardianships__user_id=quotient.user_id).order_by("first_name")
        return ", ".join(f"{p} ({p.category})" for p in pupils) or "—"

    def save_model(self, request, obj: FamilyQuotient, form, change) -> None:
        decided = "status" in form.changed_data or "applies_from" in form.changed_data
        if decided and obj.status != QuotientStatus.PENDING:
            obj.decided_by, obj.decided_at = request.user, timezone.now()
            if obj.status == QuotientStatus.VALIDATED:
                obj.expires_on = end_of_school_year(obj.applies_from)
                obj.refusal_reason = ""
                message = _("Quotient familial %(value)d validé, applicable du %(start)s au %(end)s.") % {
                    "value": obj.value,
                    "start": date_format(obj.applies_from, "SHORT_DATE_FORMAT"),
                    "end": date_format(obj.expires_on, "SHORT_DATE_FORMAT"),
                }
            else:
                obj.applies_from = obj.expires_on = None
                message = _("Quotient familial %(value)d refusé : %(reason)s") % {
                    "value": obj.value,
                    "reason": obj.refusal_reason.strip(),
                }
        super().save_model(request, obj, form, change)
        if decided and obj.status != QuotientStatus.PENDING:
            record(request.user, obj, message)
            quotient_decided.send(sender=FamilyQuotient, quotient=obj)


class PayingHouseholdForm(forms.ModelForm):
    class Meta:
        model = PayingHousehold
        fields = ["guardian"]


class PayingHouseholdInline(admin.StackedInline):
    """For a child whose guardians live in two households, each with a QF: whose household pays."""

    model = PayingHousehold
    form = PayingHouseholdForm
    extra = 0
    max_num = 1
    verbose_name = gettext_lazy("foyer qui paie (quotient familial)")
    verbose_name_plural = gettext_lazy("foyer qui paie (quotient familial)")

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        field = formset.form.base_fields["guardian"]
        field.queryset = field.queryset.filter(guardianships__pupil=obj) if obj else field.queryset.none()
        field.help_text = _("Son quotient familial validé s'applique à cet enfant.")
        return formset
