"""Receipts (54-FZ, spec §3.28) with the PyPI `cloudpayments` client, unmodified.

Usage: receipts.py BASE_URL PUBLIC_ID API_SECRET
Needs `oblako serve` (its worker fiscalises receipts). `create_receipt` queues an Income receipt
(the client sends `items`, `taxationSystem` and `Amounts` in its own spelling, which Oblako reads
in any case), `kkt/receipt/status/get` (through the client's request function, which has no named
method for it) turns `Processed`, and `get_receipt` reads it back into the client's `Receipt` and
`ReceiptItem` models, which read PascalCase keys. An INN with bad check digits and a receipt with
no items are refused as `CloudPaymentsError`. The Receipt notification is checked with the npm
library's own handler (compat/node/receipts.mjs): this client has no notification helper.
Prints one line per check and a closing `N passed, N failed` line; exits non-zero on failure.
"""
import sys
import time

from cloudpayments import CloudPaymentsError
from cloudpayments.models import Amount, Receipt, ReceiptItem

from checks import check, client_for, finish

base_url, public_id, api_secret = sys.argv[1:4]
client = client_for(base_url, public_id, api_secret)
INN = "7707083893"
state = {}


def create():
    item = ReceiptItem(label="Товар", price=120.5, quantity=2, amount=241, vat=20, method=4,
                       item_object=1, measurement_unit="шт")
    receipt = Receipt([item], taxation_system=0, email="buyer@example.com",
                      amounts=Amount(electronic=241, advance_payment=0, credit=0, provision=0))
    state["id"] = client.create_receipt(INN, "Income", receipt, invoice_id="compat-py-receipt",
                                        account_id="compat")
    assert len(state["id"]) == 36, state["id"]


def processed():
    deadline = time.time() + 10
    while True:
        answer = client._send_request("kkt/receipt/status/get", {"Id": state["id"]})
        if answer["Model"] == "Processed":
            return
        assert answer["Model"] == "Queued" and time.time() < deadline, answer
        time.sleep(0.2)


def read_back():
    got = client.get_receipt(state["id"])
    item = got.items[0]
    assert (item.label, item.price, item.quantity, item.amount, item.vat) == \
        ("Товар", 120.5, 2, 241, 20), vars(item)
    assert (got.taxation_system, got.email) == (0, "buyer@example.com"), vars(got)
    assert got.amounts.electronic == 241, vars(got.amounts)


def refused(inn, receipt, words):
    def run():
        try:
            client.create_receipt(inn, "Income", receipt)
        except CloudPaymentsError as e:
            assert words in str(e), str(e)
            return
        raise AssertionError("not refused")
    return run


check("create_receipt queues an Income receipt and returns its id", create)
check("kkt/receipt/status/get turns Processed", processed)
check("get_receipt reads it into the client's Receipt model", read_back)
check("an INN with bad check digits is refused (ErrorCode -1)",
      refused("7707083894", {"Items": [{"label": "x", "price": 1, "quantity": 1, "amount": 1}]},
              "7707083894"))
check("a receipt without items is refused naming the field",
      refused(INN, {"Items": []}, "CustomerReceipt.Items"))
finish("compat-python-receipts")
