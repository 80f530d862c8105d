"""cloudpayments-sdk (PyPI, pinned in requirements.txt with its [webhooks] extra), unmodified,
through every method of its sync `CloudPayments` and async `AsyncCloudPayments` clients and their
resources against a running Oblako, then its webhook helpers (webhooks.py) on the notifications the
server sent during the sync run.

Usage: scenario.py BASE_URL PUBLIC_ID API_SECRET OBLAKO_BINARY SITE_ID STATUSES.json
STATUSES.json comes from ../shared/statuses.py: one payment per status, each read back here with
`get_transaction` and `find`. The last check fails if a public method of a client, a resource or
the webhook helpers was never called; a method Oblako cannot serve is still called, and a
`not served by Oblako:` line says why. Prints `ok`/`FAIL` per check and a closing line.
"""
import asyncio
import datetime
import inspect
import json
import logging
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "shared"))

from cloudpayments_sdk import AsyncCloudPayments, CloudPayments  # noqa: E402
from cloudpayments_sdk.exceptions import ApiError, ApiResponseError  # noqa: E402
from cloudpayments_sdk import security  # noqa: E402

from harness import Checks, Coverage, api, make_cryptogram, oblako_cli, pass_acs  # noqa: E402
from webhooks import Receiver, webhook_checks  # noqa: E402

base_url, public_id, api_secret, binary, site_id, statuses_file = sys.argv[1:7]
checks, cov = Checks("compat-cloudpayments-sdk"), Coverage()
logging.getLogger("cloudpayments_sdk").setLevel(logging.WARNING)  # a line per request otherwise
RESOURCES = ["payments", "payouts", "subscriptions", "orders", "notifications", "claims"]
KINDS = ["Pay", "Fail", "Confirm", "Refund", "Recurrent"]


async def r(value):
    """The value of a sync call, or of an async one once awaited: one flow for both clients."""
    return await value if inspect.isawaitable(value) else value


def cryptogram(card):
    return make_cryptogram(binary, base_url, public_id, card)


async def refused(call):
    try:
        await r(call())
    except ApiResponseError as e:
        return e
    raise AssertionError("no ApiResponseError")


def track(cp, label):
    cov.track(cp, label)
    for name in RESOURCES:
        cov.track(getattr(cp, name), f"{label}.{name}")
    return cp


