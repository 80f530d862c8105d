"""A Pay notification sent by a running Oblako, checked on a local receiver.

Usage: notify.py BASE_URL PUBLIC_ID API_SECRET OBLAKO_BINARY
Needs `oblako serve` (its background worker delivers Pay). Prints one line per check and a closing
`compat-notify: N passed, N failed` line; exits non-zero on failure. Only talks HTTP to 127.0.0.1.

THE PyPI LIBRARY HAS NO NOTIFICATION HELPER. cloudpayments 1.6.3 (pinned in requirements.txt) is an
API client only: client.py, models.py, utils.py, enums.py and errors.py contain nothing that reads
`Content-HMAC`, validates a signature or parses a notification (its only model for a payment,
`Transaction.from_dict`, reads an API answer's `Model` and needs keys a notification does not
carry, such as `CurrencyCode`, `JsonData` and `CreatedDateIso`). So:

- the signature check below, `verify_signature`, is WRITTEN HERE, NOT THE LIBRARY'S: CloudPayments'
  documented rule, base64 HMAC-SHA256 with the API Secret of the raw body (`Content-HMAC`) and of
  the URL-decoded body (`X-Content-HMAC`), compared in constant time;
- the library's part is everything around it: the payment through the unmodified client's
  `charge_card`, enabling the notification through the client's own request function
  `_send_request` (HTTP Basic auth with the site's keys; the client has no named method for
  `site/notifications/{Type}/update`), and cross-checking the verified notification against the
  library's `Transaction` model from `get_transaction`.

Every wait is bounded (WAIT seconds).
"""
import base64
import hashlib
import hmac
import http.server
import sys
import threading
import time
import urllib.parse
from decimal import Decimal

from checks import check, client_for, finish, make_cryptogram

base_url, public_id, api_secret, binary = sys.argv[1:5]
WAIT = 10.0
state = {}


client = client_for(base_url, public_id, api_secret)


def cryptogram(card):
    return make_cryptogram(binary, base_url, public_id, card)


# --- NOT THE LIBRARY'S: the signature check a merchant has to write with cloudpayments 1.6.3. ---
def _hmac_b64(message: bytes) -> str:
    digest = hmac.new(api_secret.encode("utf-8"), message, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def verify_signature(body: bytes, headers) -> str:
    """Returns "" when both signature headers are right, else why not."""
    content = headers.get("Content-HMAC")
    if not content:
        return "no Content-HMAC header"
    if not hmac.compare_digest(content.strip(), _hmac_b64(body)):
        return f"Content-HMAC {content!r} != {_hmac_b64(body)!r} (raw body)"
    x_content = headers.get("X-Content-HMAC")
    decoded = urllib.parse.unquote_to_bytes(body.replace(b"+", b" "))
    if not x_content:
        return "no X-Content-HMAC header"
    if not hmac.compare_digest(x_content.strip(), _hmac_b64(decoded)):
        return f"X-Content-HMAC {x_content!r} != {_hmac_b64(decoded)!r} (URL-decoded body)"
    return ""
# --- end of the part that is not the library's. ---


class Receiver(http.server.BaseHTTPRequestHandler):
    """POST /{kind}: verified notifications are answered {"code":0} and kept in `verified`."""

    verified = []  # (kind, fields, raw body)
    rejected = []  # (kind, why, raw body, headers)
    lock = threading.Lock()

    def do_POST(self):  # noqa: N802 - http.server's name
        kind = self.path.strip("/").lower()
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        why = verify_signature(body, self.headers)
        with self.lock:
            if why:
                self.rejected.append((kind, why, body, dict(self.headers)))
            else:
                fields = dict(urllib.parse.parse_qsl(body.decode("utf-8"), keep_blank_values=True))
                self.verified.append((kind, fields, body))
        answer = b'{"error":"rejected"}' if why else b'{"code":0}'
        self.send_response(400 if why else 200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):  # quiet
        pass


def wait_for(kind, transaction_id):
    deadline = time.monotonic() + WAIT
    while True:
        with Receiver.lock:
            for k, fields, _ in Receiver.verified:
                if k == kind and fields.get("TransactionId") == str(transaction_id):
                    return fields
            rejected = list(Receiver.rejected)
            seen = [(k, f.get("TransactionId")) for k, f, _ in Receiver.verified]
        if time.monotonic() >= deadline:
            raise AssertionError(
                f"no verified {kind} notification for TransactionId {transaction_id} within "
                f"{WAIT:g} s; verified {seen}, rejected {rejected}")
        time.sleep(0.1)


def set_notification(kind, settings):
    response = client._send_request(f"site/notifications/{kind}/update", settings)
    assert response.get("Success") is True, response


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
threading.Thread(target=server.serve_forever, daemon=True).start()
receiver_url = f"http://127.0.0.1:{server.server_address[1]}"


def self_check():
    """SCRIPT SELF-CHECK, NOT AN OBLAKO CHECK: the receiver refuses a body signed with another key."""
    import requests
    body = b"TransactionId=1&Amount=1.00"
    bad = base64.b64encode(hmac.new(b"f" * 32, body, hashlib.sha256).digest()).decode()
    response = requests.post(receiver_url + "/pay", data=body, timeout=5, headers={
        "Content-Type": "application/x-www-form-urlencoded",
        "Content-HMAC": bad, "X-Content-HMAC": bad})
    with Receiver.lock:
        assert response.status_code == 400 and len(Receiver.rejected) == 1, response.status_code
        Receiver.rejected.clear()


def enable_pay():
    set_notification("Pay", {"IsEnabled": True, "Address": receiver_url + "/pay",
                             "HttpMethod": "POST", "Encoding": "UTF8"})


def pay():
    tx = client.charge_card(cryptogram("4000000000003055"), 11.5, "RUB", "CARD HOLDER",
                            "127.0.0.1", invoice_id="py-notify-1", account_id="py-notify")
    assert tx.status == "Completed", vars(tx)
    state["paid"] = tx.id


def pay_notified():
    fields = wait_for("pay", state["paid"])
    tx = client.get_transaction(state["paid"])  # the library's Transaction model
    assert Decimal(fields["Amount"]) == tx.amount == Decimal("11.5"), (fields["Amount"], tx.amount)
    assert fields["Currency"] == tx.currency == "RUB", (fields["Currency"], tx.currency)
    assert fields["InvoiceId"] == tx.invoice_id, (fields["InvoiceId"], tx.invoice_id)
    assert fields["AccountId"] == tx.account_id, (fields["AccountId"], tx.account_id)
    assert fields["Status"] == tx.status == "Completed", (fields["Status"], tx.status)
    assert fields.get("TestMode") in ("1", "true", "True"), fields.get("TestMode")


def nothing_rejected():
    with Receiver.lock:
        assert not Receiver.rejected, Receiver.rejected


try:
    for name, fn in [
        ("self-check: the receiver rejects a body signed with another key", self_check),
        ("Pay notifications enabled via site/notifications/Pay/update (_send_request)", enable_pay),
        ("charge_card completes", pay),
        ("Pay notification arrives, signature verified (script's HMAC check), matches "
         "get_transaction", pay_notified),
        ("no delivery failed the signature check", nothing_rejected),
    ]:
        check(name, fn)
finally:
    try:
        set_notification("Pay", {"IsEnabled": False})
    except Exception as e:  # noqa: BLE001
        print(f"note: could not disable Pay notifications: {e}")
    server.shutdown()

finish("compat-notify")
