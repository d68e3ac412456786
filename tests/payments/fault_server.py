"""A tiny loopback HTTP server standing in for Stripe when it fails, or a fault proxy in front of
stripe-mock.

Modes: "500" answers every request with a 500; "sleep" waits `sleep_seconds` then answers 500
(a client with a shorter timeout sees a timeout); "drop" closes the connection without a word;
"proxy" forwards to `upstream` (stripe-mock) and returns its answer; "proxy_drop" forwards, then
closes the connection unanswered (Stripe did it, the caller never hears); "hold" is a slow Stripe: it
holds the request until `release` is set (at most `sleep_seconds`), then forwards it (`held` is
set while a request is held). `plan` takes precedence: a list of modes used one per request, in
order, before falling back to `mode`.
"""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlparse


class FaultServer:
    def __init__(self, upstream: str = "") -> None:
        self.mode = "500"  # "500" | "sleep" | "drop" | "proxy" | "hold"
        self.plan: list[str] = []
        self.upstream = upstream
        self.sleep_seconds = 2.0
        self.requests: list[tuple[str, str, str]] = []  # (method, path, Idempotency-Key)
        self.lock = threading.Lock()
        self.held = threading.Event()
        self.release = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body_in = self.rfile.read(length) if length else b""
                with server.lock:
                    server.requests.append(
                        (self.command, self.path, self.headers.get("Idempotency-Key") or "")
                    )
                    mode = server.plan.pop(0) if server.plan else server.mode
                try:
                    if mode == "drop":
                        self.connection.shutdown(socket.SHUT_RDWR)
                        self.close_connection = True
                        return
                    if mode == "hold":
                        server.held.set()
                        server.release.wait(server.sleep_seconds)
                        mode = "proxy"
                    if mode == "proxy":
                        self._forward(body_in)
                        return
                    if mode == "proxy_drop":  # Stripe did it, the answer is lost on the way
                        self._forward(body_in, answer=False)
                        self.connection.shutdown(socket.SHUT_RDWR)
                        self.close_connection = True
                        return
                    if mode == "sleep":
                        time.sleep(server.sleep_seconds)
                    body = json.dumps(
                        {"error": {"type": "api_error", "message": "Injected fault."}}
                    ).encode()
                    self.send_response(500)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError, OSError):
                    self.close_connection = True

            def _forward(self, body_in: bytes, *, answer: bool = True) -> None:
                target = urlparse(server.upstream)
                conn = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
                skip = {"host", "connection", "content-length", "transfer-encoding"}
                headers = {k: v for k, v in self.headers.items() if k.lower() not in skip}
                conn.request(self.command, self.path, body=body_in or None, headers=headers)
                upstream = conn.getresponse()
                data = upstream.read()
                conn.close()
                if not answer:
                    return
                self.send_response(upstream.status)
                for key, value in upstream.getheaders():
                    if key.lower() not in skip:
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

    def keys(self) -> list[str]:
        return [key for _method, _path, key in self.requests]
