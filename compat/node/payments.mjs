// Payments on the emulated bank, driven by the unmodified npm `cloudpayments` client
// (izatop/cloudpayments, pinned in package.json) against a running Oblako in test mode.
//
// Usage: node payments.mjs BASE_URL PUBLIC_ID API_SECRET OBLAKO_BIN
// OBLAKO_BIN is the oblako binary; card cryptograms come from `OBLAKO_BIN cryptogram ... --base-url
// BASE_URL`, which fetches the gateway's public key over HTTP (the environment, OBLAKO_DATA_DIR
// included, is passed on unchanged). Prints `ok   <step>` / `FAIL <step>: <why>` per check and a
// closing `compat-node-payments: N passed, N failed` line; exits 1 on a failure. Only talks HTTP to
// 127.0.0.1 (the Oblako under test).
//
// Every step goes through ClientApi's public methods and is read through the library's response
// classes (PaymentWith3DSClientResponse, PaymentClientResponse, PaymentHistoryClientResponse,
// ClientResponse) and its constants (TransactionStatus, ErrorCodes, ErrorCodesTranscript). The
// library has no method for /payments/tokens/list, /v2/payments/find or /v2/payments/list; those
// go through the request function every ClientApi method uses, `call(path, data)` (see
// foundation.mjs), and their answers are still wrapped in the library's ClientResponse.

import { resolve } from "node:path";

import cloudpayments from "cloudpayments";

import { assert, brief, check, cryptogramOf, finish, needs } from "./checks.mjs";

const {
  ClientService,
  ClientResponse,
  ErrorCodes,
  ErrorCodesTranscript,
  TransactionStatus,
} = cloudpayments;

const [baseArg, publicId, apiSecret, binArg] = process.argv.slice(2);
if (!baseArg || !publicId || !apiSecret || !binArg) {
  console.error("usage: node payments.mjs BASE_URL PUBLIC_ID API_SECRET OBLAKO_BIN");
  process.exit(2);
}
const baseUrl = baseArg.replace(/\/+$/, "");
const oblako = resolve(binArg);

const CARD_OK = "4000000000003055"; // no 3-DS, approved; token payments approved
const CARD_NO_FUNDS = "4000056655665556"; // no 3-DS, declined 5051
const CARD_3DS = "4242424242424242"; // 3-DS challenge, approved
const ACCOUNT = "compat-user";
const INVOICE = "compat-inv-1";
const TODAY_UTC = new Date().toISOString().slice(0, 10);

const api = new ClientService({ publicId, privateKey: apiSecret, endpoint: baseUrl }).getClientApi();

function cryptogram(card) {
  return cryptogramOf(oblako, baseUrl, publicId, card);
}

/** CryptogramPaymentRequest, as typed by the library. */
const cardPayment = (card, Amount, extra = {}) => ({
  Amount,
  Currency: "RUB",
  IpAddress: "127.0.0.1",
  CardCryptogramPacket: cryptogram(card),
  ...extra,
});

/** Asserts an approved PaymentClientResponse (or PaymentWith3DSClientResponse); returns its Model. */
function approved(response, status) {
  assert(response.isSuccess() === true, `Success is not true: ${brief(response)}`);
  assert(response.isPaymentSuccessResponse() === true, `not a payment success: ${brief(response)}`);
  const model = response.getResponse().Model;
  assert(model.Status === status, `Status ${model.Status}, expected ${status}`);
  return model;
}

/**
 * /payments/get through the client; returns the Model. `Success` follows the transaction as for
 * the payment methods: true for Authorized/Completed, false (with the model) otherwise.
 */
async function statusOf(TransactionId) {
  const response = await api.getPayment({ TransactionId });
  const model = response.getResponse().Model;
  assert(model && model.TransactionId === TransactionId, `get answered ${brief(response)}`);
  // Success:false only for a decline, never with ReasonCode 0 (docs/protocol.md).
  const declined = model.Status === TransactionStatus.Declined;
  assert(
    response.isSuccess() === !declined && (declined ? model.ReasonCode !== 0 : model.ReasonCode === 0),
    `get: Success ${response.isSuccess()} with Status ${model.Status}, ReasonCode ${model.ReasonCode}`,
  );
  return model;
}

// Minimal HTML reading for the ACS pages: <form action> and <input name value> pairs.
const unescapeHtml = (s) =>
  s
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&#x27;/g, "'")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");

