"""A tiny loopback HTTP server standing in for Stripe when it fails: 500s or slow answers."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class FaultServer:
    def __init__(self) -> None:
        self.mode = "500"  # "500" | "sleep"
        self.sleep_seconds = 2.0
        self.requests: list[tuple[str, str, str]] = []  # (method, path, Idempotency-Key)
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                server.requests.append(
                    (self.command, self.path, self.headers.get("Idempotency-Key") or "")
                )
                if server.mode == "sleep":
                    time.sleep(server.sleep_seconds)
                body = json.dumps(
                    {"error": {"type": "api_error", "message": "Injected fault."}}
                ).encode()
                try:
                    self.send_response(500)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            do_GET = do_POST = do_DELETE = _answer

            def log_message(self, *args: Any) -> None:
                return None

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def keys(self) -> list[str]:
        return [key for _method, _path, key in self.requests]
