// Every reply shape Oblako gives (../shared/shapes.py) fed to the unmodified npm `cloudpayments`
// client's own methods and response classes through a replay server on 127.0.0.1: each
// endpoint's replies to the method for it, every HTTP error to every method.
//
// Usage: node scan.mjs SHAPES.json
// The library never throws on a reply: a method passes a shape when it resolves, `isSuccess()` is
// the reply's `Success`, a `Success:false` transaction never has `ReasonCode` 0, and the response
// class's own predicates agree (`isPayment3DSResponse` on a challenge, `isPaymentSuccessResponse`
// on an approval, `getPayments` on a list). Prints `ok`/`FAIL` per endpoint and a closing line.

import { readFileSync } from "node:fs";
import { createServer } from "node:http";

import cloudpayments from "cloudpayments";

import { check, finish } from "./checks.mjs";

const { ClientService, PaymentWith3DSClientResponse, PaymentHistoryClientResponse } = cloudpayments;

const shapes = JSON.parse(readFileSync(process.argv[2], "utf8"));
let reply = [200, {}];
const server = createServer((req, res) => {
  req.resume();
  req.on("end", () => {
    const body = JSON.stringify(reply[1]);
    res.writeHead(reply[0], { "Content-Type": "application/json; charset=utf-8" });
    res.end(body);
  });
});
await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
const api = new ClientService({
  publicId: "pk_scan", privateKey: "secret", endpoint: `http://127.0.0.1:${server.address().port}`,
}).getClientApi();

const day = { Date: "2030-01-01", TimeZone: "UTC" };
const pay = { Amount: 1, IpAddress: "::1", CardCryptogramPacket: "p", Token: "t", AccountId: "a" };
const METHODS = {
  "payments/cards/charge": [["chargeCryptogramPayment", () => api.chargeCryptogramPayment(pay)]],
  "payments/cards/auth": [["authorizeCryptogramPayment", () => api.authorizeCryptogramPayment(pay)]],
  "payments/tokens/charge": [["chargeTokenPayment", () => api.chargeTokenPayment(pay)]],
  "payments/tokens/auth": [["authorizeTokenPayment", () => api.authorizeTokenPayment(pay)]],
  "payments/cards/post3ds": [["confirm3DSPayment", () => api.confirm3DSPayment({ TransactionId: 1, PaRes: "x" })]],
  "payments/confirm": [["confirmPayment", () => api.confirmPayment({ TransactionId: 1, Amount: 1 })]],
  "payments/refund": [["refundPayment", () => api.refundPayment({ TransactionId: 1, Amount: 1 })]],
  "payments/void": [["voidPayment", () => api.voidPayment({ TransactionId: 1 })]],
  "payments/get": [["getPayment", () => api.getPayment({ TransactionId: 1 })]],
  "payments/find": [["findPaymentByInvoiceId", () => api.findPaymentByInvoiceId({ InvoiceId: "1" })]],
  "payments/list": [["getPaymentList", () => api.getPaymentList(day)], ["getPaymentsList", () => api.getPaymentsList(day)]],
  "orders/create": [["createOrder", () => api.createOrder({ Amount: 1, Currency: "RUB", Description: "d" })]],
  "subscriptions/create": [["createSubscription", () => api.createSubscription({ Token: "t" })]],
  "subscriptions/update": [["updateSubscription", () => api.updateSubscription({ Id: "sc_1" })]],
  "subscriptions/cancel": [["cancelSubscription", () => api.cancelSubscription({ Id: "sc_1" })]],
  "subscriptions/get": [["getSubscription", () => api.getSubscription({ Id: "sc_1" })]],
  "subscriptions/find": [["getSubscriptionsList", () => api.getSubscriptionsList({ AccountId: "a" })]],
  test: [["ping", () => api.ping()]],
};

function verdict(shape, response) {
  const body = shape.body;
  const model = body.Model;
  if (response.isSuccess() !== body.Success) return `isSuccess() ${response.isSuccess()}`;
  if (!body.Success && model?.Status && model.ReasonCode === 0) return "a decline with ReasonCode 0";
  if (response instanceof PaymentWith3DSClientResponse) {
    if (model?.AcsUrl && !response.isPayment3DSResponse()) return "isPayment3DSResponse() false";
    if (body.Success && !response.isPaymentSuccessResponse()) return "isPaymentSuccessResponse() false";
  }
  if (response instanceof PaymentHistoryClientResponse && body.Success
    && response.getPayments().length !== model.length) return "getPayments() lost items";
  return "";
}

const failures = new Map();
const counts = new Map();
for (const shape of shapes) {
  const targets = shape.http >= 400 ? Object.values(METHODS).flat() : METHODS[shape.endpoint] ?? [];
  for (const [label, call] of targets) {
    reply = [shape.http, shape.body];
    counts.set(shape.endpoint, (counts.get(shape.endpoint) ?? 0) + 1);
    let why;
    try {
      why = verdict(shape, await call());
    } catch (e) {
      why = `threw ${e.name}: ${e.message}`;
    }
    if (why) {
      const list = failures.get(shape.endpoint) ?? [];
      list.push(`${shape.case} → ${label}: ${why}`);
      failures.set(shape.endpoint, list);
    }
  }
}
server.close();
for (const [endpoint, count] of counts) {
  await check(`scan npm cloudpayments: ${endpoint}: ${count} replies`, async () => {
    const list = failures.get(endpoint);
    if (list) throw new Error(list.join("; "));
  });
}
finish("compat-node-scan");
