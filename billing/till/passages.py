"""Meals from the till: check each passage, book it once, answer what the till must know.

Shared by the till API (``billing.till.views``) and the CSV import command, so
both follow the same rules. A passage is identified by its till and its
``ref``: sent again, it gets the same answer as the first time and changes
nothing. One bad passage never blocks the others. Passages are checked
first, without touching any balance; the good ones are then booked through
``billing.ledger.book_many`` in one transaction.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from billing import references
from billing.ledger import Movement, book_many
from billing.models import EntryKind, LedgerEntry
from canteen.models import PriceList, Pupil
from portal.lib.localtime import zone_of
from portal.lib.money import CENT

from .bookings import RefusedUnbooked, TillBookings
from .models import Till

MAX_PASSAGES = 500
MAX_REF_LENGTH = 80
MAX_CARD_LENGTH = 32  # canteen.Pupil.card_number
MAX_AT_LENGTH = 40  # "2026-11-26T12:21:00.123456+01:00" is 32
# A decimal string such as "3.50": digits, then at most two decimals; no sign, exponent or spaces.
AMOUNT = re.compile(r"[0-9]{1,6}(?:\.[0-9]{1,2})?")
# Control characters (NUL included, which PostgreSQL refuses in text) and Unicode line separators.
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
MAX_MEAL_AMOUNT = Decimal("100.00")  # a typing-error guard
# A till's clock may run a little ahead of ours.
CLOCK_TOLERANCE = datetime.timedelta(minutes=5)


class Rejected(Exception):
    """A passage that cannot be recorded; the message is the French reason given to the till."""


def record_passages(till: Till, passages: list) -> list[dict]:
    """Record each passage as a meal, in order; one result per passage (see docs/till-api.md)."""
    establishment = till.establishment
    # Only well-formed texts reach the database: a NUL in a query is an error on PostgreSQL.
    cards = {p["card"] for p in passages if isinstance(p, dict) and _text(p.get("card"), MAX_CARD_LENGTH)}
    pupils = {
        p.card_number: p
        for p in Pupil.objects.filter(establishment=establishment, card_number__in=cards).values_list(
            "pk", "card_number", "active", "establishment_id", "category", named=True
        )
    }
    prices = PriceList([establishment.pk], pupil_ids=[pupil.pk for pupil in pupils.values()])
    refs = [
        references.till_passage(till.pk, p["ref"])
        for p in passages
        if isinstance(p, dict) and _text(p.get("ref"), MAX_REF_LENGTH)
    ]
    # A passage already recorded gets its first answer back, even if the pupil has changed since.
    known = {
        e.reference: e
        for e in LedgerEntry.objects.filter(reference__in=refs).only("reference", "balance_after", "kind", "amount")
    }
    window = _window(establishment.till_window_days)
    local = zone_of(establishment)
    limit = -establishment.overdraft_limit
    with transaction.atomic():  # the bookings a batch consumes are written with its meals
        bookings = TillBookings(establishment)
        bookings.load(_booking_keys(passages, pupils, local))
        return _record(till, passages, pupils, prices, known, window, local, limit, bookings)


def _booking_keys(passages: list, pupils: dict, local) -> set[tuple[int, datetime.datetime]]:
    """(pupil id, local time) of the passages that may be meals: the bookings to read."""
    keys = set()
    for passage in passages:
        card = passage.get("card") if isinstance(passage, dict) else None
        if _text(card, MAX_CARD_LENGTH) and card in pupils:
            try:
                keys.add((pupils[card].pk, _at(passage.get("at")).astimezone(local)))
            except (Rejected, OverflowError, ValueError):
                continue
    return keys


def _record(till, passages, pupils, prices, known, window, local, limit, bookings: TillBookings) -> list[dict]:
    results: list[dict] = []
    to_book = []
    seen: dict[str, dict] = {}
    for position, passage in enumerate(passages):
        ref = passage.get("ref") if isinstance(passage, dict) else None
        result: dict = {"ref": ref if _text(ref, MAX_REF_LENGTH) else None}
        results.append(result)
        try:
            _check_ref(passage)
            # Sent twice for the same card, a passage is answered "duplicate" by book_many; for another
            # card, the till reused a ref: that pupil's meal would be lost silently, so say so.
            if seen.setdefault(ref, passage).get("card") != passage.get("card"):
                raise Rejected(_("« ref » déjà employée dans ce lot pour un autre passage."))
            reference = references.till_passage(till.pk, ref)
            if reference in known:
                _answer(result, known[reference], False, limit)
            else:
                card, at, amount = _check(passage, pupils, prices, local, window)
                _within_maximum(amount, till.establishment.max_meal_price)
                outcome = _outcome(bookings, pupils[card].pk, at.astimezone(local), amount)
                to_book.append((pupils[card].pk, position, at, outcome, reference))
        except Rejected as error:
            result.update(status="rejected", reason=str(error))
    # The whole batch in one transaction and a few statements; each pupil's meals in the order sent.
    to_book.sort(key=lambda row: row[:2])
    movements = []
    for pupil_id, _position, at, outcome, reference in to_book:
        movements.append(Movement(pupil_id, EntryKind.MEAL, -outcome.amount, outcome.label, reference, at))
        if outcome.reversal is not None:
            movements.append(outcome.reversal)
    booked = iter(book_many(movements))
    for _pupil_id, position, _at, outcome, _reference in to_book:
        booking = next(booked)
        if outcome.reversal is not None:
            booking = next(booked)  # the balance after the meal and the charge taken back
        _answer(results[position], booking.entry, booking.created, limit, outcome.booked)
    bookings.save([outcome for *_rest, outcome, _reference in to_book])
    return results


def _outcome(bookings: TillBookings, pupil_id: int, local_at: datetime.datetime, amount: Decimal):
    """The booking this passage consumes and the price applied (a surcharge when it was not booked)."""
    try:
        return bookings.outcome(pupil_id, local_at, amount)
    except RefusedUnbooked:
        raise Rejected(_("Repas non réservé : l'établissement refuse les repas pris sans réservation.")) from None


def _answer(result: dict, entry: LedgerEntry, created: bool, limit: Decimal, booked: bool | None = None) -> None:
    result.update(
        status="recorded" if created else "duplicate",
        balance=str(entry.balance_after),
        below_limit=entry.balance_after < limit,
    )
    if entry.kind == EntryKind.MEAL:
        result["price"] = str(-entry.amount)
    if booked is not None:
        result["booked"] = booked


def _text(value, max_length: int) -> bool:
    """A non-blank text of at most ``max_length`` characters, without control characters."""
    return isinstance(value, str) and 0 < len(value) <= max_length and bool(value.strip()) and not CONTROL.search(value)


def _window(days: int) -> tuple[datetime.datetime, datetime.datetime]:
    """The times a passage may bear: within the establishment's window, at most 5 minutes ahead."""
    now = timezone.now()
    return now - datetime.timedelta(days=days), now + CLOCK_TOLERANCE


