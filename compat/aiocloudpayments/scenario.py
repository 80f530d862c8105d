"""aiocloudpayments (PyPI, pinned in requirements.txt), unmodified, through every method of its
`AioCpClient` against a running Oblako, with its own notification endpoint (`AiohttpDispatcher`,
receiver.py) receiving what the server sends.

Usage: scenario.py BASE_URL PUBLIC_ID API_SECRET OBLAKO_BINARY SITE_ID STATUSES.json
STATUSES.json comes from ../shared/statuses.py: one payment per status, each read back here with
`get_payment` and `find_payment` (v1 and v2). The last check fails if a public method of the client
(or of the dispatcher) was never called; a method Oblako cannot serve is still called, and a
`not served by Oblako:` line says why. Prints `ok`/`FAIL` per check and a closing line.
"""
import asyncio
import datetime
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "shared"))

from aiocloudpayments import AioCpClient  # noqa: E402
from aiocloudpayments.dispatcher import AiohttpDispatcher  # noqa: E402
from aiocloudpayments.exceptions import CpAPIError, CpPaymentError  # noqa: E402
from aiocloudpayments.types import Secure3D, Transaction  # noqa: E402

from harness import Checks, Coverage, api, make_cryptogram, oblako_cli, pass_acs  # noqa: E402

base_url, public_id, api_secret, binary, site_id, statuses_file = sys.argv[1:7]
checks, cov = Checks("compat-aiocloudpayments"), Coverage()
KINDS = ["Pay", "Fail", "Confirm", "Refund", "Recurrent", "Cancel"]
WAIT = 10.0
state = {}


def cryptogram(card):
    return make_cryptogram(binary, base_url, public_id, card)


def start_receiver():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out = tempfile.NamedTemporaryFile(suffix=".jsonl", delete=False).name
    here = os.path.dirname(os.path.abspath(__file__))
    child = subprocess.Popen([sys.executable, os.path.join(here, "receiver.py"), public_id,
                              api_secret, str(port), out])
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    return child, f"http://127.0.0.1:{port}/cp", out


