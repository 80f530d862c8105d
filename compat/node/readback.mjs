// The unmodified npm `cloudpayments` client reading back a payment in every status
// (../shared/statuses.py) with getPayment, findPaymentByInvoiceId and getPaymentsList, through the
// library's response classes.
//
// Usage: node readback.mjs BASE_URL PUBLIC_ID API_SECRET STATUSES.json
// The library never throws on `Success:false`; `isSuccess()` must be false for a decline only,
// with the model still there, and true for every other status, `Cancelled` included (see
// docs/protocol.md). Prints `ok`/`FAIL` per check and a closing line; exits 1 on a failure.

import { readFileSync } from "node:fs";

import cloudpayments from "cloudpayments";

import { assert, brief, check, finish } from "./checks.mjs";

const { ClientService, TransactionStatus } = cloudpayments;

const [baseArg, publicId, apiSecret, statusesFile] = process.argv.slice(2);
if (!baseArg || !publicId || !apiSecret || !statusesFile) {
  console.error("usage: node readback.mjs BASE_URL PUBLIC_ID API_SECRET STATUSES.json");
  process.exit(2);
}
const api = new ClientService({ publicId, privateKey: apiSecret, endpoint: baseArg.replace(/\/+$/, "") })
  .getClientApi();
const made = JSON.parse(readFileSync(statusesFile, "utf8"));

function agrees(response, payment, what) {
  const model = response.getResponse().Model;
  assert(response.isSuccess() === payment.success, `${what}: isSuccess() ${brief(response)}`);
  assert(model && model.TransactionId === payment.id, `${what}: ${brief(response)}`);
  assert(model.Status === payment.status && model.ReasonCode === payment.reason, `${what}: ${brief(response)}`);
  assert(Object.values(TransactionStatus).includes(model.Status), `${what}: status not in the library's enum`);
}

for (const [name, payment] of Object.entries(made)) {
  await check(`${name}: ${payment.status} ${payment.reason} read back, isSuccess() ${payment.success}`, async () => {
    agrees(await api.getPayment({ TransactionId: payment.id }), payment, "getPayment");
    agrees(await api.findPaymentByInvoiceId({ InvoiceId: payment.invoice }), payment, "findPaymentByInvoiceId");
  });
}

await check("getPaymentsList lists every status", async () => {
  const response = await api.getPaymentsList({ Date: new Date().toISOString().slice(0, 10), TimeZone: "UTC" });
  const listed = new Map(response.getPayments().map((p) => [p.TransactionId, p]));
  for (const [name, payment] of Object.entries(made)) {
    assert(listed.get(payment.id)?.Status === payment.status, `${name}: ${brief(listed.get(payment.id))}`);
  }
});

finish("compat-node-readback");
