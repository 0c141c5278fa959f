from django.contrib import admin

from .models import Establishment, Pupil, Tariff


class TariffInline(admin.TabularInline):
    model = Tariff
    extra = 0


@admin.register(Establishment)
class EstablishmentAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "contact_email", "min_credit_amount", "min_meals"]
    search_fields = ["name", "code"]
    inlines = [TariffInline]


@admin.register(Pupil)
class PupilAdmin(admin.ModelAdmin):
    list_display = ["last_name", "first_name", "card_number", "establishment", "category", "active"]
    list_filter = ["establishment", "category", "active"]
    search_fields = ["last_name", "first_name", "card_number"]
    list_select_related = ["establishment"]


@admin.register(Tariff)
class TariffAdmin(admin.ModelAdmin):
    list_display = ["establishment", "category", "price", "valid_from"]
    list_filter = ["establishment", "category"]