def received(out):
    with open(out, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


async def wait_for(out, kind, **match):
    deadline = time.monotonic() + WAIT
    while True:
        for record in received(out):
            fields = record.get("fields", {})
            if record.get("kind") == kind and all(fields.get(k) == v for k, v in match.items()):
                return fields
        if time.monotonic() > deadline:
            kinds = [(r.get("kind"), r.get("fields", {}).get("transaction_id")) for r in received(out)]
            raise AssertionError(f"no {kind} {match} within {WAIT:g} s; received {kinds}")
        await asyncio.sleep(0.1)


async def expect_payment_error(call, status, reason):
    try:
        await call
    except CpPaymentError as e:
        assert (e.model.status, e.model.reason_code) == (status, reason), e.model
        return e.model
    raise AssertionError(f"no CpPaymentError for a {status} {reason}")


async def scenario(c, receiver_url, out):
    paid_invoice = str(int(time.time() * 1000))

    async def ping():
        assert await c.test() is None

    async def notifications_on():
        for kind in KINDS:
            await c.update_notification(kind, is_enabled=True, address=f"{receiver_url}/{kind.lower()}",
                                        http_method="POST", encoding="UTF8", format="CloudPayments")
        oblako_cli(binary, "site", "notification-set", "--site", site_id, "--kind", "Check",
                   "--url", f"{receiver_url}/check", "--method", "POST")
        got = await c.get_notification("Pay")
        assert got.is_enabled and got.address == f"{receiver_url}/pay", got
        await asyncio.sleep(1.1)  # the server caches notification settings for 1 s

    async def charge():
        tx = await c.charge_card(10, "127.0.0.1", cryptogram("4000000000003055"), currency="RUB",
                                 name="CARD HOLDER", invoice_id=paid_invoice, account_id="aio-user",
                                 email="payer@example.com")
        assert isinstance(tx, Transaction) and tx.status == "Completed" and tx.token, tx
        state["paid"], state["token"] = tx, tx.token

    async def kopecks():
        # Not Oblako's: the client types amounts as Union[int, float], which pydantic 1 reads as
        # int first, so 10.5 goes out as 10. The scenario pays whole roubles.
        tx = await c.charge_card(10.5, "127.0.0.1", cryptogram("4000000000003055"))
        assert tx.amount == 10, tx.amount
        print("note: aiocloudpayments sends Amount 10.5 as 10 (NUMERIC = Union[int, float] in "
              "pydantic 1): a client limitation, whole roubles only")

    async def decline():
        model = await expect_payment_error(
            c.charge_card(5, "127.0.0.1", cryptogram("4000056655665556"), account_id="aio-user"),
            "Declined", 5051)
        state["declined"] = model.transaction_id

    async def three_ds_then_confirm():
        challenge = await c.auth_card(12, "127.0.0.1", cryptogram("4242424242424242"))
        assert isinstance(challenge, Secure3D) and challenge.acs_url, challenge
        pa_res = pass_acs(base_url, challenge.acs_url, challenge.transaction_id, challenge.pa_req)
        tx = await c.post3ds(challenge.transaction_id, pa_res)
        assert tx.status == "Authorized", tx
        assert await c.confirm_payment(tx.transaction_id, 12) is None
        assert (await c.get_payment(tx.transaction_id)).status == "Completed"
        state["confirmed"] = tx.transaction_id

    async def void_then_get():
        tx = await c.auth_card(20, "127.0.0.1", cryptogram("5205000000003055"))
        assert await c.void_payment(tx.transaction_id) is None
        got = await c.get_payment(tx.transaction_id)
        assert (got.status, got.reason_code) == ("Cancelled", 0), got
        state["voided"] = tx.transaction_id

    async def refund():
        made = await c.refund_payment(state["paid"].transaction_id, 4)
        assert made.transaction_id > state["paid"].transaction_id, made
        assert (await c.get_payment(state["paid"].transaction_id)).refunded is True
        state["refund"] = made.transaction_id

    async def tokens():
        tx = await c.charge_token(2, "aio-user", state["token"], currency="RUB")
        assert tx.status == "Completed" and tx.token == state["token"], tx
        held = await c.auth_token(3, "aio-user", state["token"])
        assert held.status == "Authorized", held
        try:
            await c.list_tokens()
        except CpAPIError as e:
            assert e.message == "Not found", e.message
            cov.unservable("AioCpClient.list_tokens", "the client posts it to payments/cards/topup "
                           "(endpoints/payments/tokens/list.py), the card payout endpoint, not "
                           "payments/tokens/list; Oblako has no payouts and answers 404 Not found")
            return
        raise AssertionError("list_tokens reached payments/tokens/list: update this check")

    async def find_paid():
        for v2 in (False, True):
            found = await c.find_payment(int(paid_invoice), use_new_method=v2)
            # v2 finds the newest operation with the InvoiceId: the refund made above.
            assert found.transaction_id == (state["refund"] if v2 else state["paid"].transaction_id)

    async def subscriptions():
        start = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=3)
        sub = await c.create_subscription(state["token"], "aio-user", "Monthly plan",
                                          "payer@example.com", 399, "RUB", False, start, "Month", 1,
                                          max_periods=12)
        assert sub.id.startswith("sc_") and sub.status == "Active", sub
        assert (await c.get_subscription(sub.id)).account_id == "aio-user"
        assert sub.id in [s.id for s in await c.find_subscriptions("aio-user")]
        updated = await c.update_subscription(sub.id, amount=499, interval="Week", period=2)
        assert (float(updated.amount), updated.interval) == (499.0, "Week"), updated
        assert await c.cancel_subscription(sub.id) is None
        assert (await c.get_subscription(sub.id)).status == "Cancelled"
        state["subscription"] = sub.id

    async def orders():
        order = await c.create_order(10.5, "Оплата заказа", currency="RUB", email="a@example.com",
                                     invoice_id="aio-order-1", send_email=False)
        assert order.url.endswith(f"/d/{order.id}") and order.status == "Created", order
        assert await c.cancel_order(order.id) is None

    async def lists():
        made = json.load(open(statuses_file, encoding="utf-8"))
        today = datetime.datetime.now(datetime.timezone.utc).date()
        listed = {t.transaction_id: t for t in await c.list_payments(today, "UTC")}
        for name, p in made.items():
            assert listed[p["id"]].status == p["status"], (name, listed[p["id"]])

    async def unservable():
        why = {"topup_card": "card payouts (payments/cards/topup, spec §3.8) are not implemented",
               "topup_token": "token payouts (payments/token/topup, spec §3.9) are not implemented",
               "applepay_startsession": "Apple Pay sessions need Apple's merchant validation"}
        for name, reason in why.items():
            call = {"topup_card": lambda: c.topup_card(cryptogram("4000000000003055"), 1, "RUB"),
                    "topup_token": lambda: c.topup_token(state["token"], 1, "aio-user", "RUB"),
                    "applepay_startsession": lambda: c.applepay_startsession("https://apple.example")}
            try:
                await call[name]()
            except CpAPIError as e:
                assert e.message == "Not found", e.message
                cov.unservable(f"AioCpClient.{name}", f"{reason}; Oblako answers 404 Not found")
                continue
            raise AssertionError(f"{name} did not raise CpAPIError")

    async def notified():
        paid = state["paid"]
        pay = await wait_for(out, "pay", transaction_id=paid.transaction_id)
        want = (10.0, paid.invoice_id, "Completed", paid.token, "payer@example.com", 0.0)
        got = (pay["amount"], pay["invoice_id"], pay["status"], pay["token"], pay["email"],
               pay["total_fee"])
        assert got == want, (got, want)
        check = await wait_for(out, "check", transaction_id=paid.transaction_id)
        assert check["status"] == "Completed", check
        fail = await wait_for(out, "fail", transaction_id=state["declined"])
        assert (fail["reason_code"], fail["reason"]) == (5051, "InsufficientFunds"), fail
        await wait_for(out, "confirm", transaction_id=state["confirmed"])
        refund = await wait_for(out, "refund", transaction_id=state["refund"])
        assert refund["payment_transaction_id"] == paid.transaction_id, refund
        await wait_for(out, "cancel", transaction_id=state["voided"])
        recurrent = await wait_for(out, "recurrent", id=state["subscription"])
        assert recurrent["status"] == "Cancelled", recurrent

    async def samples():
        # Oblako's "Test webhook" (notifications/test): a signed sample of each kind, which the
        # dispatcher must parse like a real one (it answers {"code":0} only then).
        for kind in ["Check", "Pay", "Fail", "Confirm", "Refund", "Cancel"]:
            status, reply = api(base_url, public_id, api_secret, "notifications/test", {"Type": kind})
            assert status == 200 and reply["Model"]["Delivered"] is True, (kind, reply)

    async def forged():
        body = b"TransactionId=1&Amount=1.00"
        request = urllib.request.Request(f"{receiver_url}/pay", data=body, headers={
            "Content-Type": "application/x-www-form-urlencoded", "Content-HMAC": "Zm9yZ2Vk"})
        try:
            urllib.request.urlopen(request, timeout=5)
        except urllib.error.HTTPError as e:
            assert e.code == 401, e.code
            return
        raise AssertionError("the dispatcher accepted a forged Content-HMAC")

    for name, fn in [
        ("test()", ping),
        ("update_notification for six kinds (Check by the CLI), get_notification", notifications_on),
        ("charge_card completes with a token", charge),
        ("a declining card raises CpPaymentError 5051 with the Declined model", decline),
        ("client limitation: an Amount with kopecks is cut to whole roubles", kopecks),
        ("auth_card: Secure3D, ACS page, post3ds Authorized, confirm_payment", three_ds_then_confirm),
        ("auth_card, void_payment, get_payment reads Cancelled without an exception", void_then_get),
        ("refund_payment, then get_payment says refunded", refund),
        ("charge_token, auth_token; list_tokens goes to the payout endpoint", tokens),
        ("find_payment (v1 and v2) of the paid invoice", find_paid),
        ("create/get/find/update/cancel_subscription", subscriptions),
        ("create_order, cancel_order", orders),
        ("list_payments lists every status with its Status", lists),
        ("topup_card, topup_token, applepay_startsession: Oblako's 404 as CpAPIError", unservable),
        ("the dispatcher verified and parsed Check, Pay, Fail, Confirm, Refund, Cancel, Recurrent",
         notified),
        ("notifications/test samples of six kinds parse in the dispatcher", samples),
        ("the dispatcher refuses a forged Content-HMAC with 401", forged),
    ]:
        await checks.acheck(name, fn)