function attr(tag, name) {
  const m = tag.match(new RegExp(`\\s${name}="([^"]*)"`, "i"));
  return m ? unescapeHtml(m[1]) : null;
}

function readForm(html) {
  const form = html.match(/<form\b[^>]*>/i);
  assert(form, `no <form> in the page: ${html.slice(0, 200)}`);
  const fields = {};
  for (const [input] of html.matchAll(/<input\b[^>]*>/gi)) {
    const name = attr(input, "name");
    if (name !== null) fields[name] = attr(input, "value") ?? "";
  }
  return { action: attr(form[0], "action"), method: attr(form[0], "method"), fields };
}

async function postForm(url, fields) {
  const target = new URL(url);
  assert(target.hostname === "127.0.0.1", `refusing to post outside loopback: ${url}`);
  const response = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(fields).toString(),
    redirect: "manual",
  });
  const html = await response.text();
  assert(response.status === 200, `${url} answered ${response.status}: ${html.slice(0, 200)}`);
  return html;
}

const state = {};

// 1. One-stage charge by cryptogram: approved, Completed, with a card token.
await check("1 cryptogram charge (4000000000003055, 10.5) is Completed with a Token", async () => {
  const response = await api.chargeCryptogramPayment(
    cardPayment(CARD_OK, 10.5, { AccountId: ACCOUNT, InvoiceId: INVOICE }),
  );
  const model = approved(response, TransactionStatus.Completed);
  assert(response.isPayment3DSResponse() === false, "reported as a 3-DS response");
  assert(model.Amount === 10.5, `Amount ${model.Amount}`);
  assert(model.AccountId === ACCOUNT && model.InvoiceId === INVOICE, `ids ${brief(response)}`);
  assert(typeof model.Token === "string" && model.Token.length > 0, `no Token: ${brief(response)}`);
  state.charge = model.TransactionId;
  state.token = model.Token;
});

// 2. Insufficient funds: Success:false with the full model and ReasonCode 5051.
await check("2 decline (4000056655665556) is a failed payment with ReasonCode 5051", async () => {
  const response = await api.chargeCryptogramPayment(cardPayment(CARD_NO_FUNDS, 10.5));
  assert(response.isSuccess() === false, `Success is not false: ${brief(response)}`);
  assert(response.isPaymentSuccessResponse() === false, "reported as a payment success");
  assert(response.isPayment3DSResponse() === false, "reported as a 3-DS response");
  const model = response.getResponse().Model;
  assert(model && typeof model.TransactionId === "number", `no model: ${brief(response)}`);
  assert(model.ReasonCode === ErrorCodes.InsufficientFunds, `ReasonCode ${model.ReasonCode}`);
  assert(model.Status === TransactionStatus.Declined, `Status ${model.Status}`);
  assert(
    model.CardHolderMessage === ErrorCodesTranscript[ErrorCodes.InsufficientFunds],
    `CardHolderMessage ${JSON.stringify(model.CardHolderMessage)} differs from the library's ` +
      `transcript ${JSON.stringify(ErrorCodesTranscript[ErrorCodes.InsufficientFunds])}`,
  );
});

// 3. 3-D Secure: the challenge model, the ACS pages over HTTP (this script is the browser), then
// post3ds through the client with the PaRes the ACS handed back.
await check("3 3-D Secure (4242424242424242): ACS pass, then post3ds completes", async () => {
  const challenge = await api.chargeCryptogramPayment(cardPayment(CARD_3DS, 7.25));
  assert(challenge.isPayment3DSResponse() === true, `not a 3-DS response: ${brief(challenge)}`);
  const { TransactionId, PaReq, AcsUrl } = challenge.getResponse().Model;
  const termUrl = `${baseUrl}/compat-node/term`; // never requested: the script reads the form itself

  const acsPage = readForm(await postForm(AcsUrl, { PaReq, MD: String(TransactionId), TermUrl: termUrl }));
  assert(acsPage.action === `${baseUrl}/acs/submit`, `ACS form posts to ${acsPage.action}`);
  assert(acsPage.fields.PaReq === PaReq, "ACS form lost the PaReq");
  assert(acsPage.fields.MD === String(TransactionId), `ACS form MD ${acsPage.fields.MD}`);
  assert(acsPage.fields.TermUrl === termUrl, `ACS form TermUrl ${acsPage.fields.TermUrl}`);

  const submitted = await postForm(`${baseUrl}/acs/submit`, {
    PaReq: acsPage.fields.PaReq,
    MD: acsPage.fields.MD,
    TermUrl: acsPage.fields.TermUrl,
    code: "1234",
    outcome: "pass",
  });
  const back = readForm(submitted);
  assert(back.action === termUrl, `return form posts to ${back.action}, expected the TermUrl`);
  assert(back.fields.MD === String(TransactionId), `return form MD ${back.fields.MD}`);
  const PaRes = back.fields.PaRes;
  assert(PaRes, `no PaRes in the ACS answer: ${submitted.slice(0, 300)}`);

  const response = await api.confirm3DSPayment({ TransactionId, PaRes });
  const model = approved(response, TransactionStatus.Completed);
  assert(model.TransactionId === TransactionId, `post3ds answered TransactionId ${model.TransactionId}`);
});

