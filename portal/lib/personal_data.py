"""The register of personal data, and the two things done to it: retention and anonymisation.

Each app says, in a ``privacy.py`` beside its models (imported at start-up by ``LibConfig.ready``):

- which fields of its models hold personal data (``declare``), with their category, and which fields
  that look personal do not (``exempt``, with the reason). ``portal/lib/tests/test_register.py`` walks
  every model of the project and fails on a field that looks personal and is in neither, and on a
  declared field that ``docs/privacy.md`` does not list;
- how long its rows are kept: ``retention_rule`` functions, run each night by ``apply_retention`` (a
  Celery beat task and ``manage.py apply_retention --dry-run``). Each rule finds what is due and acts on
  it, so that a second run finds nothing: every rule is idempotent;
- what it does when a person is erased (``anonymiser``): a pupil or a parent is replaced by a stable
  pseudonym in that app's rows. ``identity`` says how a person is named (the strings to find and their
  replacement), so that every app's anonymiser also scrubs free texts that mention them.

The floor imports no app: the apps register themselves, and ``erase`` runs what they registered.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone

log = logging.getLogger(__name__)

# The categories of the register (docs/privacy.md lists each field under one of them).
IDENTITY = "identité"
CONTACT = "coordonnées"
CARD = "identifiant de carte"
PAYMENT = "données de paiement"
CORRESPONDENCE = "correspondance"
CONNECTION = "données de connexion"
TECHNICAL = "trace technique"
INCOME = "quotient familial"
MEALS = "repas réservés"
CATEGORIES = (IDENTITY, CONTACT, CARD, PAYMENT, INCOME, MEALS, CORRESPONDENCE, CONNECTION, TECHNICAL)

# Every field of a personal nature is declared; a field looks personal by its type or its name.
PERSONAL_LOOKING_NAME = re.compile(
    r"(?:^|_)(?:name|first|last|email|phone|address|iban|bic|ip|body|message|text|note|reason|file|card|drawer"
    r"|payer|recipient|context|params|agent|session|repr|holder|birth|attestation|income|quotient|digits"
    r"|username|label|consent)"
)
PERSONAL_LOOKING_TYPES = ("EmailField", "GenericIPAddressField", "FileField", "ImageField", "TextField", "JSONField")


@dataclass
class Declaration:
    model: str  # "app_label.ModelName"
    personal: dict[str, str] = field(default_factory=dict)  # field -> category
    exempt: dict[str, str] = field(default_factory=dict)  # field -> why it is not personal


_declarations: dict[str, Declaration] = {}
_rules: list[tuple[str, Callable]] = []
_anonymisers: dict[str, list[Callable]] = {}
_identities: dict[str, Callable] = {}


def declare(model: str, personal: dict[str, str] | None = None, exempt: dict[str, str] | None = None) -> None:
    """Register the personal fields of ``model`` ("app_label.Model") and those that only look personal."""
    found = _declarations.setdefault(model.lower(), Declaration(model))
    found.personal.update(personal or {})
    found.exempt.update(exempt or {})


def declarations() -> dict[str, Declaration]:
    return dict(_declarations)


def retention_rule(name: str):
    """Decorate ``rule(now, dry_run) -> int``: how many rows it found due (and, unless dry, handled)."""

    def register(rule: Callable) -> Callable:
        if name not in dict(_rules):
            _rules.append((name, rule))
        return rule

    return register


def retention_rules() -> list[tuple[str, Callable]]:
    return list(_rules)


def anonymiser(kind: str):
    """Decorate ``anonymise(erasure)``, run for each erased person of ``kind`` ("pupil", "user")."""

    def register(function: Callable) -> Callable:
        functions = _anonymisers.setdefault(kind, [])
        if function not in functions:
            functions.append(function)
        return function

    return register


def identity(kind: str):
    """Decorate ``identify(obj) -> Erasure``: the person's pseudonym and the strings that name them."""

    def register(function: Callable) -> Callable:
        _identities[kind] = function
        return function

    return register


def pseudonym_code(kind: str, pk: int) -> str:
    """A stable code for one person: the same at every run, meaningless without the server's secret."""
    digest = hmac.new(settings.SECRET_KEY.encode(), f"{kind}:{pk}".encode(), hashlib.sha256).hexdigest()
    return digest[:8].upper()


def pseudonym_email(kind: str, pk: int) -> str:
    return f"anonyme-{pk}-{pseudonym_code(kind, pk).lower()}@anonyme.invalid"


