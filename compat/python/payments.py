"""The PyPI `cloudpayments` client, unmodified, paying through a running Oblako's emulated bank.

Usage: payments.py BASE_URL PUBLIC_ID API_SECRET OBLAKO_BINARY
Cryptograms come from `oblako cryptogram --base-url`, as a merchant's script would make them.
Prints one line per check and a closing `N passed, N failed` line; exits non-zero on failure.
"""
import datetime
import re
import sys
from decimal import Decimal

import requests
from cloudpayments import CloudPaymentsError, PaymentError

from checks import check, client_for, finish, make_cryptogram

base_url, public_id, api_secret, binary = sys.argv[1:5]
state = {}


client = client_for(base_url, public_id, api_secret)


def cryptogram(card):
    return make_cryptogram(binary, base_url, public_id, card)


def charge():
    tx = client.charge_card(cryptogram("4000000000003055"), 10.5, "RUB", "CARD HOLDER",
                            "127.0.0.1", invoice_id="py-inv-1", account_id="py-user")
    assert tx.status == "Completed" and tx.reason_code == 0, vars(tx)
    assert tx.amount == Decimal("10.5") and tx.token, vars(tx)
    state["paid"], state["token"] = tx.id, tx.token


def decline():
    try:
        client.charge_card(cryptogram("4000056655665556"), 5, "RUB", "CARD HOLDER", "127.0.0.1")
    except PaymentError as e:
        assert e.reason_code == 5051 and e.reason == "InsufficientFunds", (e.reason_code, e.reason)
        assert e.cardholder_message == "Недостаточно средств на карте", e.cardholder_message
        assert e.verbose_reason, "the client's own table knows 5051"
        return
    raise AssertionError("a declining card did not raise PaymentError")


def three_ds():
    challenge = client.charge_card(cryptogram("4242424242424242"), 12, "RUB", "CARD HOLDER", "127.0.0.1")
    assert challenge.secure3d_required, vars(challenge)
    form = challenge.redirect_params("https://shop.example/3ds")
    page = requests.post(challenge.acs_url, data=form, timeout=10)
    assert page.status_code == 200 and "Подтвердить" in page.text, page.text[:200]
    back = requests.post(base_url.rstrip("/") + "/acs/submit",
                         data=dict(form, code="1234", outcome="pass"), timeout=10)
    pa_res = re.search(r'name="PaRes" value="([^"]+)"', back.text).group(1)
    tx = client.finish_3d_secure_authentication(challenge.transaction_id, pa_res)
    assert tx.status == "Completed", vars(tx)


def auth_and_partial_confirm():
    tx = client.charge_card(cryptogram("4000000000003055"), 10, "RUB", "CARD HOLDER", "127.0.0.1",
                            require_confirmation=True)
    assert tx.status == "Authorized", vars(tx)
    client.confirm_payment(tx.id, 6)
    got = client.get_transaction(tx.id)
    assert got.status == "Completed", vars(got)


def auth_and_void():
    # 20 RUB: CloudPayments refuses voids of authorizations of 10 RUB or less within 24 hours.
    tx = client.charge_card(cryptogram("5205000000003055"), 20, "RUB", "CARD HOLDER", "127.0.0.1",
                            require_confirmation=True)
    client.void_payment(tx.id)
    assert client.get_transaction(tx.id).status == "Cancelled"


def token_charge():
    tx = client.charge_token(state["token"], "py-user", 2, "RUB")
    assert tx.status == "Completed" and tx.token == state["token"], vars(tx)


def token_decline():
    funds = client.charge_card(cryptogram("4111111111111111"), 1, "RUB", "CARD HOLDER", "127.0.0.1",
                               account_id="py-user")
    try:
        client.charge_token(funds.token, "py-user", 1, "RUB")
    except PaymentError as e:
        assert e.reason_code == 5051, e.reason_code
        return
    raise AssertionError("4111… token payments must be declined")


def refunds():
    first = client.refund(state["paid"], 4)
    second = client.refund(state["paid"], 5)
    assert first != second and first > state["paid"], (first, second)
    try:
        client.refund(state["paid"], 2)
    except CloudPaymentsError as e:
        assert "refund" in str(e), str(e)
        return
    raise AssertionError("a refund above the refundable amount was accepted")


def lookups():
    got = client.get_transaction(state["paid"])
    assert got.id == state["paid"] and got.invoice_id == "py-inv-1", vars(got)
    found = client.find_payment("py-inv-1")
    assert found.id == state["paid"], vars(found)
    today = datetime.datetime.now(datetime.timezone.utc).date()
    listed = [t.id for t in client.list_payments(today)]
    assert state["paid"] in listed, listed
    try:
        client.get_transaction(999999999)
    except CloudPaymentsError as e:
        assert str(e) == "Not found", str(e)
        return
    raise AssertionError("an unknown id was found")


for name, fn in [
    ("charge_card completes and returns a token", charge),
    ("a declining card raises PaymentError 5051", decline),
    ("3-D Secure through the ACS page, then finish_3d_secure_authentication", three_ds),
    ("auth, then confirm_payment of part of it", auth_and_partial_confirm),
    ("auth (20 RUB), then void_payment", auth_and_void),
    ("charge_token with the saved token", token_charge),
    ("charge_token on a card whose token payments decline", token_decline),
    ("two partial refunds, a third refused", refunds),
    ("get_transaction, find_payment, list_payments", lookups),
]:
    check(name, fn)

finish("compat-payments")
