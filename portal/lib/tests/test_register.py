"""The register of processing (docs/privacy.md) stays true: every field that looks personal, in every model of
the project and of the libraries it installs, is declared in its app's privacy.py (or exempt, with the reason),
and every declared personal field is listed in the register."""

from __future__ import annotations

from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import models
from django.test.utils import isolate_apps

from portal.lib.personal_data import declarations, declare, personal_fields, register_gaps

REGISTER = Path(settings.BASE_DIR) / "docs" / "privacy.md"


def test_every_field_that_looks_personal_is_declared():
    assert register_gaps(apps.get_models()) == []


def test_every_declared_personal_field_is_in_the_register():
    text = REGISTER.read_text()
    missing = [name for name in personal_fields() if f"`{name}`" not in text]
    assert missing == []


@isolate_apps("portal.lib")
def test_a_new_personal_field_not_declared_fails_the_check():
    class Attestation(models.Model):
        holder_name = models.CharField(max_length=100)
        iban = models.CharField(max_length=34)
        document = models.FileField()
        amount = models.DecimalField(max_digits=10, decimal_places=2)

        class Meta:
            app_label = "lib"

        def __str__(self) -> str:
            return self.holder_name

    assert register_gaps([Attestation]) == [
        "lib.Attestation.holder_name: looks personal, not declared",
        "lib.Attestation.iban: looks personal, not declared",
        "lib.Attestation.document: looks personal, not declared",
    ]
    declare("lib.Attestation", personal={"holder_name": "identité", "iban": "données de paiement"})
    try:
        assert register_gaps([Attestation]) == ["lib.Attestation.document: looks personal, not declared"]
        assert "lib.Attestation.iban" in personal_fields()
        declare("lib.Attestation", exempt={"documents": "typo"})
        assert "lib.Attestation.documents: declared, no such field" in register_gaps([Attestation])
    finally:
        from portal.lib import personal_data

        personal_data._declarations.pop("lib.attestation")
    assert "lib.attestation" not in declarations()