async def read_back(c):
    """Every status through get_payment and both find_payment methods (docs/protocol.md)."""
    made = json.load(open(statuses_file, encoding="utf-8"))
    for name, p in made.items():
        async def one(p=p):
            reads = [("get_payment", c.get_payment(p["id"])),
                     ("find_payment v1", c.find_payment(int(p["invoice"]), use_new_method=False)),
                     ("find_payment v2", c.find_payment(int(p["invoice"])))]
            for what, call in reads:
                if p["success"]:
                    tx = await call
                else:
                    tx = await expect_payment_error(call, p["status"], p["reason"])
                ids = (tx.transaction_id, tx.original_transaction_id)
                assert p["id"] in ids and tx.status == p["status"], (what, tx)
                assert tx.reason_code == p["reason"], (what, tx)
        await checks.acheck(f"{name}: {p['status']} {p['reason']} read back "
                            f"({'returned' if p['success'] else 'CpPaymentError'})", one)


async def main():
    client = cov.track(AioCpClient(public_id, api_secret, base_url=base_url.rstrip("/") + "/"),
                       "AioCpClient")
    child, receiver_url, out = start_receiver()
    try:
        await scenario(client, receiver_url, out)
        await read_back(client)
    finally:
        for kind in KINDS:
            try:
                await client.update_notification(kind, is_enabled=False)
            except Exception as e:  # noqa: BLE001
                print(f"note: could not disable {kind}: {e}")
        oblako_cli(binary, "site", "notification-set", "--site", site_id, "--kind", "Check",
                   "--disable")
        await client.disconnect()
        child.terminate()
        child.wait(timeout=10)
    for record in received(out):
        if "called" in record:
            cov.mark(record["called"])
    cov.classes["AiohttpDispatcher"] = AiohttpDispatcher
    cov.classes["utils"] = ["hmac_check"]

    def complete():
        missing = cov.missing()
        assert not missing, f"never called: {missing}"
    checks.check("every public method of AioCpClient and AiohttpDispatcher was called", complete)


asyncio.run(main())
checks.finish()
