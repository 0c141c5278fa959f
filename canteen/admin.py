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

    def get_readonly_fields(self, request, obj=None):
        # The ceiling of what a till may charge for one meal is a safety limit, set by a superuser.
        fields = list(super().get_readonly_fields(request, obj))
        return fields if request.user.is_superuser else [*fields, "max_meal_price"]


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
