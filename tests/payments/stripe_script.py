"""A loopback stand-in for Stripe answering chosen requests as told, the rest from stripe-mock.

`answer(method, path_prefix, status, body)` adds a rule (first match wins, used `times` times or
for ever); other requests are forwarded to stripe-mock. Used for what stripe-mock cannot say: a
refund refused outright (4xx), a charge whose balance transaction does not exist yet.
"""

from __future__ import annotations

import http.client
import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlparse


@dataclass
class Rule:
    method: str
    path: str
    status: int
    body: dict[str, Any]
    times: int | None = None


class ScriptedStripe:
    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.rules: list[Rule] = []
        self.requests: list[tuple[str, str, str]] = []  # (method, path, Idempotency-Key)
        self.bodies: list[str] = []  # the form-encoded body of each request, in order
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body_in = self.rfile.read(length) if length else b""
                with server.lock:
                    server.requests.append(
                        (self.command, self.path, self.headers.get("Idempotency-Key") or "")
                    )
                    server.bodies.append(body_in.decode())
                    rule = server._rule(self.command, self.path)
                if rule is None:
                    status, data, headers = server._forward(self, body_in)
                else:
                    status, data = rule.status, json.dumps(rule.body).encode()
                    headers = [("Content-Type", "application/json")]
                self.send_response(status)
                for key, value in headers:
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_DELETE = _answer

            def log_message(self, *args: Any) -> None:
                return None

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def answer(
        self, method: str, path: str, status: int, body: dict[str, Any], times: int | None = None
    ) -> None:
        with self.lock:
            self.rules.append(Rule(method, path, status, body, times))

    def _rule(self, method: str, path: str) -> Rule | None:
        for rule in self.rules:
            if rule.method == method and path.startswith(rule.path):
                if rule.times is not None:
                    rule.times -= 1
                    if rule.times <= 0:
                        self.rules.remove(rule)
                return rule
        return None

    def _forward(
        self, handler: BaseHTTPRequestHandler, body_in: bytes
    ) -> tuple[int, bytes, list[tuple[str, str]]]:
        target = urlparse(self.upstream)
        conn = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
        skip = {"host", "connection", "content-length", "transfer-encoding"}
        headers = {k: v for k, v in handler.headers.items() if k.lower() not in skip}
        conn.request(handler.command, handler.path, body=body_in or None, headers=headers)
        answer = conn.getresponse()
        data = answer.read()
        kept = [(k, v) for k, v in answer.getheaders() if k.lower() not in skip]
        conn.close()
        return answer.status, data, kept

    def paths(self) -> list[str]:
        return [f"{method} {path.split('?')[0]}" for method, path, _key in self.requests]


def refusal(message: str = "Refused.", code: str = "charge_already_refunded") -> dict[str, Any]:
    return {"error": {"type": "invalid_request_error", "code": code, "message": message}}
