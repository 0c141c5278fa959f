"""Find the pupil an account request is about: names compared without accents, case or hyphens.

A school has a few hundred pupils, so the comparison runs in Python over the
establishment's active pupils (only the three columns it needs), which handles
every accent and spelling variant that SQL collations disagree on.
"""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

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


def card_confirms(request: AccountRequest, pupil: Pupil) -> bool:
    """The request gave card digits and they are the end of this pupil's card number.

    Names alone are public (a class list, a school photo): only the card, which the family
    holds, shows that the requester knows the child.
    """
    digits = request.card_digits or ""
    return len(digits) == 5 and digits.isdigit() and (pupil.card_number or "").endswith(digits)


def sure_match(request: AccountRequest, suggestions: list[Pupil] | None = None) -> Pupil | None:
    """The one pupil staff can validate without looking further, or None.

    Sure means a single suggestion, matching on names, whose card ends with the digits given.
    A request without digits, or with digits of another card, is never sure.
    """
    suggestions = suggested_pupils(request) if suggestions is None else suggestions
    if len(suggestions) != 1 or not card_confirms(request, suggestions[0]):
        return None
    return suggestions[0]


def why_not_sure(request: AccountRequest, suggestions: list[Pupil] | None = None) -> str:
    """In French, why ``sure_match`` found no pupil ("" when it found one): told to staff."""
    suggestions = suggested_pupils(request) if suggestions is None else suggestions
    if not suggestions:
        return _("aucun élève de l'établissement ne porte ces nom et prénom")
    if len(suggestions) > 1:
        return _("plusieurs élèves portent ces nom et prénom")
    if not request.card_digits:
        return _("aucun numéro de carte : l'identité du demandeur est à vérifier")
    if not card_confirms(request, suggestions[0]):
        return _("les chiffres de carte donnés ne sont pas ceux de l'élève")
    return ""
