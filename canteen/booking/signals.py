"""A school's booking rules changed (opened, a cut-off moved, a service added): its families' kept pages are
renewed once it commits, like any change to the school's reference data (``canteen.signals``)."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from portal.lib import cached_pages

from ..signals import families_of_school
from .models import BookingSettings, Service


@receiver([post_save, post_delete], sender=BookingSettings, dispatch_uid="canteen.renew_pages_of_booking_settings")
@receiver([post_save, post_delete], sender=Service, dispatch_uid="canteen.renew_pages_of_service")
def booking_rules_changed(sender, instance, raw: bool = False, **kwargs) -> None:
    if not raw:
        cached_pages.bump(families_of_school(instance.establishment_id))
