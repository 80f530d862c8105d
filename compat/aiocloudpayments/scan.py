"""Every reply shape Oblako gives (../shared/shapes.py) fed to aiocloudpayments' own methods
through a replay server (../shared/replay.py): each endpoint's replies to the methods for it,
every HTTP error to every method.

Usage: scan.py SHAPES.json
Prints one line per endpoint and a closing `N passed, N failed` line; exits non-zero on failure.
"""
import datetime
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "shared"))

from aiocloudpayments import AioCpClient  # noqa: E402
from aiocloudpayments.exceptions import AioCloudPaymentsError  # noqa: E402

from harness import Checks  # noqa: E402
from replay import scan  # noqa: E402

checks = Checks("compat-aiocloudpayments-scan")
start = datetime.datetime(2030, 1, 1, tzinfo=datetime.timezone.utc)


def m(label, fn):
    async def call(url):
        client = AioCpClient("pk_scan", "secret", base_url=url + "/")
        try:
            return await fn(client)
        finally:
            await client.disconnect()
    return label, call


METHODS = {
    "test": [m("test", lambda c: c.test())],
    "payments/get": [m("get_payment", lambda c: c.get_payment(1))],
    "payments/find": [m("find_payment(use_new_method=False)",
                        lambda c: c.find_payment(1, use_new_method=False))],
    "v2/payments/find": [m("find_payment", lambda c: c.find_payment(1))],
    "payments/list": [m("list_payments", lambda c: c.list_payments(start.date(), "UTC"))],
    # The client posts list_tokens to payments/cards/topup (see scenario.py); fed the tokens
    # reply anyway, to see that it would read it.
    "payments/tokens/list": [m("list_tokens", lambda c: c.list_tokens())],
    "payments/cards/charge": [m("charge_card", lambda c: c.charge_card(1, "::1", "p"))],
    "payments/cards/auth": [m("auth_card", lambda c: c.auth_card(1, "::1", "p"))],
    "payments/cards/post3ds": [m("post3ds", lambda c: c.post3ds(1, "x"))],
    "payments/tokens/charge": [m("charge_token", lambda c: c.charge_token(1, "a", "t"))],
    "payments/tokens/auth": [m("auth_token", lambda c: c.auth_token(1, "a", "t"))],
    "payments/confirm": [m("confirm_payment", lambda c: c.confirm_payment(1, 1))],
    "payments/void": [m("void_payment", lambda c: c.void_payment(1))],
    "payments/refund": [m("refund_payment", lambda c: c.refund_payment(1, 1))],
    "subscriptions/create": [m("create_subscription", lambda c: c.create_subscription(
        "t", "a", "d", "e@example.com", 1, "RUB", False, start, "Month", 1))],
    "subscriptions/get": [m("get_subscription", lambda c: c.get_subscription("sc_1"))],
    "subscriptions/find": [m("find_subscriptions", lambda c: c.find_subscriptions("a"))],
    "subscriptions/update": [m("update_subscription", lambda c: c.update_subscription(
        "sc_1", amount=1))],
    "subscriptions/cancel": [m("cancel_subscription", lambda c: c.cancel_subscription("sc_1"))],
    "orders/create": [m("create_order", lambda c: c.create_order(1, "d"))],
    "orders/cancel": [m("cancel_order", lambda c: c.cancel_order("o"))],
    "site/notifications/Pay/get": [m("get_notification", lambda c: c.get_notification("Pay"))],
    "site/notifications/Pay/update": [m("update_notification", lambda c: c.update_notification(
        "Pay", is_enabled=False))],
    "site/notifications/Check/update": [m("update_notification(Check)", lambda c: (
        c.update_notification("Check", is_enabled=False)))],
    "site/notifications/Nothing/get": [m("get_notification(Nothing)",
                                         lambda c: c.get_notification("Nothing"))],
}

scan(checks, "aiocloudpayments", METHODS, sys.argv[1], (AioCloudPaymentsError,))
checks.finish()
