"""Stripe's notifications: verified, stored by event id (a replay is a no-op), then applied."""

from __future__ import annotations

import json
import logging

import stripe
from django.conf import settings
from django.db import DatabaseError, IntegrityError, transaction
from django.http import HttpResponse, HttpResponseBadRequest
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .models import StripeEvent
from .providers.stripe import MalformedEvent, event_envelope, handle_event

logger = logging.getLogger(__name__)


def _id_of(event) -> object:
    return event.get("id") if isinstance(event, dict) else None


@csrf_exempt
@require_POST
def stripe_webhook(request):
    payload = request.body
    try:
        stripe.WebhookSignature.verify_header(
            payload.decode("utf-8"),
            request.headers.get("Stripe-Signature"),
            settings.STRIPE_WEBHOOK_SECRET or "",
            stripe.Webhook.DEFAULT_TOLERANCE,
        )
    except (stripe.SignatureVerificationError, UnicodeDecodeError, ValueError, TypeError):
        return HttpResponseBadRequest("invalid signature or payload")
    try:
        event = json.loads(payload)
    except (ValueError, RecursionError):
        logger.warning("Signed Stripe event is not JSON")
        return HttpResponseBadRequest("malformed event")
    try:
        event_id, kind, _object = event_envelope(event)
    except MalformedEvent as error:
        logger.warning("Signed Stripe event %.255r is malformed: %s", _id_of(event), error)
        return HttpResponseBadRequest("malformed event")
    try:
        with transaction.atomic():
            try:
                # Inserted first, in the same transaction: a concurrent delivery of the same event
                # waits on the unique index, then finds it taken; a failure below rolls it back.
                with transaction.atomic():
                    StripeEvent.objects.create(event_id=event_id, type=kind)
            except IntegrityError:
                return HttpResponse("already processed")
            outcome = handle_event(event)
    except MalformedEvent as error:
        logger.warning("Signed Stripe event %s (%s) is malformed: %s", event_id, kind, error)
        return HttpResponseBadRequest("malformed event")
    except DatabaseError:
        # Database down, lock timeout, deadlock: 503 so that Stripe delivers the event again.
        logger.exception("Stripe event %s not processed, Stripe will retry", event_id)
        return HttpResponse("retry later", status=503)
    except Exception:
        # A bug of ours on a well-formed event: a retry would fail alike. Logged with its trace for a fix;
        # the event is not stored, so Stripe's next delivery is processed once the fix is deployed.
        logger.exception("Stripe event %s (%s) could not be processed", event_id, kind)
        return HttpResponseBadRequest("event not processed")
    logger.info("Stripe event %s (%s): %s", event_id, kind, outcome)
    return HttpResponse(outcome)
