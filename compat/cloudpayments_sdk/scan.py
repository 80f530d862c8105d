"""Every reply shape Oblako gives (../shared/shapes.py) fed to cloudpayments-sdk's own methods,
sync and async, through a replay server (../shared/replay.py): each endpoint's replies to the
methods for it, every HTTP error to every method.

Usage: scan.py SHAPES.json
Prints one line per endpoint and a closing `N passed, N failed` line; exits non-zero on failure.
"""
import logging
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "shared"))

from cloudpayments_sdk import AsyncCloudPayments, CloudPayments  # noqa: E402
from cloudpayments_sdk.exceptions import CloudPaymentsError  # noqa: E402

from harness import Checks  # noqa: E402
from replay import scan  # noqa: E402

checks = Checks("compat-cloudpayments-sdk-scan")
logging.getLogger("cloudpayments_sdk").setLevel(logging.WARNING)
DAY = "2030-01-01"


clients = {}


def client(kind, url):
    """One client of each kind for the whole scan (retries off: a 429 is a reply too)."""
    if kind not in clients:
        clients[kind] = kind("pk_scan", "secret", base_url=url, retries=0)
    return clients[kind]


def m(label, fn):
    """The same call on the sync and on the async client."""
    async def async_(url):
        return await fn(client(AsyncCloudPayments, url))
    return [(label, lambda url: fn(client(CloudPayments, url))), (f"async {label}", async_)]


METHODS = {
    "test": m("test", lambda cp: cp.test()),
    "payments/get": m("payments.get_transaction",
                      lambda cp: cp.payments.get_transaction(transaction_id=1)),
    "v2/payments/find": m("payments.find", lambda cp: cp.payments.find(invoice_id="1")),
    "payments/list": m("payments.list_transactions_for_day",
                       lambda cp: cp.payments.list_transactions_for_day(date=DAY))
    + m("payments.list_transactions_compat",
        lambda cp: cp.payments.list_transactions_compat(date=DAY)),
    "v2/payments/list": m("payments.list_transactions_for_range",
                          lambda cp: cp.payments.list_transactions_for_range(
                              created_date_gte=DAY, created_date_lte=DAY))
    + m("payments.list_transactions", lambda cp: cp.payments.list_transactions(
        created_date_gte=DAY, created_date_lte=DAY, statuses=["Cancelled"])),
    "payments/tokens/list": m("payments.list_tokens",
                              lambda cp: cp.payments.list_tokens(account_id="a")),
    "payments/cards/charge": m("payments.charge_card", lambda cp: cp.payments.charge_card(
        amount=1, card_cryptogram_packet="p", ip_address="::1")),
    "payments/cards/auth": m("payments.charge_card(two_step)", lambda cp: cp.payments.charge_card(
        amount=1, card_cryptogram_packet="p", ip_address="::1", two_step=True)),
    "payments/tokens/charge": m("payments.charge_token", lambda cp: cp.payments.charge_token(
        amount=1, token="t", ip_address="::1")),
    "payments/tokens/auth": m("payments.charge_token(two_step)",
                              lambda cp: cp.payments.charge_token(
                                  amount=1, token="t", ip_address="::1", two_step=True)),
    "payments/confirm": m("payments.confirm",
                          lambda cp: cp.payments.confirm(transaction_id=1, amount=1)),
    "payments/void": m("payments.cancel", lambda cp: cp.payments.cancel(transaction_id=1)),
    "payments/refund": m("payments.refund",
                         lambda cp: cp.payments.refund(transaction_id=1, amount=1)),
    "subscriptions/create": m("subscriptions.create", lambda cp: cp.subscriptions.create(
        token="t", account_id="a", description="d", amount=1, currency="RUB")),
    "subscriptions/get": m("subscriptions.get",
                           lambda cp: cp.subscriptions.get(subscription_id="sc_1")),
    "subscriptions/find": m("subscriptions.find", lambda cp: cp.subscriptions.find(account_id="a"))
    + m("subscriptions.list", lambda cp: cp.subscriptions.list(account_id="a")),
    "subscriptions/update": m("subscriptions.update", lambda cp: cp.subscriptions.update(
        subscription_id="sc_1", amount=1)),
    "subscriptions/cancel": m("subscriptions.cancel",
                              lambda cp: cp.subscriptions.cancel(subscription_id="sc_1")),
    "orders/create": m("orders.create", lambda cp: cp.orders.create(
        amount=1, currency="RUB", description="d")),
    "orders/cancel": m("orders.cancel", lambda cp: cp.orders.cancel(order_id="o")),
    "site/notifications/Pay/get": m("notifications.get", lambda cp: cp.notifications.get(
        notification_type="Pay")),
    "site/notifications/Pay/update": m("notifications.update", lambda cp: cp.notifications.update(
        notification_type="Pay", enabled=False)),
    "site/notifications/Check/update": m("notifications.update(Check)",
                                         lambda cp: cp.notifications.update(
                                             notification_type="Check", enabled=False)),
}

scan(checks, "cloudpayments-sdk", METHODS, sys.argv[1], (CloudPaymentsError,))
checks.finish()
