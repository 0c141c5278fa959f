"""The QF in the register of personal data: an erased parent's declarations and files go, an attestation's file
goes PRIVACY_ATTESTATION_MONTHS after its QF ended, its value and dates stay."""

from __future__ import annotations

import datetime
from pathlib import Path

from django.utils import timezone

from canteen.quotient import FamilyQuotient, QuotientStatus
from portal.lib.personal_data import apply_retention, erase

from .quotients import declare, validated


def test_an_erased_parent_leaves_no_quotient_and_no_file(school, parent, django_capture_on_commit_callbacks):
    quotient = declare(parent, school)
    stored = Path(quotient.attestation.path)
    with django_capture_on_commit_callbacks(execute=True):
        erase("user", parent)
    assert not FamilyQuotient.objects.filter(user=parent).exists()
    assert not stored.exists()


def test_an_old_attestation_file_goes_its_quotient_stays(school, parent, settings, django_capture_on_commit_callbacks):
    settings.PRIVACY_ATTESTATION_MONTHS = 12
    today = timezone.localdate()
    old = validated(parent, school, 450, today - datetime.timedelta(days=800), today - datetime.timedelta(days=400))
    current = validated(parent, school, 450, today - datetime.timedelta(days=10))
    refused = declare(parent, school, 700)
    FamilyQuotient.objects.filter(pk=refused.pk).update(
        status=QuotientStatus.REFUSED, decided_at=timezone.now() - datetime.timedelta(days=400)
    )
    old_file, refused_file = Path(old.attestation.path), Path(refused.attestation.path)

    with django_capture_on_commit_callbacks(execute=True):
        apply_retention(timezone.now(), dry_run=False)
    old.refresh_from_db()
    current.refresh_from_db()
    assert not old.attestation and old.value == 450 and old.expires_on is not None
    assert not old_file.exists() and not refused_file.exists()
    assert current.attestation and Path(current.attestation.path).exists()

    with django_capture_on_commit_callbacks(execute=True):
        apply_retention(timezone.now(), dry_run=False)  # a second run finds nothing more
    current.refresh_from_db()
    assert current.attestation
