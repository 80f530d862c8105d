"""The PyPI `cloudpayments` client, unmodified, against a running Oblako.

Usage: foundation.py BASE_URL PUBLIC_ID API_SECRET
Prints one line per check and a closing `N passed, N failed` line; exits non-zero on failure.
"""
import re
import sys

from cloudpayments import CloudPaymentsError

from checks import check, client_for, finish

base_url, public_id, api_secret = sys.argv[1:4]
GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def client(secret):
    # The only change a merchant makes: the base URL.
    return client_for(base_url, public_id, secret)


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

finish("compat")
