from django.contrib import admin

from .admin_scope import EstablishmentListFilter, EstablishmentScoped
from .models import Establishment, Pupil, Tariff


class TariffInline(admin.TabularInline):
    model = Tariff
    extra = 0


@admin.register(Establishment)
class EstablishmentAdmin(EstablishmentScoped, admin.ModelAdmin):
    establishment_lookup = ""
    list_display = ["name", "code", "contact_email", "min_credit_amount", "min_meals"]
    search_fields = ["name", "code"]
    inlines = [TariffInline]

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


@admin.register(Tariff)
class TariffAdmin(EstablishmentScoped, admin.ModelAdmin):
    list_display = ["establishment", "category", "price", "valid_from"]
    list_filter = [("establishment", EstablishmentListFilter), "category"]
