"""Makes one payment in every status a payment can reach on a live Oblako, for every client's
scenario to read back (docs/protocol.md, "What Success says when the model is a transaction").

Usage: statuses.py BASE_URL PUBLIC_ID API_SECRET OBLAKO_BINARY OUT.json
Setup, not a client check: plain HTTP with Basic auth, cryptograms from `oblako cryptogram`.
Writes {name: {"id", "invoice", "status", "reason", "success"}} and exits non-zero when a payment
did not reach its status.

An expired hold (7 days) and an abandoned 3-D Secure wait (20 minutes) cannot be waited for in a
live process: their deadline (`expires_at`) is moved into the past in the SQLite database under
$OBLAKO_DATA_DIR, and the server's sweeper (every 5 s) cancels them as it would have.
"""
import json
import os
import sqlite3
import sys
import random
import time

from harness import api, make_cryptogram, pass_acs

base_url, public_id, api_secret, binary, out = sys.argv[1:6]
# Digits only: aiocloudpayments types `InvoiceId` as an int.
run_id = str(random.randint(100_000, 999_999))
NAMES = ["completed", "refunded", "authorized", "voided", "hold_expired", "abandoned_3ds",
         "awaiting_3ds", "declined", "failed_3ds"]


def invoice(name):
    return f"{run_id}{NAMES.index(name):02d}"


def call(path, params):
    status, body = api(base_url, public_id, api_secret, path, params)
    assert status == 200, (path, status, body)
    return body


def pay(path, card, name, amount=20):
    body = call(path, {"Amount": amount, "Currency": "RUB", "IpAddress": "127.0.0.1",
                       "CardCryptogramPacket": make_cryptogram(binary, base_url, public_id, card),
                       "InvoiceId": invoice(name), "AccountId": "st-payer",
                       "Name": "CARD HOLDER"})
    return body["Model"]


made = {}


def keep(name, model, status, reason, success):
    made[name] = {"id": model["TransactionId"], "invoice": invoice(name),
                  "status": status, "reason": reason, "success": success}


keep("completed", pay("payments/cards/charge", "4000000000003055", "completed"),
     "Completed", 0, True)
refunded = pay("payments/cards/charge", "4000000000003055", "refunded")
assert call("payments/refund", {"TransactionId": refunded["TransactionId"], "Amount": 5})["Success"]
keep("refunded", refunded, "Completed", 0, True)
keep("authorized", pay("payments/cards/auth", "4000000000003055", "authorized"),
     "Authorized", 0, True)
voided = pay("payments/cards/auth", "5205000000003055", "voided")
assert call("payments/void", {"TransactionId": voided["TransactionId"]})["Success"]
keep("voided", voided, "Cancelled", 0, True)
keep("hold_expired", pay("payments/cards/auth", "4000000000003055", "hold_expired"),
     "Cancelled", 0, True)
keep("abandoned_3ds", pay("payments/cards/charge", "4242424242424242", "abandoned_3ds"),
     "Cancelled", 0, True)
keep("awaiting_3ds", pay("payments/cards/charge", "4242424242424242", "awaiting_3ds"),
     "AwaitingAuthentication", 0, True)
keep("declined", pay("payments/cards/charge", "4000056655665556", "declined"),
     "Declined", 5051, False)
challenge = pay("payments/cards/auth", "4242424242424242", "failed_3ds")
pa_res = pass_acs(base_url, challenge["AcsUrl"], challenge["TransactionId"], challenge["PaReq"],
                  outcome="fail")
call("payments/cards/post3ds", {"TransactionId": challenge["TransactionId"], "PaRes": pa_res})
keep("failed_3ds", challenge, "Declined", 5206, False)

database = os.path.join(os.environ["OBLAKO_DATA_DIR"], "oblako.db")
with sqlite3.connect(database, timeout=10) as db:
    ids = [made["hold_expired"]["id"], made["abandoned_3ds"]["id"]]
    db.execute("UPDATE transactions SET expires_at = 0 WHERE id IN (?, ?)", ids)

deadline = time.monotonic() + 15
while True:
    wrong = {}
    for name, payment in made.items():
        model = call("payments/get", {"TransactionId": payment["id"]})["Model"]
        if (model["Status"], model["ReasonCode"]) != (payment["status"], payment["reason"]):
            wrong[name] = (model["Status"], model["ReasonCode"])
    if not wrong:
        break
    if time.monotonic() > deadline:
        sys.exit(f"statuses: not reached within 15 s: {wrong}")
    time.sleep(0.5)

with open(out, "w", encoding="utf-8") as f:
    json.dump(made, f, indent=1)
print(f"statuses: {len(made)} payments, one per status, in {out}")
