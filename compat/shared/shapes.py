"""Captures every reply shape a live Oblako gives, endpoint by endpoint: each payment status of
../shared/statuses.py through get and both finds, and every outcome and refusal of the other
methods (declines, 3-D Secure, not found, bad parameters, refused operations, 401, 404, 413, 422).
Each client's scan then feeds these bodies to its own parsers through a replay server (replay.py).

Usage: shapes.py BASE_URL PUBLIC_ID API_SECRET OBLAKO_BINARY STATUSES.json OUT.json
Writes [{"endpoint", "case", "http", "body"}]. Plain HTTP: setup, not a client check.
"""
import base64
import datetime
import http.client
import json
import sys
import urllib.error
import urllib.parse
import urllib.request

from harness import api, make_cryptogram, pass_acs

base_url, public_id, api_secret, binary, statuses_file, out = sys.argv[1:7]
made = json.load(open(statuses_file, encoding="utf-8"))
shapes = []


def keep(endpoint, case, params=None, secret=api_secret, headers=None):
    if headers is None:
        status, body = api(base_url, public_id, secret, endpoint, params)
    else:
        token = base64.b64encode(f"{public_id}:{secret}".encode()).decode()
        request = urllib.request.Request(
            f"{base_url.rstrip('/')}/{endpoint}", data=json.dumps(params or {}).encode(),
            headers={"Content-Type": "application/json", "Authorization": f"Basic {token}",
                     **(headers or {})})
        try:
            with urllib.request.urlopen(request, timeout=30) as r:
                status, body = r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            status, body = e.code, json.loads(e.read())
    shapes.append({"endpoint": endpoint, "case": case, "http": status, "body": body})
    return body


def card(number, amount=20, **extra):
    return {"Amount": amount, "Currency": "RUB", "IpAddress": "127.0.0.1", "AccountId": "shape",
            "CardCryptogramPacket": make_cryptogram(binary, base_url, public_id, number), **extra}


def post3ds_of(outcome):
    challenge = api(base_url, public_id, api_secret, "payments/cards/charge",
                    card("4242424242424242"))[1]["Model"]
    pa_res = pass_acs(base_url, challenge["AcsUrl"], challenge["TransactionId"],
                      challenge["PaReq"], outcome=outcome)
    return {"TransactionId": challenge["TransactionId"], "PaRes": pa_res}


keep("test", "ping")
keep("test", "wrong secret (401)", secret="0" * 64)
keep("payments/nothing", "unknown path (404)")


def oversize():
    """A body announced as 2 MiB: Oblako answers 413 on the length alone (sending the bytes
    would race its early answer and close)."""
    url = urllib.parse.urlsplit(base_url)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    token = base64.b64encode(f"{public_id}:{api_secret}".encode()).decode()
    conn.putrequest("POST", "/payments/get")
    for name, value in [("Authorization", f"Basic {token}"), ("Content-Length", str(2 << 20)),
                        ("Content-Type", "application/json")]:
        conn.putheader(name, value)
    conn.endheaders()
    response = conn.getresponse()
    shapes.append({"endpoint": "payments/get", "case": "oversize body (413)",
                   "http": response.status, "body": json.loads(response.read())})
    conn.close()


oversize()
keep("payments/cards/charge", "same X-Request-ID, other parameters (422)",
     card("4000000000003055", InvoiceId="shape-idem"), headers={"X-Request-ID": "shape-idem"})
keep("payments/cards/charge", "same X-Request-ID, other parameters (422)",
     card("4000000000003055", amount=21, InvoiceId="shape-idem"),
     headers={"X-Request-ID": "shape-idem"})
shapes.pop(-2)

for name, payment in made.items():
    case = f"{name}: {payment['status']} {payment['reason']}"
    keep("payments/get", case, {"TransactionId": payment["id"]})
    keep("payments/find", case, {"InvoiceId": payment["invoice"]})
    keep("v2/payments/find", case, {"InvoiceId": payment["invoice"]})
for endpoint in ("payments/get", "payments/find", "v2/payments/find"):
    keep(endpoint, "not found", {"TransactionId": 999999999, "InvoiceId": "no-such-invoice"})
keep("payments/get", "missing TransactionId", {})
keep("payments/find", "missing InvoiceId", {})

today = datetime.datetime.now(datetime.timezone.utc).date().isoformat()
keep("payments/list", "every status", {"Date": today, "TimeZone": "UTC"})
keep("payments/list", "bad Date", {"Date": "yesterday"})
keep("v2/payments/list", "every status", {"CreatedDateGte": f"{today}T00:00:00",
                                          "CreatedDateLte": f"{today}T23:59:59", "PageNumber": 1})
keep("v2/payments/list", "unknown status", {"CreatedDateGte": f"{today}T00:00:00",
                                            "CreatedDateLte": f"{today}T23:59:59",
                                            "PageNumber": 1, "Statuses": ["Lost"]})
keep("payments/tokens/list", "tokens", {"PageNumber": 1})