@dataclass
class Erasure:
    """One person being erased: who (kind, object), their pseudonym, and each string naming them with its
    replacement (full names, emails, card numbers; never a first name alone, which names other people too)."""

    kind: str
    subject: object
    pseudonym: str
    replacements: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.replacements = {k.strip(): v for k, v in self.replacements.items() if k and len(k.strip()) >= 3}
        # Longest first: "Léa Martin" is replaced before a shorter string it contains.
        ordered = sorted(self.replacements, key=len, reverse=True)
        # Whole words only: card number 10001 is not replaced inside a cheque number 1000123.
        alternatives = "|".join(re.escape(s) for s in ordered)
        self._pattern = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE) if ordered else None
        self._lookup = {k.lower(): v for k, v in self.replacements.items()}

    @property
    def needles(self) -> list[str]:
        """The strings to look for in free texts (``icontains``)."""
        return list(self.replacements)

    def scrub(self, text: str) -> str:
        if not text or self._pattern is None:
            return text
        return self._pattern.sub(lambda m: self._lookup[m.group(0).lower()], text)

    def scrub_json(self, value):
        if isinstance(value, str):
            return self.scrub(value)
        if isinstance(value, list):
            return [self.scrub_json(v) for v in value]
        if isinstance(value, dict):
            return {k: self.scrub_json(v) for k, v in value.items()}
        return value


def any_contains(field_name: str, needles: list[str]):
    """A filter matching rows whose ``field_name`` contains one of ``needles`` (case-insensitive)."""
    from django.db.models import Q

    query = Q(pk__in=[])
    for needle in needles:
        query |= Q(**{f"{field_name}__icontains": needle})
    return query


def describe(kind: str, obj) -> Erasure:
    """The erasure of ``obj`` as its app identifies it, before anything is changed."""
    return _identities[kind](obj)


def erase(kind: str, obj) -> Erasure:
    """Replace ``obj`` by its pseudonym in every app's rows, in one transaction: all of it or nothing.

    The person is identified first (their names as they are now), then every registered anonymiser of
    ``kind`` runs, the upper apps first (reverse order of registration, which is INSTALLED_APPS's): they still
    find the person's rows through relations (guardianships, threads) that the lower apps then remove."""
    erasure = describe(kind, obj)
    with transaction.atomic():
        for function in reversed(_anonymisers.get(kind, [])):
            function(erasure)
    log.info("Erased %s %s as %s", kind, getattr(obj, "pk", None), erasure.pseudonym)
    return erasure


def apply_retention(now, *, dry_run: bool = False) -> dict[str, int]:
    """Run every retention rule; returns how many rows each found due. Each rule is its own transaction."""
    counts = {}
    for name, rule in _rules:
        if dry_run:
            counts[name] = rule(now, True)
        else:
            with transaction.atomic():
                counts[name] = rule(now, False)
        log.info("Retention %s: %d %s", name, counts[name], "due (dry run)" if dry_run else "handled")
    return counts


@shared_task(acks_late=True, reject_on_worker_lost=True)
def apply_retention_task() -> dict[str, int]:
    """Nightly (Celery beat): every retention rule; a second run the same night finds nothing left to do."""
    return apply_retention(timezone.now())


def looks_personal(model_field) -> bool:
    return bool(PERSONAL_LOOKING_NAME.search(model_field.name)) or type(model_field).__name__ in PERSONAL_LOOKING_TYPES


def register_gaps(models) -> list[str]:
    """What the register misses: each field of ``models`` that looks personal and is neither declared nor
    exempt, and each declared field a model does not have ("app_label.Model.field: why")."""
    gaps = []
    for model in models:
        if model._meta.proxy:
            continue  # its table is its concrete model's
        declared = _declarations.get(model._meta.label_lower, Declaration(model._meta.label))
        names = {f.name for f in model._meta.concrete_fields}
        for model_field in model._meta.concrete_fields:
            known = model_field.name in declared.personal or model_field.name in declared.exempt
            if looks_personal(model_field) and not known:
                gaps.append(f"{model._meta.label}.{model_field.name}: looks personal, not declared")
        for name in set(declared.personal) | set(declared.exempt):
            if name not in names:
                gaps.append(f"{model._meta.label}.{name}: declared, no such field")
    return gaps


def personal_fields() -> list[str]:
    """Every declared personal field, "app_label.Model.field", as the register (docs/privacy.md) names it."""
    return sorted(f"{d.model}.{name}" for d in _declarations.values() for name in d.personal)
