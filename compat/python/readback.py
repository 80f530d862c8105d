"""The PyPI `cloudpayments` client, unmodified, reading back a payment in every status
(../shared/statuses.py) with `get_transaction`, `find_payment` and `list_payments`.

Usage: readback.py BASE_URL PUBLIC_ID API_SECRET STATUSES.json
A voided, expired or abandoned payment must read back `Cancelled` like any other status; only a
decline is `Success:false`, which `find_payment` raises as `CloudPaymentsError` (its rule for any
`Success:false`) and `get_transaction` returns (it reads any model). See docs/protocol.md.
Also calls the client's method Oblako cannot serve (payouts), printing why.
Prints one line per check and a closing `N passed, N failed` line; exits non-zero on failure.
"""
import datetime
import json
import sys

from cloudpayments import CloudPaymentsError

from checks import check, client_for, finish

base_url, public_id, api_secret, statuses_file = sys.argv[1:5]
client = client_for(base_url, public_id, api_secret)
made = json.load(open(statuses_file, encoding="utf-8"))


def read(payment):
    def run():
        got = client.get_transaction(payment["id"])
        assert (got.id, got.status, got.reason_code) == (
            payment["id"], payment["status"], payment["reason"]), vars(got)
        if payment["success"]:
            found = client.find_payment(payment["invoice"])
            assert (found.id, found.status) == (payment["id"], payment["status"]), vars(found)
            return
        try:
            client.find_payment(payment["invoice"])
        except CloudPaymentsError as e:
            model = e.response["Model"]
            assert (model["Status"], model["ReasonCode"]) == (payment["status"], payment["reason"])
            return
        raise AssertionError("find_payment of a decline did not raise CloudPaymentsError")
    return run


def listed():
    today = datetime.datetime.now(datetime.timezone.utc).date()
    items = {t.id: t for t in client.list_payments(today)}
    for name, payment in made.items():
        assert items[payment["id"]].status == payment["status"], (name, vars(items[payment["id"]]))


def unservable():
    why = {"topup": ("card payouts (payments/cards/topup, spec §3.8) are not implemented",
                     lambda: client.topup("tk_none", 1, "a", "RUB"))}
    for name, (reason, call) in why.items():
        try:
            call()
        except CloudPaymentsError as e:
            assert str(e) == "Not found", str(e)
            print(f"not served by Oblako: cloudpayments.{name}: {reason}; Oblako answers 404 "
                  "Not found")
            continue
        raise AssertionError(f"{name} did not raise CloudPaymentsError")


for name, payment in made.items():
    how = "find_payment returns it" if payment["success"] else "find_payment raises"
    check(f"{name}: get_transaction reads {payment['status']} {payment['reason']}, {how}",
          read(payment))
check("list_payments lists every status", listed)
check("topup: Oblako's 404 as CloudPaymentsError", unservable)
finish("compat-python-readback")
