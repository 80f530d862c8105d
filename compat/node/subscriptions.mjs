// Subscriptions driven by the unmodified npm `cloudpayments` client against a running Oblako:
// createSubscription, getSubscription, getSubscriptionsList (subscriptions/find),
// updateSubscription and cancelSubscription, each answer read through the library's
// ClientResponse.
//
// Usage: node subscriptions.mjs BASE_URL PUBLIC_ID API_SECRET OBLAKO_BIN
// Prints `ok   <step>` / `FAIL <step>: <why>` per check and a closing
// `compat-node-subscriptions: N passed, N failed` line; exits 1 on a failure.

import { resolve } from "node:path";

import cloudpayments from "cloudpayments";

import { assert, brief, check, cryptogramOf, finish, needs } from "./checks.mjs";

const { ClientService } = cloudpayments;

const [baseArg, publicId, apiSecret, binArg] = process.argv.slice(2);
if (!baseArg || !publicId || !apiSecret || !binArg) {
  console.error("usage: node subscriptions.mjs BASE_URL PUBLIC_ID API_SECRET OBLAKO_BIN");
  process.exit(2);
}
const baseUrl = baseArg.replace(/\/+$/, "");
const oblako = resolve(binArg);
const ACCOUNT = "node-sub-user";
const api = new ClientService({ publicId, privateKey: apiSecret, endpoint: baseUrl }).getClientApi();
const state = {};

await check("a token from a card payment", async () => {
  const response = await api.chargeCryptogramPayment({
    Amount: 1,
    Currency: "RUB",
    IpAddress: "127.0.0.1",
    AccountId: ACCOUNT,
    CardCryptogramPacket: cryptogramOf(oblako, baseUrl, publicId, "4000000000003055"),
  });
  state.token = response.getResponse().Model.Token;
  assert(state.token, brief(response));
});

await check("createSubscription answers the model, Active", async () => {
  const start = new Date(Date.now() + 3 * 24 * 3600 * 1000);
  start.setUTCMilliseconds(0);
  const response = await api.createSubscription({
    Token: needs(state.token, "the token"),
    AccountId: ACCOUNT,
    Description: "Monthly plan",
    Email: "payer@example.com",
    Amount: 399,
    Currency: "RUB",
    RequireConfirmation: false,
    StartDate: start.toISOString(),
    Interval: "Month",
    Period: 1,
  });
  const m = response.getResponse().Model;
  assert(response.isSuccess() && m.Status === "Active" && m.StatusCode === 0, brief(response));
  assert(m.NextTransactionDateIso === start.toISOString().slice(0, 19), brief(response));
  state.id = m.Id;
});

await check("getSubscription and getSubscriptionsList", async () => {
  const id = needs(state.id, "the subscription");
  const got = await api.getSubscription({ Id: id });
  assert(got.isSuccess() && got.getResponse().Model.Id === id, brief(got));
  const list = await api.getSubscriptionsList({ accountId: ACCOUNT });
  const ids = list.getResponse().Model.map((s) => s.Id);
  assert(list.isSuccess() && ids.length === 1 && ids[0] === id, brief(list));
});

await check("updateSubscription replaces the amount", async () => {
  const response = await api.updateSubscription({ Id: needs(state.id, "the subscription"), Amount: 499 });
  assert(response.isSuccess() && response.getResponse().Model.Amount === 499, brief(response));
});

await check("cancelSubscription, then Cancelled", async () => {
  const id = needs(state.id, "the subscription");
  const response = await api.cancelSubscription({ Id: id });
  assert(response.isSuccess() && response.getMessage() === null, brief(response));
  const got = await api.getSubscription({ Id: id });
  const m = got.getResponse().Model;
  assert(m.Status === "Cancelled" && m.NextTransactionDate === null, brief(got));
});

await check("a Period of 0 is refused with its message", async () => {
  const response = await api.createSubscription({
    Token: needs(state.token, "the token"), AccountId: ACCOUNT, Description: "x", Amount: 1,
    Currency: "RUB", RequireConfirmation: false,
    StartDate: new Date(Date.now() + 3600 * 1000).toISOString(), Interval: "Day", Period: 0,
  });
  assert(!response.isSuccess() && response.getMessage() === "Period must be greater than 0", brief(response));
});

finish("compat-node-subscriptions");
