"""A webhook receiver for Portico's tests: verifies every delivery with the official
`standardwebhooks` library (an implementation independent of Portico's) and records it.

Usage: webhook_receiver.py  -> prints "listening PORT" on its first line, then serves:
  POST /_control    {"secrets": [...], "fail": N, "fail_status": 500}  set who signs, fail N
  GET  /_deliveries  every delivery so far: [{"id", "type", "verified", "status"}]
  POST /hook         a webhook delivery
"""
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook

state = {"secrets": [], "fail": 0, "fail_status": 500, "deliveries": []}
lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def reply(self, status, body=b""):
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        with lock:
            body = json.dumps(state["deliveries"]).encode()
        self.reply(200, body)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        if self.path == "/_control":
            with lock:
                state.update(json.loads(body))
            return self.reply(200, b"{}")
        headers = {k.lower(): v for k, v in self.headers.items()}
        with lock:
            secrets = list(state["secrets"])
        verified = []
        for secret in secrets:
            try:
                Webhook(secret).verify(body, headers)
                verified.append(True)
            except Exception:
                verified.append(False)
        with lock:
            failing = state["fail"] > 0
            if failing:
                state["fail"] -= 1
            status = state["fail_status"] if failing else 200
            event = json.loads(body)
            state["deliveries"].append(
                {"id": event["id"], "type": event["type"], "verified": verified,
                 "status": status, "webhook_id": headers.get("webhook-id")}
            )
        self.reply(status, b"{}")


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(f"listening {server.server_address[1]}", flush=True)
server.serve_forever()
