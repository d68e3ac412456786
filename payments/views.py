"""The Stripe webhook endpoint: verify, store once, answer at once; processing is in Celery."""

from __future__ import annotations

import logging

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from payments.gateways import WebhookVerificationError
from payments.gateways.stripe import StripeGateway
from payments.webhooks import MalformedEvent, webhook_event_receive

logger = logging.getLogger(__name__)


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest) -> JsonResponse:
    try:
        event = StripeGateway().webhook_verify(
            payload=request.body, signature=request.headers.get("Stripe-Signature")
        )
    except WebhookVerificationError as error:
        logger.warning("stripe webhook refused: %s", error)
        return JsonResponse({"error": "invalid signature"}, status=400)
    try:
        created = webhook_event_receive(event=event, gateway="stripe")
    except MalformedEvent as error:
        logger.warning("stripe webhook malformed: %s", error)
        return JsonResponse({"error": "malformed event"}, status=400)
    return JsonResponse({"received": True, "duplicate": not created})
