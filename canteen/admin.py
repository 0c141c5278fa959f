from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from portal.lib.audit import record
from portal.lib.forms import MONEY_ADMIN_FIELDS

from .admin_quotient import PayingHouseholdInline
from .admin_scope import EstablishmentListFilter, EstablishmentScoped, staff_establishments
from .closures import ImportError_, import_closures
from .models import ClosedPeriod, Establishment, Pupil, Tariff


class TariffInline(admin.TabularInline):
    model = Tariff
    extra = 0
    formfield_overrides = MONEY_ADMIN_FIELDS


@admin.register(Establishment)
class EstablishmentAdmin(EstablishmentScoped, admin.ModelAdmin):
    establishment_lookup = ""
    list_display = ["name", "code", "contact_email", "min_credit_amount", "min_meals"]
    search_fields = ["name", "code"]
    inlines = [TariffInline]
    formfield_overrides = MONEY_ADMIN_FIELDS

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "staff":
            kwargs["queryset"] = db_field.related_model._default_manager.filter(is_staff=True)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        # The ceiling of what a till may charge for one meal is a safety limit, set by a superuser.
        fields = list(super().get_readonly_fields(request, obj))
        # Who works where is for superusers to say, like the maximum a till may charge.
        return fields if request.user.is_superuser else [*fields, "max_meal_price", "staff"]


@admin.register(Pupil)
class PupilAdmin(EstablishmentScoped, admin.ModelAdmin):
    list_display = ["last_name", "first_name", "card_number", "establishment", "category", "active"]
    list_filter = [("establishment", EstablishmentListFilter), "category", "active"]
    search_fields = ["last_name", "first_name", "card_number"]
    list_select_related = ["establishment"]
    inlines = [PayingHouseholdInline]

    def autocomplete_label(self, pupil: Pupil) -> str:
        """What the search-as-you-type pickers show (the cash desk's): enough to tell two Martins apart."""
        parts = [str(pupil)]
        if pupil.class_name:
            parts.append(pupil.class_name)
        parts.append(_("carte %(number)s") % {"number": pupil.card_number})
        return " — ".join(parts)


@admin.register(Tariff)
class TariffAdmin(EstablishmentScoped, admin.ModelAdmin):
    list_display = ["establishment", "category", "price", "valid_from"]
    list_filter = [("establishment", EstablishmentListFilter), "category"]
    formfield_overrides = MONEY_ADMIN_FIELDS


class ClosuresImportForm(forms.Form):
    establishment = forms.ModelChoiceField(label=gettext_lazy("Établissement"), queryset=Establishment.objects.all())
    file = forms.FileField(
        label=gettext_lazy("Fichier CSV"),
        help_text=gettext_lazy("Colonnes debut;fin;libelle (fin facultative), dates au format JJ/MM/AAAA."),
    )


@admin.register(ClosedPeriod)
class ClosedPeriodAdmin(EstablishmentScoped, admin.ModelAdmin):
    """Closed days (holidays, bank holidays): the home page's forecast skips them."""

    list_display = ["establishment", "start", "end", "label"]
    list_filter = [("establishment", EstablishmentListFilter)]
    date_hierarchy = "start"
    list_select_related = ["establishment"]

    def get_urls(self):
        view = self.admin_site.admin_view(self.import_view)
        return [path("importer/", view, name="canteen_closedperiod_import"), *super().get_urls()]

    def import_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ClosuresImportForm(request.POST or None, request.FILES or None)
        form.fields["establishment"].queryset = staff_establishments(request)
        errors: list[str] = []
        if request.method == "POST" and form.is_valid():
            establishment = form.cleaned_data["establishment"]
            try:
                with transaction.atomic():
                    added, present = import_closures(establishment, form.cleaned_data["file"].read())
                    summary = ngettext("%(added)d fermeture ajoutée", "%(added)d fermetures ajoutées", added) % {
                        "added": added
                    } + ngettext(", %(present)d déjà présente.", ", %(present)d déjà présentes.", present) % {
                        "present": present
                    }
                    if added:  # an import that adds nothing changes nothing
                        record(
                            request.user, establishment, _("Import de fermetures : %(summary)s") % {"summary": summary}
                        )
            except ImportError_ as error:
                errors = error.errors
            else:
                self.message_user(request, summary)
                return redirect(reverse("admin:canteen_closedperiod_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Importer des fermetures"),
            "opts": self.model._meta,
            "form": form,
            "errors": errors,
        }
        return render(request, "admin/canteen/closedperiod/import.html", context, status=400 if errors else 200)


from .booking import admin as booking_admin  # noqa: E402, F401  (registers meal booking's admin pages)
