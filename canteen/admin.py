from django.contrib import admin
from django.utils.translation import gettext as _

from portal.lib.forms import MONEY_ADMIN_FIELDS

from .models import Establishment, Pupil, Tariff


class TariffInline(admin.TabularInline):
    model = Tariff
    extra = 0
    formfield_overrides = MONEY_ADMIN_FIELDS


@admin.register(Establishment)
class EstablishmentAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "contact_email", "min_credit_amount", "min_meals"]
    search_fields = ["name", "code"]
    inlines = [TariffInline]
    formfield_overrides = MONEY_ADMIN_FIELDS


@admin.register(Pupil)
class PupilAdmin(admin.ModelAdmin):
    list_display = ["last_name", "first_name", "card_number", "establishment", "category", "active"]
    list_filter = ["establishment", "category", "active"]
    search_fields = ["last_name", "first_name", "card_number"]
    list_select_related = ["establishment"]

    def autocomplete_label(self, pupil: Pupil) -> str:
        """What the search-as-you-type pickers show (the cash desk's): enough to tell two Martins apart."""
        parts = [str(pupil)]
        if pupil.class_name:
            parts.append(pupil.class_name)
        parts.append(_("carte %(number)s") % {"number": pupil.card_number})
        return " — ".join(parts)


@admin.register(Tariff)
class TariffAdmin(admin.ModelAdmin):
    list_display = ["establishment", "category", "price", "valid_from"]
    list_filter = ["establishment", "category"]
    formfield_overrides = MONEY_ADMIN_FIELDS
