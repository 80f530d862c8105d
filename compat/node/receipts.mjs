// Receipts (54-FZ, spec §3.28, §5 Receipt) with the unmodified npm `cloudpayments` library.
//
// Usage: node receipts.mjs BASE_URL PUBLIC_ID API_SECRET OBLAKO_BIN SITE_ID
// Needs `oblako serve` (its workers fiscalise receipts and deliver notifications). The site's
// Receipt notification is set with `OBLAKO_BIN site notification-set --kind Receipt` (not settable
// through the API, as on CloudPayments) to the receiver of notifications.mjs, whose every request
// goes through the library's own `handleReceiptRequest` (its Content-HMAC check). Then:
// `ReceiptApi.createReceipt` queues an Income receipt; a card charge carrying
// `JsonData.cloudPayments.customerReceipt` (through the library's `chargeCryptogramPayment`) gets
// an automatic one; each Receipt notification is accepted by the library with the fiscal fields.
// Prints `ok`/`FAIL` per check and `compat-node-receipts: N passed, N failed`; exits 1 on failure.

import { execFileSync } from "node:child_process";
import { resolve } from "node:path";

import cloudpayments from "cloudpayments";

import { assert, brief, check, cryptogramOf, finish, needs } from "./checks.mjs";
import { startReceiver } from "./notifications.mjs";

const { ClientService } = cloudpayments;

const [baseArg, publicId, apiSecret, binArg, siteId] = process.argv.slice(2);
if (!baseArg || !publicId || !apiSecret || !binArg || !siteId) {
  console.error("usage: node receipts.mjs BASE_URL PUBLIC_ID API_SECRET OBLAKO_BIN SITE_ID");
  process.exit(2);
}
const baseUrl = baseArg.replace(/\/+$/, "");
const oblako = resolve(binArg);
const INN = "7707083893";
const WAIT_MS = 15_000;

const service = new ClientService({ publicId, privateKey: apiSecret, endpoint: baseUrl });
const receipts = service.getReceiptApi();
const api = service.getClientApi();

const cli = (args) =>
  execFileSync(oblako, args, { encoding: "utf8", env: process.env, stdio: ["ignore", "pipe", "pipe"] });

async function acceptedReceipt(receiver, match, what) {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const hit = receiver.accepted.find((a) => a.kind === "receipt" && match(a.request));
    if (hit) return hit.request;
    if (Date.now() >= deadline) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no Receipt notification for ${what} within ${WAIT_MS} ms; rejected ` +
    JSON.stringify(receiver.rejected));
}

const receiver = await startReceiver(publicId, apiSecret);
const state = {};
const items = (amount) => [{ label: "Товар", price: amount, quantity: 1, amount, vat: 20, method: 4, object: 1 }];
try {
  await check("Receipt notifications set with `oblako site notification-set --kind Receipt`", async () => {
    cli(["site", "notification-set", "--site", siteId, "--kind", "Receipt",
      "--url", `${receiver.url}/receipt`, "--method", "POST"]);
    state.on = true;
    await new Promise((r) => setTimeout(r, 1500)); // the server's settings cache (1 s)
  });

  await check("ReceiptApi.createReceipt queues an Income receipt", async () => {
    const response = await receipts.createReceipt(
      { Inn: INN, Type: "Income", InvoiceId: "compat-receipt-1", AccountId: "compat" },
      { Items: items(150), taxationSystem: 0, email: "" },
    );
    const body = response.getResponse();
    assert(body.Success === true && body.Message === "Queued", `answered ${brief(response)}`);
    assert(body.Model.ErrorCode === 0 && body.Model.Id, `model ${brief(response)}`);
    state.receipt = body.Model.Id;
  });

  await check("its Receipt notification is accepted by the library's handleReceiptRequest", async () => {
    const id = needs(state.receipt, "the receipt");
    const request = await acceptedReceipt(receiver, (r) => r.Id === id, `receipt ${id}`);
    assert(request.Type === "Income" && request.Inn === INN, `Type/Inn ${request.Type} ${request.Inn}`);
    assert(Number(request.Amount) === 150, `Amount ${request.Amount}`);
    assert(/^\d+$/.test(String(request.FiscalSign)), `FiscalSign ${request.FiscalSign}`);
    assert(String(request.Url).endsWith(`/r/${id}`), `Url ${request.Url}`);
    assert(request.InvoiceId === "compat-receipt-1", `InvoiceId ${request.InvoiceId}`);
  });

  await check("a card charge with JsonData.cloudPayments.customerReceipt gets an Income receipt", async () => {
    const response = await api.chargeCryptogramPayment({
      Amount: 75.5, Currency: "RUB", IpAddress: "127.0.0.1", InvoiceId: "compat-receipt-2",
      CardCryptogramPacket: cryptogramOf(oblako, baseUrl, publicId, "4000000000003055"),
      JsonData: { cloudPayments: { customerReceipt: { Items: items(75.5), taxationSystem: 0 } } },
    });
    assert(response.isPaymentSuccessResponse() === true, `charge answered ${brief(response)}`);
    const id = response.getResponse().Model.TransactionId;
    const request = await acceptedReceipt(receiver, (r) => String(r.TransactionId) === String(id),
      `TransactionId ${id}`);
    assert(request.Type === "Income" && Number(request.Amount) === 75.5, `${request.Type} ${request.Amount}`);
    assert(JSON.parse(request.Receipt).Items[0].label === "Товар", `Receipt ${request.Receipt}`);
  });

  await check("nothing Oblako sent was rejected by the library", async () => {
    assert(receiver.rejected.length === 0, `rejected ${JSON.stringify(receiver.rejected)}`);
  });
} finally {
  if (state.on) {
    try {
      cli(["site", "notification-set", "--site", siteId, "--kind", "Receipt", "--disable"]);
    } catch (e) {
      console.log(`note: could not disable Receipt notifications: ${e.message}`);
    }
  }
  await receiver.close?.();
}
finish("compat-node-receipts");