async def flow(cp, label, state, receiver=None):
    p = cp.payments
    today = datetime.datetime.now(datetime.timezone.utc).date().isoformat()
    invoice = f"sdk-{label}-{datetime.datetime.now().timestamp():.0f}"

    async def ping():
        assert await r(cp.test()) is True

    async def notifications_on():
        for kind in KINDS:
            await r(cp.notifications.update(notification_type=kind, enabled=True,
                                            address=f"{receiver.url}/{kind.lower()}",
                                            http_method="POST", format="CloudPayments"))
        # The SDK's notification types leave Cancel out (methods/notifications.py); Check is not
        # settable through the API on CloudPayments either.
        assert api(base_url, public_id, api_secret, "site/notifications/Cancel/update",
                   {"IsEnabled": True, "Address": f"{receiver.url}/cancel", "HttpMethod": "POST"}
                   )[1]["Success"]
        oblako_cli(binary, "site", "notification-set", "--site", site_id, "--kind", "Check",
                   "--url", f"{receiver.url}/check", "--method", "POST")
        got = await r(cp.notifications.get(notification_type="Pay"))
        assert got.is_enabled and got.address == f"{receiver.url}/pay", got
        await asyncio.sleep(1.1)  # the server caches notification settings for 1 s

    async def charge():
        key = security.generate_idempotency_key()
        args = dict(amount=10.5, card_cryptogram_packet=cryptogram("4000000000003055"),
                    ip_address="127.0.0.1", currency="RUB", account_id="sdk-user",
                    invoice_id=invoice, email="payer@example.com", name="CARD HOLDER",
                    headers={"X-Request-ID": key})
        tx = await r(p.charge_card(**args))
        assert (tx.status, tx.amount, tx.invoice_id) == ("Completed", 10.5, invoice), tx
        assert tx.token, tx
        again = await r(p.charge_card(**args))
        assert again.id == tx.id, "the same X-Request-ID answers the first payment again"
        state["paid"], state["token"] = tx, tx.token

    async def decline():
        e = await refused(lambda: p.charge_card(amount=5, card_cryptogram_packet=cryptogram(
            "4000056655665556"), ip_address="127.0.0.1"))
        model = e.response["Model"]
        assert (model["Status"], model["ReasonCode"]) == ("Declined", 5051), model
        assert str(e) == "Недостаточно средств на карте", str(e)
        state["declined"] = model["TransactionId"]

    async def three_ds():
        e = await refused(lambda: p.charge_card(amount=12, card_cryptogram_packet=cryptogram(
            "4242424242424242"), ip_address="127.0.0.1", two_step=True))
        challenge = e.response["Model"]
        assert challenge["AcsUrl"] and challenge["PaReq"], challenge
        pa_res = pass_acs(base_url, challenge["AcsUrl"], challenge["TransactionId"],
                          challenge["PaReq"])
        # The SDK has no post3ds method: the merchant's PaRes goes in a plain request.
        status, body = api(base_url, public_id, api_secret, "payments/cards/post3ds",
                           {"TransactionId": challenge["TransactionId"], "PaRes": pa_res})
        assert body["Model"]["Status"] == "Authorized", body
        tx = await r(p.get_transaction(transaction_id=challenge["TransactionId"]))
        assert tx.status == "Authorized", tx
        await r(p.confirm(transaction_id=tx.id, amount=12))
        assert (await r(p.get_transaction(transaction_id=tx.id))).status == "Completed"
        state["confirmed"] = tx.id

    async def void_then_get():
        tx = await r(p.charge_card(amount=20, card_cryptogram_packet=cryptogram("5205000000003055"),
                                   ip_address="127.0.0.1", two_step=True))
        assert tx.status == "Authorized", tx
        await r(p.cancel(transaction_id=tx.id))
        got = await r(p.get_transaction(transaction_id=tx.id))
        assert (got.status, got.model_extra["ReasonCode"]) == ("Cancelled", 0), got
        state["voided"] = tx.id

    async def refund():
        made = await r(p.refund(transaction_id=state["paid"].id, amount=4))
        assert made.id > state["paid"].id, made
        found = await r(p.find(invoice_id=invoice))
        assert (found.id, found.model_extra["OriginalTransactionId"]) == (made.id, state["paid"].id)
        state["refund"] = made.id

    async def tokens():
        tx = await r(p.charge_token(amount=2, token=state["token"], ip_address="127.0.0.1",
                                    account_id="sdk-user"))
        assert tx.status == "Completed" and tx.token == state["token"], tx
        held = await r(p.charge_token(amount=3, token=state["token"], ip_address="127.0.0.1",
                                      account_id="sdk-user", two_step=True))
        assert held.status == "Authorized", held
        listed = await r(p.list_tokens(account_id="sdk-user"))
        assert state["token"] in [t.token for t in listed.tokens], listed
        e = await refused(lambda: p.find(account_id="sdk-user"))
        assert str(e) == "InvoiceId is required", str(e)
        print("note: cloudpayments-sdk find(account_id=...) sends no InvoiceId; v2/payments/find "
              "searches by InvoiceId only (spec §3.12), so Oblako answers 'InvoiceId is required'")

    async def lists():
        made = json.load(open(statuses_file, encoding="utf-8"))
        start, end = f"{today}T00:00:00", f"{today}T23:59:59"
        for what, call in [
            ("list_transactions(date)", lambda: p.list_transactions(date=today)),
            ("list_transactions_for_day", lambda: p.list_transactions_for_day(date=today,
                                                                              time_zone="UTC")),
            ("list_transactions_compat", lambda: p.list_transactions_compat(date=today)),
            ("list_transactions_for_range", lambda: p.list_transactions_for_range(
                created_date_gte=start, created_date_lte=end, page_number=1)),
        ]:
            listed = {t.id: t for t in (await r(call())).payments}
            for name, made_one in made.items():
                assert listed[made_one["id"]].status == made_one["status"], (what, name)
        cancelled = await r(p.list_transactions(created_date_gte=start, created_date_lte=end,
                                                page_number=1, statuses=["Cancelled"]))
        assert {t.status for t in cancelled.payments} == {"Cancelled"}, cancelled

    async def subscriptions():
        s = cp.subscriptions
        start = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=3))
        sub = await r(s.create(token=state["token"], account_id="sdk-user", description="Plan",
                               amount=399, currency="RUB", email="payer@example.com",
                               start_date=start.strftime("%Y-%m-%dT%H:%M:%S"), interval="Month",
                               period=1, max_periods=12))
        assert sub.id.startswith("sc_") and sub.status == "Active", sub
        assert (await r(s.get(subscription_id=sub.id))).account_id == "sdk-user"
        assert sub.id in [x.id for x in (await r(s.find(account_id="sdk-user"))).subscriptions]
        assert sub.id in [x.id for x in (await r(s.list(account_id="sdk-user"))).subscriptions]
        updated = await r(s.update(subscription_id=sub.id, amount=499, interval="Week", period=2))
        assert (updated.amount, updated.interval, updated.period) == (499, "Week", 2), updated
        await r(s.cancel(subscription_id=sub.id))
        assert (await r(s.get(subscription_id=sub.id))).status == "Cancelled"
        state["subscription"] = sub.id

    async def orders():
        order = await r(cp.orders.create(amount=10.5, currency="RUB", description="Заказ",
                                         invoice_id=f"{invoice}-order", email="a@example.com"))
        assert (order.status, order.description, order.amount) == ("Created", "Заказ", 10.5), order
        await r(cp.orders.cancel(order_id=order.id))
        status, body = api(base_url, public_id, api_secret, "orders/cancel", {"Id": order.id})
        assert "cannot be cancelled" in body["Message"], body  # it was, through the SDK

    async def unservable():
        calls = {
            "payouts.cryptogram": (lambda: cp.payouts.cryptogram(
                amount=1, currency="RUB", card_cryptogram_packet=cryptogram("4000000000003055")),
                "card payouts (payments/cards/topup, spec §3.8) are not implemented"),
            "payouts.token": (lambda: cp.payouts.token(amount=1, currency="RUB",
                                                       token=state["token"]),
                              "token payouts (payments/token/topup, spec §3.9) are not implemented"),
            "payouts.sbp": (lambda: cp.payouts.sbp(amount=1, currency="RUB",
                                                   sbp_beneficiary_id="100000000111"),
                            "SBP payouts (payments/alt/topup, spec §3.10) are not implemented"),
            "claims.list": (lambda: cp.claims.list(date_from=today, date_to=today),
                            "GET /claims is no CloudPayments endpoint (chargebacks are "
                            "POST chargebacks/list, spec §3.15, not implemented either)"),
        }
        for name, (call, why) in calls.items():
            try:
                await r(call())
            except ApiError as e:
                assert '"Message":"Not found"' in str(e), str(e)
                cov.unservable(f"{label}.{name}", f"{why}; Oblako answers 404 Not found")
                continue
            raise AssertionError(f"{name} did not raise ApiError")

    async def settings():
        await r(cp.notifications.update(notification_type="Fail", enabled=False,
                                        address="https://shop.example/fail", http_method="GET"))
        got = await r(cp.notifications.get(notification_type="Fail"))
        assert (got.is_enabled, got.address, got.http_method) == (
            False, "https://shop.example/fail", "GET"), got

    steps = [("test()", ping)]
    if receiver:
        steps.append(("notifications.update for five kinds, get (Cancel by API, Check by CLI)",
                      notifications_on))
    else:
        steps.append(("notifications.update and get", settings))
    steps += [
        ("charge_card completes, and again with the same X-Request-ID", charge),
        ("a declining card raises ApiResponseError with the Declined 5051 model", decline),
        ("3-D Secure: ApiResponseError with AcsUrl, ACS page, post3ds, confirm", three_ds),
        ("two-step charge_card, cancel, get_transaction reads Cancelled without an exception",
         void_then_get),
        ("refund; find(invoice_id) finds the refund (v2)", refund),
        ("charge_token one- and two-step, list_tokens; find(account_id) refused", tokens),
        ("list_transactions (day, range, statuses), _for_day, _for_range, _compat", lists),
        ("subscriptions create/get/find/list/update/cancel", subscriptions),
        ("orders create, cancel", orders),
        ("payouts and claims: Oblako's 404 as ApiError", unservable),
    ]
    for name, fn in steps:
        await checks.acheck(f"{label}: {name}", fn)


