"""cloudpayments-sdk's webhook and security helpers on the notifications a running Oblako sent
during the scenario: `webhooks.verify_signature`, `security.sign_message`, `ReplayProtector`,
`webhooks.handle_event` and the Flask, FastAPI and Django adapters built on them.

The receiver below is the scripts' own (http.server on 127.0.0.1, answering `{"code":0}`), so that
Check lets payments through and every notification is kept byte for byte; the SDK's helpers are
then run on exactly those bytes and headers.
"""
import http.server
import threading
import time
import urllib.parse

from cloudpayments_sdk import security
from cloudpayments_sdk import webhooks as sdk_webhooks

WAIT = 10.0
FORM_ONLY = ("CloudPayments sends notifications as form bodies (spec §5.1; the only Format is "
             "CloudPayments) and handle_event json.loads them as {Type, Data}")


class Receiver:
    """Keeps (kind, body, headers as sent) for each POST /{kind}."""

    def __init__(self):
        self.seen = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver.lock:
                    receiver.seen.append((self.path.strip("/"), body, dict(self.headers.items())))
                answer = b'{"code":0}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def wait_for(self, kind, key, value):
        deadline = time.monotonic() + WAIT
        while True:
            with self.lock:
                for k, body, headers in self.seen:
                    fields = dict(urllib.parse.parse_qsl(body.decode("utf-8")))
                    if k == kind and fields.get(key) == str(value):
                        return body, headers
                kinds = [k for k, _, _ in self.seen]
            if time.monotonic() > deadline:
                raise AssertionError(f"no {kind} with {key}={value} within {WAIT:g} s: {kinds}")
            time.sleep(0.1)

    def stop(self):
        self.server.shutdown()


def _adapters(secret, body, headers):
    """What each framework adapter answers to one real notification and to a forged one."""
    import django
    from django.conf import settings
    from fastapi import FastAPI
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Starlette's notice about its test client's httpx
        from fastapi.testclient import TestClient
    from flask import Flask

    forged = dict(headers, **{"Content-Hmac": "Zm9yZ2Vk"})
    flask_app = Flask("compat")
    flask_app.log_exception = lambda exc_info: None  # the 500 below is expected
    flask_app.register_blueprint(sdk_webhooks.get_flask_blueprint(secret))
    flask = flask_app.test_client()
    fastapi_app = FastAPI()
    fastapi_app.include_router(sdk_webhooks.get_fastapi_router(secret))
    fastapi = TestClient(fastapi_app, raise_server_exceptions=False)
    if not settings.configured:
        settings.configure(SECRET_KEY="compat", ALLOWED_HOSTS=["testserver"])
        django.setup()
    from django.test import RequestFactory
    view = sdk_webhooks.get_django_view(secret)

    def django_post(h):
        request = RequestFactory().post("/cloudpayments/webhook", data=body, headers=h,
                                        content_type=h["Content-Type"])
        try:
            return view(request).status_code
        except ValueError as e:
            return f"ValueError: {str(e)[:40]}"

    path = "/cloudpayments/webhook"
    return {
        "flask": (flask.post(path, data=body, headers=headers).status_code,
                  flask.post(path, data=body, headers=forged).status_code),
        "fastapi": (fastapi.post(path, content=body, headers=headers).status_code,
                    fastapi.post(path, content=body, headers=forged).status_code),
        "django": (django_post(headers), django_post(forged)),
    }


def webhook_checks(checks, cov, receiver, secret, state):
    cov.track_module(sdk_webhooks, list(sdk_webhooks.__all__), "webhooks")
    replay = cov.track(security.ReplayProtector(), "ReplayProtector")
    got = {}

    def arrived():
        for kind, key, value in [("check", "TransactionId", state["paid"].id),
                                 ("pay", "TransactionId", state["paid"].id),
                                 ("fail", "TransactionId", state["declined"]),
                                 ("confirm", "TransactionId", state["confirmed"]),
                                 ("refund", "TransactionId", state["refund"]),
                                 ("cancel", "TransactionId", state["voided"]),
                                 ("recurrent", "Id", state["subscription"])]:
            got[kind] = receiver.wait_for(kind, key, value)

    def signatures():
        for kind, (body, headers) in got.items():
            assert sdk_webhooks.verify_signature(headers, body, secret=secret), (kind, headers)
            assert not sdk_webhooks.verify_signature(headers, body + b"&x=1", secret=secret), kind
            assert security.sign_message(secret, body) == headers["Content-Hmac"], kind

    def replays():
        for kind, (_, headers) in got.items():
            nonce, at = headers["X-Webhook-Id"], float(headers["X-Webhook-Timestamp"])
            assert not replay.is_replay(nonce, at) and replay.is_replay(nonce, at), kind

    def parsers():
        body, headers = got["pay"]
        try:
            sdk_webhooks.handle_event(body, headers)
        except ValueError as e:
            assert str(e).startswith("Invalid JSON payload"), str(e)
        else:
            raise AssertionError("handle_event parsed a form body: update this check")
        cov.unservable("webhooks.handle_event", FORM_ONLY)
        answers = _adapters(secret, body, headers)
        assert answers["flask"] == (500, 401), answers
        assert answers["django"][0].startswith("ValueError") and answers["django"][1] == 403, answers
        assert answers["fastapi"] == (422, 422), answers
        for name in ("get_flask_blueprint", "get_django_view"):
            cov.unservable(f"webhooks.{name}", "accepts Oblako's signature, then fails in "
                           f"handle_event: {FORM_ONLY}")
        cov.unservable("webhooks.get_fastapi_router", "its handler's `request: Request` is a "
                       "string annotation (`from __future__ import annotations`, Request imported "
                       "inside the factory), so FastAPI wants a query parameter `request` and "
                       "answers 422 to every POST, whoever sends it")

    checks.check("Check, Pay, Fail, Confirm, Refund, Cancel and Recurrent arrived", arrived)
    checks.check("webhooks.verify_signature and security.sign_message agree with every "
                 "Content-Hmac, and refuse a changed body", signatures)
    checks.check("security.ReplayProtector on X-Webhook-Id and X-Webhook-Timestamp", replays)
    checks.check("handle_event and the Flask, FastAPI and Django adapters on a real Pay", parsers)
