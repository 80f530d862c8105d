"""The PyPI `cloudpayments` client, unmodified, creating an order on a running Oblako; then the
order is paid on its page with a cryptogram from the oblako CLI, and a second order is cancelled
(the client has no cancel method, so that call is a plain Basic-auth POST, as a merchant would
make it). An order with SendEmail must reach {OBLAKO_DATA_DIR}/mail as an .eml file.

Usage: orders.py BASE_URL PUBLIC_ID API_SECRET OBLAKO_BINARY
Prints one line per check and a closing `N passed, N failed` line; exits non-zero on failure.
"""
import email
import email.policy
import os
import pathlib
import sys
import time
from decimal import Decimal

import requests

from checks import check, client_for, finish, make_cryptogram

base_url, public_id, api_secret, binary = sys.argv[1:5]
client = client_for(base_url, public_id, api_secret)
state = {}


def create():
    order = client.create_order(10.5, "RUB", "Оплата заказа", email="client@test.local",
                                require_confirmation=False, send_email=False,
                                invoice_id="py-order-1", account_id="py-payer",
                                phone="+7 900 123-45-67", culture_info="en-US")
    assert len(order.id) == 16 and order.id.isalnum(), order.id
    assert order.url == f"{base_url.rstrip('/')}/d/{order.id}", order.url
    assert order.amount == Decimal("10.5") and order.currency == "RUB", vars(order)
    assert order.currency_code == 0 and order.email == "client@test.local", vars(order)
    assert order.require_confirmation is False and order.number >= 1, vars(order)
    state["order"] = order


def page():
    html = requests.get(state["order"].url, timeout=10).text
    # The amount is written for the page's language: "RUB 10.50" in English.
    assert "Оплата заказа" in html and "10.50" in html, html[:500]
    assert "Awaiting payment" in html, "CultureInfo en-US chose English"


def pay():
    packet = make_cryptogram(binary, base_url, public_id, "4000000000003055")
    reply = requests.post(state["order"].url + "/pay", data={"CardCryptogramPacket": packet},
                          timeout=30, allow_redirects=False)
    assert reply.status_code == 200 and "Payment successful" in reply.text, reply.text[:500]
    tx = client.find_payment("py-order-1")
    assert tx.status == "Completed" and tx.amount == Decimal("10.5"), vars(tx)
    assert tx.account_id == "py-payer" and tx.email == "client@test.local", vars(tx)
    again = requests.post(state["order"].url + "/pay", data={"CardCryptogramPacket": packet},
                          timeout=30, allow_redirects=False)
    assert again.status_code == 409, again.status_code
    assert "already been paid" in requests.get(state["order"].url, timeout=10).text


def cancel():
    order = client.create_order(3, "RUB", "Cancelled order")
    reply = requests.post(base_url.rstrip("/") + "/orders/cancel", json={"Id": order.id},
                          auth=(public_id, api_secret), timeout=10).json()
    assert reply == {"Success": True, "Message": None}, reply
    assert "Отменён" in requests.get(order.url, timeout=10).text


def emailed():
    """With no smtp_url, the running server's mail worker writes the link as an .eml file."""
    order = client.create_order(7, "RUB", "Emailed order", email="payer@example.com",
                                send_email=True)
    spool = pathlib.Path(os.environ["OBLAKO_DATA_DIR"]) / "mail"
    for _ in range(100):
        for path in sorted(spool.glob("*.eml")) if spool.is_dir() else []:
            message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            text = message.get_body(preferencelist=("plain",)).get_content()
            if order.url in text:
                assert message["To"] == "payer@example.com", message["To"]
                assert message["Subject"].startswith("Счёт на оплату"), message["Subject"]
                html = message.get_body(preferencelist=("html",)).get_content()
                assert f'href="{order.url}"' in html, html
                return
        time.sleep(0.1)
    raise AssertionError(f"no .eml with {order.url} under {spool}")


check("orders/create parses with the unmodified client", create)
check("the order's Url opens its page", page)
check("the page takes the card once and the payment is findable", pay)
check("orders/cancel", cancel)
check("SendEmail: the worker of oblako serve writes the link as .eml", emailed)
finish("compat-python-orders")
