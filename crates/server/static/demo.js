/* The demo shop's Pay button: the widget with the shop's Public ID, the outcome on the page. */
(function () {
  "use strict";
  var shop = document.getElementById("shop"), result = document.getElementById("result");
  var english = shop.dataset.culture === "en-US";
  var count = 0, invoice = "";
  document.getElementById("pay").addEventListener("click", function () {
    invoice = "demo-" + Date.now().toString(36) + "-" + (++count);
    result.textContent = "";
    delete result.dataset.status;
    result.dataset.invoiceId = invoice;
    var widget = new cp.CloudPayments({ language: shop.dataset.culture });
    widget.pay(shop.dataset.scheme, {
      publicId: shop.dataset.publicId,
      description: english ? "Cup of tea" : "Чашка чая",
      amount: 100, currency: "RUB", invoiceId: invoice, accountId: "demo@example.com",
      skin: shop.dataset.skin, data: { source: "demo" }
    }, {}).then(function (r) {
      result.dataset.status = r.status || r.type;
      result.dataset.transactionId = (r.data && r.data.transactionId) || "";
      result.className = r.status === "success" ? "ok" : "bad";
      if (r.status === "success") {
        result.textContent = (english ? "Paid, transaction " : "Оплачено, транзакция ") + r.data.transactionId;
      } else if (r.type === "cancel") {
        result.textContent = english ? "Payment cancelled" : "Оплата отменена";
      } else {
        result.textContent = (english ? "Not paid: " : "Не оплачено: ") + (r.message || "");
      }
    });
  });
})();