paid = keep("payments/cards/charge", "approved", card("4000000000003055"))["Model"]
keep("payments/cards/charge", "declined 5051", card("4000056655665556"))
keep("payments/cards/charge", "3-D Secure challenge", card("4242424242424242"))
keep("payments/cards/charge", "expired card 5054",
     dict(card("4000000000003055"), CardCryptogramPacket=make_cryptogram(
         binary, base_url, public_id, "4000000000003055", exp="01/20")))
keep("payments/cards/charge", "bad cryptogram", dict(card("4000000000003055"),
                                                      CardCryptogramPacket="bm90IGEgcGFja2V0"))
keep("payments/cards/charge", "missing Amount", {"CardCryptogramPacket": "x"})
held = keep("payments/cards/auth", "approved", card("4000000000003055"))["Model"]
keep("payments/cards/auth", "3-D Secure challenge", card("4242424242424242"))
passed = post3ds_of("pass")
keep("payments/cards/post3ds", "approved", passed)
keep("payments/cards/post3ds", "the same PaRes again", passed)
keep("payments/cards/post3ds", "declined 5206", post3ds_of("fail"))
keep("payments/cards/post3ds", "not found", {"TransactionId": 999999999, "PaRes": "x"})

token = paid["Token"]
keep("payments/tokens/charge", "approved", {"Amount": 2, "Token": token, "AccountId": "shape"})
keep("payments/tokens/auth", "approved", {"Amount": 2, "Token": token, "AccountId": "shape"})
funds = api(base_url, public_id, api_secret, "payments/cards/charge",
            card("4111111111111111"))[1]["Model"]["Token"]
keep("payments/tokens/charge", "declined 5051", {"Amount": 2, "Token": funds, "AccountId": "shape"})
keep("payments/tokens/charge", "unknown token", {"Amount": 2, "Token": "tk_none", "AccountId": "x"})

keep("payments/confirm", "above the authorized amount", {"TransactionId": held["TransactionId"],
                                                         "Amount": 99})
keep("payments/confirm", "confirmed", {"TransactionId": held["TransactionId"], "Amount": 20})
keep("payments/confirm", "not authorized", {"TransactionId": held["TransactionId"], "Amount": 1})
small = api(base_url, public_id, api_secret, "payments/cards/auth",
            card("4000000000003055", amount=5))[1]["Model"]["TransactionId"]
keep("payments/void", "10 RUB or less within 24 hours", {"TransactionId": small})
other = api(base_url, public_id, api_secret, "payments/cards/auth",
            card("4000000000003055"))[1]["Model"]["TransactionId"]
keep("payments/void", "voided", {"TransactionId": other})
keep("payments/void", "not authorized", {"TransactionId": other})
keep("payments/refund", "refunded", {"TransactionId": paid["TransactionId"], "Amount": 5})
keep("payments/refund", "above the refundable amount", {"TransactionId": paid["TransactionId"],
                                                        "Amount": 500})
keep("payments/refund", "not completed", {"TransactionId": other, "Amount": 1})

start = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=3))
sub = keep("subscriptions/create", "created", {
    "Token": token, "AccountId": "shape", "Description": "Plan", "Email": "a@example.com",
    "Amount": 10, "Currency": "RUB", "RequireConfirmation": False,
    "StartDate": start.strftime("%Y-%m-%dT%H:%M:%S"), "Interval": "Month", "Period": 1})["Model"]
keep("subscriptions/create", "StartDate in the past", {
    "Token": token, "AccountId": "shape", "Description": "Plan", "Amount": 10, "Currency": "RUB",
    "StartDate": "2020-01-01T00:00:00", "Interval": "Month", "Period": 1})
keep("subscriptions/get", "found", {"Id": sub["Id"]})
keep("subscriptions/get", "not found", {"Id": "sc_none"})
keep("subscriptions/find", "found", {"AccountId": "shape"})
keep("subscriptions/update", "updated", {"Id": sub["Id"], "Amount": 11})
keep("subscriptions/cancel", "cancelled", {"Id": sub["Id"]})
keep("subscriptions/cancel", "not found", {"Id": "sc_none"})

order = keep("orders/create", "created", {"Amount": 10, "Currency": "RUB",
                                          "Description": "Order"})["Model"]
keep("orders/create", "missing Amount", {"Description": "Order"})
keep("orders/cancel", "cancelled", {"Id": order["Id"]})
keep("orders/cancel", "already cancelled", {"Id": order["Id"]})
keep("orders/cancel", "not found", {"Id": "nope"})

keep("site/notifications/Pay/get", "settings")
keep("site/notifications/Pay/update", "updated", {"IsEnabled": False})
keep("site/notifications/Check/update", "Check is not settable", {"IsEnabled": False})
keep("site/notifications/Nothing/get", "unknown kind")

with open(out, "w", encoding="utf-8") as f:
    json.dump(shapes, f, ensure_ascii=False, indent=1)
print(f"shapes: {len(shapes)} replies from {len({s['endpoint'] for s in shapes})} endpoints "
      f"in {out}")
