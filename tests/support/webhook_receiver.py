"""A webhook receiver for Portico's tests: verifies every delivery with the official
`standardwebhooks` library (an implementation independent of Portico's) and records it. A
delivery in Kombo's format (it carries `X-Kombo-Signature`) is verified as Kombo's receivers do
(base64url HMAC-SHA256 of the raw body under the secret) and parsed with the official `kombo`
SDK's webhook model of its type.

Usage: webhook_receiver.py  -> prints "listening PORT" on its first line, then serves:
  POST /_control    {"secrets": [...], "fail": N, "fail_status": 500}  set who signs, fail N
  GET  /_deliveries  every delivery so far: [{"id", "type", "verified", "status", "body",
                     "kombo_model"}]
  POST /hook         a webhook delivery
"""
import base64
import hashlib
import hmac
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook

KOMBO_MODELS = {
    "integration-created": "IntegrationCreatedWebhookPayload",
    "integration-deleted": "IntegrationDeletedWebhookPayload",
    "connection-flow-failed": "ConnectionFlowFailedWebhookPayload",
}


def kombo_signature(secret, body):
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def kombo_model(event):
    """`ok` when the SDK's model of the payload's type accepts it, else why not."""
    import kombo.models

    name = KOMBO_MODELS.get(event.get("type"))
    if name is None:
        return f"no Kombo model for type {event.get('type')!r}"
    try:
        getattr(kombo.models, name).model_validate(event)
        return "ok"
    except Exception as e:  # the SDK's validation error, recorded for the test to show
        return str(e)


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
        kombo = "x-kombo-signature" in headers
        for secret in secrets:
            if kombo:
                verified.append(
                    hmac.compare_digest(kombo_signature(secret, body), headers["x-kombo-signature"])
                )
                continue
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
                 "status": status, "webhook_id": headers.get("webhook-id"), "body": event,
                 "kombo_model": kombo_model(event) if kombo else None}
            )
        self.reply(status, b"{}")


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(f"listening {server.server_address[1]}", flush=True)
server.serve_forever()