def _check_ref(passage) -> None:
    if not isinstance(passage, dict):
        raise Rejected(_("Passage mal formé : un objet JSON est attendu."))
    if not _text(passage.get("ref"), MAX_REF_LENGTH):
        raise Rejected(
            _("Passage mal formé : « ref » doit être un texte de 1 à %(max)d caractères, sans caractère de contrôle.")
            % {"max": MAX_REF_LENGTH}
        )


def _check(
    passage, pupils: dict, prices: PriceList, local: datetime.tzinfo, window
) -> tuple[str, datetime.datetime, Decimal]:
    """The card, time and meal price of a well-formed passage; ``Rejected`` with the reason otherwise."""
    card, at_text = passage.get("card"), passage.get("at")
    if not _text(card, MAX_CARD_LENGTH):
        raise Rejected(
            _("Passage mal formé : « card » doit être un texte de 1 à %(max)d caractères, sans caractère de contrôle.")
            % {"max": MAX_CARD_LENGTH}
        )
    at = _at(at_text)
    earliest, latest = window
    # Checked before any conversion: year 1 at +01:00 would leave the calendar in UTC.
    if at < earliest:
        raise Rejected(_("Heure de passage trop ancienne : au-delà de la période acceptée par l'établissement."))
    if at > latest:
        raise Rejected(_("Heure de passage dans le futur."))
    pupil = pupils.get(card)
    if pupil is None:
        raise Rejected(_("Carte inconnue."))
    if not pupil.active:
        raise Rejected(_("Élève inactif."))
    if "amount" in passage and passage["amount"] is not None:
        amount = _amount(passage["amount"])
    else:
        amount = prices.price_of(pupil, at.astimezone(local).date())
        if not amount or amount <= 0:
            raise Rejected(_("Aucun tarif payant en vigueur pour cet élève à cette date."))
    return card, at, amount


def _within_maximum(amount: Decimal, maximum: Decimal) -> None:
    """A till may send its own price, never more than the school's maximum meal price (a stolen token's limit)."""
    if amount > maximum:
        raise Rejected(
            _("Montant refusé : %(amount)s € dépasse le prix maximum d'un repas de l'établissement (%(max)s €).")
            % {"amount": amount, "max": maximum}
        )


def _at(value) -> datetime.datetime:
    try:
        at = parse_datetime(value) if isinstance(value, str) and len(value) <= MAX_AT_LENGTH else None
    except ValueError:  # well formed but impossible, such as 30 February
        at = None
    if at is None or timezone.is_naive(at):
        raise Rejected(_("Passage mal formé : « at » doit être une date ISO 8601 avec son décalage horaire."))
    return at


def _amount(value) -> Decimal:
    """A decimal string such as "3.50", checked as text first: "1e26" or thirty nines never reach Decimal."""
    amount = Decimal(value) if isinstance(value, str) and AMOUNT.fullmatch(value) else None
    if amount is None or amount <= 0:
        raise Rejected(_('Passage mal formé : « amount » doit être un montant positif en texte, par exemple "3.50".'))
    if amount > MAX_MEAL_AMOUNT:
        raise Rejected(_("Passage mal formé : un repas coûte au plus %(max)s €.") % {"max": MAX_MEAL_AMOUNT})
    return amount.quantize(CENT)
