"""A ``stripe.HTTPClient`` that never reaches the network: it records each call and answers from a script."""

from __future__ import annotations

import json
from urllib.parse import parse_qsl

import stripe


class FakeStripeHTTP(stripe.HTTPClient):
    name = "fake"

    def __init__(self, answers: list[tuple[int, dict]]):
        super().__init__()
        self.answers = list(answers)
        self.calls: list[dict] = []

    def request(self, method, url, headers, post_data=None, *, _usage=None):
        self.calls.append(
            {
                "method": method,
                "url": url,
                "headers": dict(headers or {}),
                "params": dict(parse_qsl(post_data or "", keep_blank_values=True)),
            }
        )
        status, body = self.answers.pop(0)
        return json.dumps(body), status, {}

    def close(self):
        pass
