"""A family's proof of their quotient familial: a PDF, JPEG or PNG file, its type found in its content.

The name and the type the browser sends are the parent's word; the first bytes are the file's. An HTML page
renamed ``.pdf`` is refused, and an image must be one Pillow can read to the end.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

# A scan of one or two pages; more is a mistake (or an attack).
MAX_ATTESTATION_BYTES = 5 * 1024 * 1024

SIGNATURES = [
    (b"%PDF-", ".pdf"),
    (b"\xff\xd8\xff", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", ".png"),
]


def attestation_extension(upload) -> str:
    """The extension of what ``upload`` (an uploaded file) really is: ``.pdf``, ``.jpg`` or ``.png``;
    ``ValidationError`` with a French message for anything else, empty or too large."""
    if upload.size == 0:
        raise ValidationError(_("Le fichier est vide."), code="empty")
    if upload.size > MAX_ATTESTATION_BYTES:
        raise ValidationError(
            _("Le fichier dépasse %(size)d Mo : envoyez un scan plus léger.")
            % {"size": MAX_ATTESTATION_BYTES // (1024 * 1024)},
            code="too_large",
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    extension = next((ext for signature, ext in SIGNATURES if head.startswith(signature)), None)
    if extension is None:
        raise ValidationError(
            _("Ce fichier n'est ni un PDF, ni une image JPEG ou PNG : envoyez l'attestation dans l'un de ces formats."),
            code="type",
        )
    if extension != ".pdf":
        try:
            with Image.open(upload) as image:
                image.verify()  # reads the whole image: a truncated or forged one fails here
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
            raise ValidationError(_("Cette image est illisible ou abîmée."), code="broken_image") from None
        finally:
            upload.seek(0)
    return extension
