"""A test-only stand-in for Stripe Checkout, on a local port.

No offline Stripe mock serves Checkout Sessions, so the browser test starts this
one: it creates and retrieves sessions under ``/v1/checkout/sessions`` (what
``STRIPE_API_BASE`` points at) and serves a "pay" page. Paying sends the signed
webhooks to the portal twice and in the wrong order, then redirects to the
success URL, as Stripe may.
"""

from __future__ import annotations

import copy
import itertools
import json
import re
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl

import stripe

FIXTURES = Path(__file__).parent / "fixtures" / "stripe"


class StripeCheckoutFake:
    def __init__(self, webhook_url: str, webhook_secret: str):
        self.webhook_url = webhook_url
        self.webhook_secret = webhook_secret
        self.sessions: dict[str, dict] = {}
        self.by_idempotency_key: dict[str, str] = {}
        self.deliveries: list[tuple[str, int]] = []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_port}"

    def __enter__(self) -> StripeCheckoutFake:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def create_session(self, params: dict, idempotency_key: str | None) -> dict:
        with self._lock:
            if idempotency_key in self.by_idempotency_key:
                return self.sessions[self.by_idempotency_key[idempotency_key]]
            session = json.loads((FIXTURES / "checkout_session.json").read_text())
            session_id = f"cs_test_fake{next(self._ids):04d}"
            lines = sorted({key.split("]")[0] for key in params if key.startswith("line_items[")})
            total = sum(
                int(params[f"{line}][price_data][unit_amount]"]) * int(params[f"{line}][quantity]"]) for line in lines
            )
            metadata = {key[9:-1]: value for key, value in params.items() if re.fullmatch(r"metadata\[\w+\]", key)}
            session.update(
                id=session_id,
                amount_subtotal=total,
                amount_total=total,
                currency=params["currency"],
                client_reference_id=params.get("client_reference_id"),
                customer_email=params.get("customer_email"),
                locale=params.get("locale"),
                metadata=metadata,
                success_url=params["success_url"],
                cancel_url=params["cancel_url"],
                expires_at=int(params["expires_at"]),
                url=f"{self.url}/pay/{session_id}",
            )
            self.sessions[session_id] = session
            if idempotency_key:
                self.by_idempotency_key[idempotency_key] = session_id
            return session

    def pay(self, session_id: str) -> str:
        """Mark the session paid, send its events twice in the wrong order; returns the success URL."""
        session = self.sessions[session_id]
        session.update(status="complete", payment_status="paid")
        completed = self._event("checkout.session.completed", session)
        succeeded = self._event("checkout.session.async_payment_succeeded", session)
        for envelope in (succeeded, completed, succeeded, completed):
            self._send(envelope)
        return session["success_url"].replace("{CHECKOUT_SESSION_ID}", session_id)

    def _event(self, kind: str, session: dict) -> dict:
        envelope = json.loads((FIXTURES / "event.json").read_text())
        envelope.update(id=f"evt_fake{next(self._ids):04d}", type=kind)
        envelope["data"]["object"] = copy.deepcopy(session)
        return envelope

    def _send(self, envelope: dict) -> None:
        payload = json.dumps(envelope)
        header = stripe.WebhookSignature.generate_signature_header(payload, self.webhook_secret)
        request = urllib.request.Request(
            self.webhook_url,
            data=payload.encode(),
            headers={"Content-Type": "application/json", "Stripe-Signature": header},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            self.deliveries.append((envelope["type"], response.status))

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _answer(self, status: int, body: str, content_type: str = "application/json", location: str = ""):
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                if location:
                    self.send_header("Location", location)
                self.end_headers()
                self.wfile.write(body.encode())

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                params = dict(parse_qsl(self.rfile.read(length).decode(), keep_blank_values=True))
                if self.path == "/v1/checkout/sessions":
                    session = fake.create_session(params, self.headers.get("Idempotency-Key"))
                    return self._answer(200, json.dumps(session))
                match = re.fullmatch(r"/pay/(cs_\w+)", self.path)
                if match and match[1] in fake.sessions:
                    return self._answer(303, "", "text/plain", location=fake.pay(match[1]))
                self._answer(404, json.dumps({"error": {"type": "invalid_request_error", "message": "Not found"}}))

            def do_GET(self):
                match = re.fullmatch(r"/v1/checkout/sessions/(cs_\w+)", self.path)
                if match and match[1] in fake.sessions:
                    return self._answer(200, json.dumps(fake.sessions[match[1]]))
                match = re.fullmatch(r"/pay/(cs_\w+)", self.path)
                if match and match[1] in fake.sessions:
                    session = fake.sessions[match[1]]
                    page = (
                        "<!doctype html><html lang='fr'><body><h1>Stripe Checkout (fake)</h1>"
                        f"<p id='total'>{session['amount_total']} {session['currency']}</p>"
                        f"<form method='post' action='/pay/{session['id']}'><button>Payer</button></form>"
                        f"<a href='{session['cancel_url']}'>Retour</a></body></html>"
                    )
                    return self._answer(200, page, "text/html; charset=utf-8")
                self._answer(404, json.dumps({"error": {"type": "invalid_request_error", "message": "Not found"}}))

        return Handler
