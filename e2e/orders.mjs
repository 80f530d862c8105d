// Browser tests of the order page (payment link, docs/orders.md): created over the API, opened at
// its Url in Chromium, paid through the page's form and /checkout.js, checked over the API.
import { assert, equal, merchant, payWithCard } from "./lib.mjs";

/** The order page's tests; `call` is the site's API client, `shot` takes a step's screenshot. */
export function orderTests({ call, shot }) {
  async function createOrder(fields) {
    const reply = await call("/orders/create", { Amount: 150.25, Currency: "RUB", Description: "Заказ e2e", ...fields });
    assert(reply.Success && reply.Model && reply.Model.Url, `orders/create: ${JSON.stringify(reply)}`);
    return reply.Model;
  }
  /** The order's status as its page shows it (`data-status` is the API's Status name). */
  async function orderStatus(page, order) {
    await page.goto(order.Url);
    return page.locator("#status").getAttribute("data-status");
  }
  async function found(invoice) {
    const reply = await call("/payments/find", { InvoiceId: invoice });
    assert(reply.Model, `payments/find ${invoice}: ${JSON.stringify(reply)}`);
    return reply.Model;
  }

  return {
    async "order-success-redirect-and-paid"({ page }) {
      const shop = await merchant({});
      try {
        const invoice = `order-ok-${Date.now()}`;
        const order = await createOrder({ InvoiceId: invoice, AccountId: "acc-order", Email: "payer@example.com",
          SuccessRedirectUrl: `${shop.origin}/ok`, FailRedirectUrl: `${shop.origin}/fail` });
        await page.goto(order.Url);
        equal(await page.locator("#status").getAttribute("data-status"), "Created", "status before");
        await shot(page, "order-success-redirect-and-paid.1-form");
        await payWithCard(page, "4111 1111 1111 1111");
        await page.waitForURL(`${shop.origin}/ok**`, { timeout: 15000 });
        const model = await found(invoice);
        equal(model.Status, "Completed", "payment status");
        equal(model.Amount, 150.25, "amount");
        equal(model.AccountId, "acc-order", "account");
        equal(model.CardLastFour, "1111", "last four");
        equal(await orderStatus(page, order), "Paid", "order status");
        equal(await page.locator("form#card-form").count(), 0, "no form on a paid order");
        assert((await page.textContent("main")).includes("Заказ уже оплачен."), "paid order says so");
      } finally { shop.close(); }
    },

    async "order-result-page-without-redirect-en"({ page }) {
      const invoice = `order-en-${Date.now()}`;
      const order = await createOrder({ InvoiceId: invoice, CultureName: "en-US" });
      await page.goto(order.Url);
      await payWithCard(page, "5200 8282 8282 8210");
      await page.locator("#result").waitFor({ timeout: 15000 });
      equal(await page.locator("#result").textContent(), "Payment successful. Thank you!", "result heading");
      equal((await found(invoice)).Status, "Completed", "payment status");
      equal(await orderStatus(page, order), "Paid", "order status");
      equal(await page.locator("#status").textContent(), "Paid", "English status");
    },

    async "order-decline-then-still-payable"({ page }) {
      const invoice = `order-decline-${Date.now()}`;
      const order = await createOrder({ InvoiceId: invoice });
      await page.goto(order.Url);
      await payWithCard(page, "4000 0566 5566 5556");
      await page.locator("#result").waitFor({ timeout: 15000 });
      equal(await page.locator("#result").textContent(), "Платёж отклонён", "decline heading");
      equal(await page.locator("#message").textContent(), "Недостаточно средств на карте", "CardHolderMessage");
      const declined = await found(invoice);
      equal(declined.Status, "Declined", "payment status");
      equal(declined.ReasonCode, 5051, "reason");
      await shot(page, "order-decline-then-still-payable.1-declined");
      equal(await page.locator("a#again").textContent(), "Попробовать ещё раз", "retry link");
      await page.locator("a#again").click();
      await page.waitForURL(order.Url);
      equal(await page.locator("#status").getAttribute("data-status"), "Created", "order still payable");
      await payWithCard(page, "2200 0000 2222 2222");
      await page.locator("#result.paid").waitFor({ timeout: 15000 });
      equal((await found(invoice)).Status, "Completed", "retry status");
      equal(await orderStatus(page, order), "Paid", "order paid on retry");
    },

    async "order-decline-fail-redirect"({ page }) {
      const shop = await merchant({});
      try {
        const invoice = `order-fail-${Date.now()}`;
        const order = await createOrder({ InvoiceId: invoice, FailRedirectUrl: `${shop.origin}/fail` });
        await page.goto(order.Url);
        await payWithCard(page, "5404 0000 0000 0043");
        await page.waitForURL(`${shop.origin}/fail**`, { timeout: 15000 });
        equal((await found(invoice)).Status, "Declined", "payment status");
        equal(await orderStatus(page, order), "Created", "order still payable");
        equal(await page.locator("form#card-form").count(), 1, "form still there");
      } finally { shop.close(); }
    },

    async "order-3ds-through-the-acs-page"({ page }) {
      const shop = await merchant({});
      try {
        const invoice = `order-3ds-${Date.now()}`;
        const order = await createOrder({ InvoiceId: invoice, RequireConfirmation: true, SuccessRedirectUrl: `${shop.origin}/ok` });
        await page.goto(order.Url);
        await payWithCard(page, "4242 4242 4242 4242");
        await page.locator("button.pass").waitFor({ timeout: 15000 });
        await shot(page, "order-3ds-through-the-acs-page.1-acs");
        equal((await found(invoice)).Status, "AwaitingAuthentication", "status at the ACS page");
        await page.locator("button.pass").click();
        await page.waitForURL(`${shop.origin}/ok**`, { timeout: 15000 });
        equal((await found(invoice)).Status, "Authorized", "two-stage order is authorized");
        equal(await orderStatus(page, order), "Paid", "order status");
      } finally { shop.close(); }
    },

    async "order-3ds-result-page"({ page }) {
      const invoice = `order-3dsr-${Date.now()}`;
      const order = await createOrder({ InvoiceId: invoice, CultureName: "en-US" });
      await page.goto(order.Url);
      await payWithCard(page, "2200 0000 0000 0004");
      await page.locator("button.pass").click({ timeout: 15000 });
      await page.locator("#result.paid").waitFor({ timeout: 15000 });
      equal((await found(invoice)).Status, "Completed", "one-stage order is charged");
      equal(await orderStatus(page, order), "Paid", "order status");
    },

    async "order-3ds-failed-stays-payable"({ page }) {
      const invoice = `order-3dsfail-${Date.now()}`;
      const order = await createOrder({ InvoiceId: invoice, CultureName: "en-US" });
      await page.goto(order.Url);
      await payWithCard(page, "5555 5555 5555 4444");
      await page.locator("button.fail").click({ timeout: 15000 });
      await page.locator("#result.failed").waitFor({ timeout: 15000 });
      const model = await found(invoice);
      equal(model.Status, "Declined", "status");
      equal(model.ReasonCode, 5206, "reason");
      equal(await page.locator("#message").textContent(), model.CardHolderMessage, "CardHolderMessage shown");
      equal(await orderStatus(page, order), "Created", "order still payable");
    },

    async "order-paid-in-another-tab-is-refused"({ page, context }) {
      const invoice = `order-tabs-${Date.now()}`;
      const order = await createOrder({ InvoiceId: invoice });
      const other = await context.newPage();
      await other.goto(order.Url);
      await page.goto(order.Url);
      await payWithCard(page, "4111 1111 1111 1111");
      await page.locator("#result.paid").waitFor({ timeout: 15000 });
      const first = await found(invoice);
      const refused = other.waitForResponse((r) => r.url().endsWith("/pay"));
      await payWithCard(other, "5200 8282 8282 8210");
      equal((await refused).status(), 409, "second payment refused");
      // Refused, and calm about it: the order is paid, nothing more to pay.
      await other.locator("#result.paid").waitFor({ timeout: 15000 });
      equal(await other.locator("#result").textContent(), "Заказ оплачен", "heading");
      equal(await other.locator("#message").textContent(), "Заказ уже оплачен.", "why");
      await shot(other, "order-paid-in-another-tab-is-refused.1-refused");
      equal(await other.locator("a#again").textContent(), "Оплата заказа", "a link back to the order, not a retry");
      const last = await found(invoice);
      equal(last.TransactionId, first.TransactionId, "no second payment");
      equal(last.CardLastFour, "1111", "the first card paid");
      await other.close();
    },

    "order-on-a-phone": Object.assign(async ({ page }) => {
      const invoice = `order-phone-${Date.now()}`;
      const order = await createOrder({ InvoiceId: invoice, Description: "Очень длинное описание заказа ".repeat(8) });
      await page.goto(order.Url);
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      assert(width <= 375, `page fits 375 px (scrollWidth ${width})`);
      await payWithCard(page, "2200 0000 2222 2222");
      await page.locator("#result.paid").waitFor({ timeout: 15000 });
      equal((await found(invoice)).Status, "Completed", "payment status");
    }, { viewport: { width: 375, height: 740 } }),

    async "order-3ds-left-then-paid-again"({ page }) {
      const invoice = `order-3dsleft-${Date.now()}`;
      const order = await createOrder({ InvoiceId: invoice });
      await page.goto(order.Url);
      await payWithCard(page, "4242 4242 4242 4242");
      await page.locator("button.pass").waitFor({ timeout: 15000 });
      const left = await found(invoice);
      equal(left.Status, "AwaitingAuthentication", "waiting at the ACS page");
      await page.goBack();
      await page.goto(order.Url);
      await payWithCard(page, "4111 1111 1111 1111");
      await page.locator("#result.paid").waitFor({ timeout: 15000 });
      const paid = await found(invoice);
      equal(paid.Status, "Completed", "paid with the second card");
      assert(paid.TransactionId !== left.TransactionId, "a new payment");
      equal((await call("/payments/get", { TransactionId: left.TransactionId })).Model.Status, "Cancelled", "the left attempt abandoned");
      equal(await orderStatus(page, order), "Paid", "order status");
    },

    async "order-cancelled-shows-so"({ page }) {
      const order = await createOrder({});
      const cancel = await call("/orders/cancel", { Id: order.Id });
      equal(cancel.Success, true, `orders/cancel: ${cancel.Message}`);
      equal(await orderStatus(page, order), "Cancelled", "order status");
      equal(await page.locator("#status").textContent(), "Отменён", "status words");
      equal(await page.locator("form#card-form").count(), 0, "no form");
      assert((await page.textContent("main")).includes("Заказ отменён."), "cancelled order says so");
    },

    async "order-field-errors-ru"({ page }) { await fieldErrors(page, "ru-RU", "Иван", {
      cardNumber: "Неправильный номер карты", expDateMonthYear: "Неправильный срок действия", cvv: "Укажите CVV",
      name: "Имя латиницей, как на карте" }); },

    async "order-field-errors-en"({ page }) { await fieldErrors(page, "en-US", "", {
      cardNumber: "Invalid card number", expDateMonthYear: "Invalid expiry date", cvv: "Enter the CVV", name: "" }); },

    async "order-expired-card-then-fixed-pays"({ page }) {
      const invoice = `order-expired-${Date.now()}`;
      const order = await createOrder({ InvoiceId: invoice, CultureName: "en-US" });
      await page.goto(order.Url);
      await payWithCard(page, "4111 1111 1111 1111", { expiry: "01/20" });
      equal(await page.locator("#expDateMonthYear-error").textContent(), "The card has expired", "expired card");
      equal((await call("/payments/find", { InvoiceId: invoice })).Success, false, "nothing charged");
      await page.locator("#name").fill("IVAN PETROV");
      await payWithCard(page, "4111 1111 1111 1111");
      await page.locator("#result.paid").waitFor({ timeout: 15000 });
      const model = await found(invoice);
      equal(model.Status, "Completed", "paid once the date is right");
      equal(model.Name, "IVAN PETROV", "cardholder name");
    },
  };

  async function fieldErrors(page, culture, name, want) {
    const order = await createOrder({ CultureName: culture });
    let posts = 0;
    page.on("request", (r) => { if (r.method() === "POST") posts++; });
    await page.goto(order.Url);
    await page.locator("#name").fill(name);
    await payWithCard(page, "4111 1111 1111 1112", { expiry: "13/30", cvv: "" });
    for (const [field, text] of Object.entries(want)) {
      equal(await page.locator(`#${field}-error`).textContent(), text, `${field} error`);
    }
    equal(posts, 0, "nothing posted");
    equal(await page.locator("#status").getAttribute("data-status"), "Created", "still on the form");
  }
}