async def read_back(cp, label):
    """Every status through get_transaction and find (docs/protocol.md)."""
    made = json.load(open(statuses_file, encoding="utf-8"))
    for name, paid in made.items():
        async def one(paid=paid):
            for call in (lambda: cp.payments.get_transaction(transaction_id=paid["id"]),
                         lambda: cp.payments.find(invoice_id=paid["invoice"])):
                if paid["success"]:
                    tx = await r(call())
                    model = {"TransactionId": tx.id, "Status": tx.status, **tx.model_extra}
                else:
                    model = (await refused(call)).response["Model"]
                assert paid["id"] in (model["TransactionId"], model["OriginalTransactionId"])
                assert (model["Status"], model["ReasonCode"]) == (paid["status"], paid["reason"])
        await checks.acheck(f"{label}: {name}: {paid['status']} {paid['reason']} read back "
                            f"({'returned' if paid['success'] else 'ApiResponseError'})", one)


async def main():
    state = {}
    cov.track_module(security, ["sign_message", "generate_idempotency_key"], "security")
    receiver = Receiver()
    sync = track(CloudPayments(public_id, api_secret, base_url=base_url), "CloudPayments")
    try:
        await flow(sync, "CloudPayments", state, receiver)
    finally:
        for kind in KINDS + ["Cancel"]:
            api(base_url, public_id, api_secret, f"site/notifications/{kind}/update",
                {"IsEnabled": False})
        oblako_cli(binary, "site", "notification-set", "--site", site_id, "--kind", "Check",
                   "--disable")
    await read_back(sync, "CloudPayments")
    sync.close()
    async_cp = track(AsyncCloudPayments(public_id, api_secret, base_url=base_url),
                     "AsyncCloudPayments")
    await flow(async_cp, "AsyncCloudPayments", {})
    await read_back(async_cp, "AsyncCloudPayments")
    await async_cp.aclose()
    webhook_checks(checks, cov, receiver, api_secret, state)
    receiver.stop()

    def complete():
        missing = cov.missing()
        assert not missing, f"never called: {missing}"
    checks.check("every public method of both clients, their resources and the webhook and "
                 "security helpers was called", complete)


asyncio.run(main())
checks.finish()
