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
from .providers.stripe import handle_event

logger = logging.getLogger(__name__)


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
        event = json.loads(payload)
        event_id, kind = event["id"], event["type"]
    except (stripe.SignatureVerificationError, UnicodeDecodeError, ValueError, KeyError, TypeError):
        return HttpResponseBadRequest("invalid signature or payload")
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
    except DatabaseError:
        # Database down, lock timeout, deadlock: 503 so that Stripe delivers the event again.
        logger.exception("Stripe event %s not processed, Stripe will retry", event_id)
        return HttpResponse("retry later", status=503)
    logger.info("Stripe event %s (%s): %s", event_id, kind, outcome)
    return HttpResponse(outcome)