// 4. Two-stage: auth 10, confirm 6 (partial capture), then get shows Completed.
await check("4 auth (4000000000003055, 10) is Authorized", async () => {
  const response = await api.authorizeCryptogramPayment(cardPayment(CARD_OK, 10));
  state.auth = approved(response, TransactionStatus.Authorized).TransactionId;
});

await check("4 partial confirm 6 succeeds and get reports Completed", async () => {
  const TransactionId = needs(state.auth, "the step 4 authorization");
  const response = await api.confirmPayment({ TransactionId, Amount: 6 });
  assert(response.isSuccess() === true, `confirm answered ${brief(response)}`);
  assert(response.getMessage() === null, `Message ${JSON.stringify(response.getMessage())}`);
  const model = await statusOf(TransactionId);
  assert(model.Status === TransactionStatus.Completed, `get: Status ${model.Status}`);
});

// 5. Two-stage: auth, void, then get shows Cancelled. 20 RUB: the documented CloudPayments rule
// refuses voids of authorizations of 10 RUB or less within 24 hours.
await check("5 auth (20) then void succeeds and get reports Cancelled", async () => {
  const auth = await api.authorizeCryptogramPayment(cardPayment(CARD_OK, 20));
  const { TransactionId } = approved(auth, TransactionStatus.Authorized);
  const response = await api.voidPayment({ TransactionId });
  assert(response.isSuccess() === true, `void answered ${brief(response)}`);
  const model = await statusOf(TransactionId);
  assert(model.Status === TransactionStatus.Cancelled, `get: Status ${model.Status}`);
});

// 6. Token charge with step 1's token. TrInitiatorCode is not in the library's
// TokenPaymentRequest typing; plain JavaScript passes it through unchanged.
await check("6 token charge with step 1's token completes", async () => {
  const Token = needs(state.token, "the step 1 token");
  const response = await api.chargeTokenPayment({
    Token,
    AccountId: ACCOUNT,
    Amount: 3,
    Currency: "RUB",
    TrInitiatorCode: 0,
    PaymentScheduled: 0,
  });
  const model = approved(response, TransactionStatus.Completed);
  assert(model.Token === Token, `Token ${model.Token}`);
  assert(model.TransactionId !== state.charge, "the token charge reused step 1's TransactionId");
});

// 7. Refunds of step 1's 10.5: 4 and 5 go through, 2 more would exceed what is left (1.5).
const refunds = [];
for (const amount of [4, 5]) {
  await check(`7 refund ${amount} of step 1's payment gives a new TransactionId`, async () => {
    const TransactionId = needs(state.charge, "the step 1 payment");
    const response = await api.refundPayment({ TransactionId, Amount: amount });
    assert(response.isSuccess() === true, `refund answered ${brief(response)}`);
    const refundId = response.getResponse().Model?.TransactionId;
    assert(typeof refundId === "number", `no Model.TransactionId: ${brief(response)}`);
    assert(refundId !== TransactionId && !refunds.includes(refundId), `refund id ${refundId} reused`);
    refunds.push(refundId);
  });
}

await check("7 refund 2 more (only 1.5 left) is refused", async () => {
  const TransactionId = needs(state.charge, "the step 1 payment");
  const response = await api.refundPayment({ TransactionId, Amount: 2 });
  assert(response.isSuccess() === false, `refund answered ${brief(response)}`);
  const message = response.getMessage() || "";
  assert(/refund/i.test(message) && /amount/i.test(message), `Message ${JSON.stringify(message)}`);
});

