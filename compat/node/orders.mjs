// Orders (payment links) driven by the unmodified npm `cloudpayments` client against a running
// Oblako: createOrder, its answer read through the library's ClientResponse, the link it returns
// opened over HTTP, and a refused request. The library has no orders/cancel method; the PyPI
// scenario (compat/python/orders.py) cancels one.
//
// Usage: node orders.mjs BASE_URL PUBLIC_ID API_SECRET
// Prints `ok   <step>` / `FAIL <step>: <why>` per check and a closing
// `compat-node-orders: N passed, N failed` line; exits 1 on a failure.

import cloudpayments from "cloudpayments";

import { assert, brief, check, finish, needs } from "./checks.mjs";

const { ClientService } = cloudpayments;

const [baseArg, publicId, apiSecret] = process.argv.slice(2);
if (!baseArg || !publicId || !apiSecret) {
  console.error("usage: node orders.mjs BASE_URL PUBLIC_ID API_SECRET");
  process.exit(2);
}
const baseUrl = baseArg.replace(/\/+$/, "");
const api = new ClientService({ publicId, privateKey: apiSecret, endpoint: baseUrl }).getClientApi();
const state = {};

await check("createOrder answers the order model, Created, with its link", async () => {
  const response = await api.createOrder({
    Amount: 250.5,
    Currency: "RUB",
    Description: "Node order",
    Email: "payer@example.com",
    RequireConfirmation: false,
    SendEmail: false,
    InvoiceId: "node-order-1",
    AccountId: "node-order-user",
  });
  const m = response.getResponse().Model;
  assert(response.isSuccess() && m && m.Status === "Created" && m.StatusCode === 0, brief(response));
  assert(m.Amount === 250.5 && m.Currency === "RUB" && m.Description === "Node order", brief(response));
  assert(typeof m.Url === "string" && m.Url.startsWith(`${baseUrl}/d/`) && m.Url.endsWith(m.Id), brief(response));
  state.url = m.Url;
});

await check("the link opens the order page", async () => {
  const page = await fetch(needs(state.url, "the order's Url"));
  const html = await page.text();
  // The amount is written for the page's language ("250,50 ₽" in Russian, "RUB 250.50" in English).
  const amount = html.includes("250,50") || html.includes("250.50");
  assert(page.status === 200 && html.includes("Node order") && amount, `${page.status}`);
});

await check("an order without Amount is refused in the envelope", async () => {
  const response = await api.createOrder({ Currency: "RUB", Description: "No amount" });
  assert(!response.isSuccess() && typeof response.getMessage() === "string" && response.getMessage().length > 0, brief(response));
});

finish("compat-node-orders");
