"""The PyPI `cloudpayments` client, unmodified, managing a subscription on a running Oblako:
create_subscription, get_subscription, list_subscriptions (subscriptions/find),
update_subscription and cancel_subscription, each reply parsed by the client's own model.

Usage: subscriptions.py BASE_URL PUBLIC_ID API_SECRET OBLAKO_BINARY
Prints one line per check and a closing `N passed, N failed` line; exits non-zero on failure.
"""
import datetime
import sys
from decimal import Decimal

import pytz
from cloudpayments import CloudPaymentsError

from checks import check, client_for, finish, make_cryptogram

base_url, public_id, api_secret, binary = sys.argv[1:5]
client = client_for(base_url, public_id, api_secret)
state = {}


def setup_token():
    tx = client.charge_card(make_cryptogram(binary, base_url, public_id, "4000000000003055"),
                            1, "RUB", "CARD HOLDER", "127.0.0.1", account_id="py-sub-user")
    assert tx.token, vars(tx)
    state["token"] = tx.token


def create():
    start = (datetime.datetime.now(pytz.utc) + datetime.timedelta(days=3)).replace(microsecond=0)
    sub = client.create_subscription(state["token"], "py-sub-user", 399, "RUB",
                                     "Monthly plan", "payer@example.com", start, "Month", 1,
                                     max_periods=12)
    assert sub.id.startswith("sc_") and sub.status == "Active" and sub.status_code == 0, vars(sub)
    assert Decimal(str(sub.amount)) == Decimal("399") and sub.interval_code == 1, vars(sub)
    assert sub.start_date == start and sub.next_transaction_date == start, vars(sub)
    assert sub.max_periods == 12 and sub.last_transaction_date is None, vars(sub)
    state["id"] = sub.id


def get():
    sub = client.get_subscription(state["id"])
    assert sub.id == state["id"] and sub.account_id == "py-sub-user", vars(sub)


def find():
    subs = list(client.list_subscriptions("py-sub-user"))
    assert [s.id for s in subs] == [state["id"]], [vars(s) for s in subs]


def update():
    sub = client.update_subscription(state["id"], amount=499, interval="Week", period=2)
    assert Decimal(str(sub.amount)) == Decimal("499"), vars(sub)
    assert (sub.interval, sub.period, sub.status) == ("Week", 2, "Active"), vars(sub)


def cancel():
    client.cancel_subscription(state["id"])
    sub = client.get_subscription(state["id"])
    assert sub.status == "Cancelled" and sub.status_code == 3, vars(sub)
    assert sub.next_transaction_date is None, vars(sub)


def refused():
    past = datetime.datetime.now(pytz.utc) - datetime.timedelta(days=1)
    try:
        client.create_subscription(state["token"], "py-sub-user", 1, "RUB", "x", None, past,
                                   "Month", 1)
    except CloudPaymentsError as e:
        assert str(e) == "StartDate must be in the future", str(e)
        return
    raise AssertionError("a StartDate in the past was accepted")


for name, fn in [
    ("a token from a card payment", setup_token),
    ("create_subscription parses the model", create),
    ("get_subscription", get),
    ("list_subscriptions (subscriptions/find)", find),
    ("update_subscription replaces amount and schedule", update),
    ("cancel_subscription, then Cancelled with no next date", cancel),
    ("a StartDate in the past raises CloudPaymentsError with its message", refused),
]:
    check(name, fn)

finish("compat-subscriptions")
