"""The PyPI `cloudpayments` client, unmodified, against a running Oblako.

Usage: foundation.py BASE_URL PUBLIC_ID API_SECRET
Prints one line per check and a closing `N passed, N failed` line; exits non-zero on failure.
"""
import re
import sys

from cloudpayments import CloudPayments, CloudPaymentsError

base_url, public_id, api_secret = sys.argv[1:4]
GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
results = []


def check(name, fn):
    try:
        fn()
        results.append(True)
        print(f"ok   {name}")
    except Exception as e:  # noqa: BLE001 - any failure is a failed check
        results.append(False)
        print(f"FAIL {name}: {type(e).__name__}: {e}")


def client(secret):
    c = CloudPayments(public_id, secret)
    c.URL = base_url.rstrip("/") + "/"  # the only change a merchant makes: the base URL
    return c


def test_succeeds():
    message = client(api_secret).test()
    assert GUID.match(message), f"expected a request GUID, got {message!r}"


def test_is_idempotent():
    c = client(api_secret)
    first = c.test(request_id="compat-ping-1")
    again = c.test(request_id="compat-ping-1")
    other = c.test(request_id="compat-ping-2")
    assert first == again, (first, again)
    assert first != other, (first, other)


def wrong_secret_raises():
    try:
        client("0" * 64).test()
    except CloudPaymentsError:
        return
    raise AssertionError("a wrong API Secret did not raise CloudPaymentsError")


check("test() with the site's keys", test_succeeds)
check("test(request_id=...) replays the first answer", test_is_idempotent)
check("test() with a wrong secret raises CloudPaymentsError", wrong_secret_raises)

passed, failed = results.count(True), results.count(False)
print(f"compat: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