// 8. Reading back.
await check("8 get of step 1's payment", async () => {
  const TransactionId = needs(state.charge, "the step 1 payment");
  const model = await statusOf(TransactionId);
  assert(model.Status === TransactionStatus.Completed, `Status ${model.Status}`);
  assert(model.InvoiceId === INVOICE && model.Token === state.token, `model ${JSON.stringify(model)}`);
  assert(model.Refunded === true, `Refunded ${model.Refunded} after two partial refunds`);
});

await check(`8 find by InvoiceId "${INVOICE}" returns step 1's payment`, async () => {
  const TransactionId = needs(state.charge, "the step 1 payment");
  const response = await api.findPaymentByInvoiceId({ InvoiceId: INVOICE });
  assert(response.isPaymentSuccessResponse() === true, `find answered ${brief(response)}`);
  const model = response.getResponse().Model;
  assert(model.TransactionId === TransactionId, `found TransactionId ${model.TransactionId}`);
});

await check(`8 list for ${TODAY_UTC} (UTC) contains step 1's payment`, async () => {
  const TransactionId = needs(state.charge, "the step 1 payment");
  const response = await api.getPaymentsList({ Date: TODAY_UTC, TimeZone: "UTC" });
  assert(response.isSuccess() === true, `list answered ${brief(response)}`);
  const ids = response.getPayments().map((p) => p.TransactionId);
  assert(ids.includes(TransactionId), `TransactionIds ${JSON.stringify(ids)}`);
  // Not used: getSuccessPayments() / getFailPayments(). In 6.0.1 they pass the static
  // PaymentClientResponse.isPaymentSuccessResponse to Array#filter unbound, so its `this.has`
  // throws "Cannot read properties of undefined (reading 'has')" for any non-empty list.
  for (const id of refunds) assert(ids.includes(id), `refund ${id} missing from ${JSON.stringify(ids)}`);
});

// No ClientApi method for /payments/tokens/list: the library's own request function.
await check("8 tokens list (no library method; api.call) contains step 1's token", async () => {
  const Token = needs(state.token, "the step 1 token");
  const response = new ClientResponse(await api.call("/payments/tokens/list", { PageNumber: 1 }));
  assert(response.isSuccess() === true, `tokens/list answered ${brief(response)}`);
  const tokens = response.getResponse().Model || [];
  const record = tokens.find((t) => t.Token === Token);
  assert(record, `tokens ${JSON.stringify(tokens)}`);
  assert(record.AccountId === ACCOUNT, `AccountId ${record.AccountId}`);
  assert(/^4000 00\*+ 3055$/.test(record.CardMask || ""), `CardMask ${record.CardMask}`);
});

// No ClientApi method for /v2/payments/find (searches all operation types, refunds included).
await check(`8 v2 find by InvoiceId "${INVOICE}" (no library method; api.call)`, async () => {
  needs(state.charge, "the step 1 payment");
  const response = new ClientResponse(await api.call("/v2/payments/find", { InvoiceId: INVOICE }));
  assert(response.isSuccess() === true, `v2/payments/find answered ${brief(response)}`);
  const model = response.getResponse().Model;
  const known = [state.charge, ...refunds];
  assert(known.includes(model?.TransactionId), `found ${model?.TransactionId}, expected one of ${known}`);
  assert(model.InvoiceId === INVOICE, `InvoiceId ${model.InvoiceId}`);
});

// No ClientApi method for /v2/payments/list (a period, paged).
await check(`8 v2 list for ${TODAY_UTC} (no library method; api.call) contains step 1's payment`, async () => {
  const TransactionId = needs(state.charge, "the step 1 payment");
  const response = new ClientResponse(
    await api.call("/v2/payments/list", {
      CreatedDateGte: `${TODAY_UTC}T00:00:00+00:00`,
      CreatedDateLte: `${TODAY_UTC}T23:59:59+00:00`,
      PageNumber: 1,
      TimeZone: "UTC",
    }),
  );
  assert(response.isSuccess() === true, `v2/payments/list answered ${brief(response)}`);
  const ids = (response.getResponse().Model || []).map((p) => p.TransactionId);
  assert(ids.includes(TransactionId), `TransactionIds ${JSON.stringify(ids)}`);
});

finish("compat-node-payments");
