"""Every reply shape Oblako gives (../shared/shapes.py) fed to the PyPI `cloudpayments` client's
own methods through a replay server (../shared/replay.py): each endpoint's replies to the method
for it, every HTTP error to every method.

Usage: scan.py SHAPES.json
Prints one line per endpoint and a closing `N passed, N failed` line; exits non-zero on failure.
"""
import datetime
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "shared"))

from cloudpayments import CloudPayments, CloudPaymentsError  # noqa: E402

from harness import Checks  # noqa: E402
from replay import scan  # noqa: E402

checks = Checks("compat-python-scan")
start = datetime.datetime(2030, 1, 1, tzinfo=datetime.timezone.utc)


def client(url):
    c = CloudPayments("pk_scan", "secret")
    c.URL = url + "/"
    return c


def m(label, fn):
    return label, lambda url: fn(client(url))


METHODS = {
    "test": [m("test", lambda c: c.test())],
    "payments/get": [m("get_transaction", lambda c: c.get_transaction(1))],
    "payments/find": [m("find_payment", lambda c: c.find_payment("1"))],
    "payments/list": [m("list_payments", lambda c: list(c.list_payments(start.date())))],
    "payments/cards/charge": [m("charge_card", lambda c: c.charge_card("p", 1, "RUB", "N", "::1"))],
    "payments/cards/auth": [m("charge_card(require_confirmation)", lambda c: c.charge_card(
        "p", 1, "RUB", "N", "::1", require_confirmation=True))],
    "payments/cards/post3ds": [m("finish_3d_secure_authentication",
                                 lambda c: c.finish_3d_secure_authentication(1, "x"))],
    "payments/tokens/charge": [m("charge_token", lambda c: c.charge_token("t", "a", 1, "RUB"))],
    "payments/tokens/auth": [m("charge_token(require_confirmation)", lambda c: c.charge_token(
        "t", "a", 1, "RUB", require_confirmation=True))],
    "payments/confirm": [m("confirm_payment", lambda c: c.confirm_payment(1, 1))],
    "payments/void": [m("void_payment", lambda c: c.void_payment(1))],
    "payments/refund": [m("refund", lambda c: c.refund(1, 1))],
    "subscriptions/create": [m("create_subscription", lambda c: c.create_subscription(
        "t", "a", 1, "RUB", "d", "e@example.com", start, "Month", 1))],
    "subscriptions/get": [m("get_subscription", lambda c: c.get_subscription("sc_1"))],
    "subscriptions/find": [m("list_subscriptions", lambda c: list(c.list_subscriptions("a")))],
    "subscriptions/update": [m("update_subscription", lambda c: c.update_subscription(
        "sc_1", amount=1))],
    "subscriptions/cancel": [m("cancel_subscription", lambda c: c.cancel_subscription("sc_1"))],
    "orders/create": [m("create_order", lambda c: c.create_order(1, "RUB", "d"))],
}

KNOWN = {"finish_3d_secure_authentication": (
    "KeyError", "it raises PaymentError(response) on every Success:false, and PaymentError reads "
    "response['Model']['Reason'] (client.py, errors.py of 1.6.3)")}
scan(checks, "cloudpayments", METHODS, sys.argv[1], (CloudPaymentsError,), KNOWN)
checks.finish()
