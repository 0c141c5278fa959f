"""Find the pupil an account request is about: names compared without accents, case or hyphens.

A school has a few hundred pupils, so the comparison runs in Python over the
establishment's active pupils (only the three columns it needs), which handles
every accent and spelling variant that SQL collations disagree on.
"""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING

from canteen.models import Pupil

if TYPE_CHECKING:
    from .models import AccountRequest


def name_tokens(name: str) -> tuple[str, ...]:
    """ "Lefèvre-Dupont" and "lefevre dupont" give the same tokens."""
    decomposed = unicodedata.normalize("NFKD", name or "")
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return tuple(token for token in re.split(r"[^a-z0-9]+", plain) if token)


def _same_first_names(asked: tuple[str, ...], known: tuple[str, ...]) -> bool:
    """Equal, or one is the start of the other: "Léa" for a pupil registered as "Léa Marie"."""
    if not asked or not known:
        return False
    shorter, longer = sorted([asked, known], key=len)
    return longer[: len(shorter)] == shorter


def suggested_pupils(request: AccountRequest) -> list[Pupil]:
    """The establishment's active pupils whose names match the request, narrowed by the card digits."""
    last, first = name_tokens(request.last_name), name_tokens(request.first_name)
    candidates = (
        Pupil.objects.active()
        .filter(establishment_id=request.establishment_id)
        .only("last_name", "first_name", "card_number", "establishment_id")
    )
    found = [
        pupil
        for pupil in candidates
        if name_tokens(pupil.last_name) == last and _same_first_names(first, name_tokens(pupil.first_name))
    ]
    if request.card_digits:
        by_card = [pupil for pupil in found if pupil.card_number.endswith(request.card_digits)]
        return by_card or found
    return found


def sure_match(request: AccountRequest, suggestions: list[Pupil] | None = None) -> Pupil | None:
    """The one pupil staff can validate without looking further, or None.

    Sure means a single suggestion whose card agrees with the digits given, if any.
    """
    suggestions = suggested_pupils(request) if suggestions is None else suggestions
    if len(suggestions) != 1:
        return None
    pupil = suggestions[0]
    if request.card_digits and not pupil.card_number.endswith(request.card_digits):
        return None
    return pupil
