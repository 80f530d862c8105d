// Browser test of the payer's subscription page (docs/subscriptions.md, "Paying with another
// card"): a subscription whose first charge is declined by the running billing worker is PastDue;
// its page, opened from a link the CLI prints, takes another card through the shared card form and
// /checkout.js, shows a decline for another try, then pays through the ACS page and comes back.
import { execFileSync } from "node:child_process";
import { assert, equal, payWithCard } from "./lib.mjs";

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The subscription page's tests; `call` is the site's API client, `shot` takes a screenshot. */
export function subscriptionTests({ base, publicId, call, shot }) {
  const bin = process.env.OBLAKO_E2E_BIN, site = process.env.OBLAKO_E2E_SITE;
  const cli = (...args) => execFileSync(bin, args, { encoding: "utf8" }).trim();

  async function pastDue() {
    // 4111 1111 1111 1111 is approved as a card and declined as a token (spec §8).
    const packet = cli("cryptogram", "--public-id", publicId, "--card", "4111111111111111", "--exp", "12/30",
      "--cvv", "123", "--base-url", base);
    const account = `acc-sub-${Date.now()}`;
    const paid = await call("/payments/cards/charge", { Amount: 10, CardCryptogramPacket: packet, AccountId: account,
      IpAddress: "127.0.0.1" });
    assert(paid.Success && paid.Model.Token, `setup payment: ${JSON.stringify(paid)}`);
    const start = new Date(Date.now() + 1500).toISOString().replace(/\.\d+Z$/, "Z");
    const made = await call("/subscriptions/create", { Token: paid.Model.Token, AccountId: account,
      Description: "E2E plan", Amount: 199, Currency: "RUB", StartDate: start, Interval: "Month", Period: 1,
      CultureName: "en-US" });
    assert(made.Success, `subscriptions/create: ${JSON.stringify(made)}`);
    const id = made.Model.Id;
    // `oblako serve` bills every 5 s.
    for (let i = 0; i < 60; i++) {
      const got = await call("/subscriptions/get", { Id: id });
      if (got.Model.Status === "PastDue") return { id, token: paid.Model.Token };
      await sleep(500);
    }
    throw new Error(`subscription ${id} never became PastDue`);
  }

  return {
    async "subscription-page-pays-past-due-with-another-card"({ page }) {
      assert(bin && site, "OBLAKO_E2E_BIN and OBLAKO_E2E_SITE (set by run.sh)");
      const { id } = await pastDue();
      const link = cli("site", "subscription-link", "--site", site, "--id", id);
      assert(link.includes("/my/"), `link: ${link}`);
      await page.goto(link);
      equal(await page.locator("#status").getAttribute("class"), "PastDue", "status before");
      equal(await page.locator("#card-title").textContent(), "Pay with another card", "form title");
      await shot(page, "subscription-page-pays-past-due-with-another-card.1-form");

      await payWithCard(page, "4000 0566 5566 5556");
      await page.locator("#outcome.failed").waitFor({ timeout: 15000 });
      assert((await page.locator("#outcome").textContent()).startsWith("Payment declined: "), "decline shown");
      equal((await call("/subscriptions/get", { Id: id })).Model.Status, "PastDue", "still PastDue");

      await payWithCard(page, "5555 5555 5555 4444");
      await page.locator("button.pass").waitFor({ timeout: 15000 });
      await shot(page, "subscription-page-pays-past-due-with-another-card.2-acs");
      await page.locator("button.pass").click();
      await page.locator("#outcome.done").waitFor({ timeout: 15000 });
      equal(await page.locator("#outcome").textContent(), "Payment successful. Later charges will use the new card.",
        "outcome");
      equal(await page.locator("#status").getAttribute("class"), "Active", "status after");
      const m = (await call("/subscriptions/get", { Id: id })).Model;
      equal(m.Status, "Active", "API status");
      equal(m.SuccessfulTransactionsNumber, 1, "the payment counts as the due charge");
      equal(m.FailedTransactionsNumber, 0, "failures reset");
      equal(await page.locator("#card-title").textContent(), "Change card", "an Active subscription offers a change");
    },
  };
}
