/* The demo shop's Pay button: the widget with the shop's Public ID, the outcome on the page in the
 * page's language (its words come from the page's data attributes). */
(function () {
  "use strict";
  var shop = document.getElementById("shop"), result = document.getElementById("result");
  var say = shop.dataset;
  var count = 0, invoice = "";
  document.getElementById("pay").addEventListener("click", function () {
    invoice = "demo-" + Date.now().toString(36) + "-" + (++count);
    result.textContent = "";
    delete result.dataset.status;
    result.dataset.invoiceId = invoice;
    var widget = new cp.CloudPayments({ language: say.culture });
    widget.pay(say.scheme, {
      publicId: say.publicId,
      description: say.product,
      amount: 100, currency: "RUB", invoiceId: invoice, accountId: "demo@example.com",
      skin: say.skin, data: { source: "demo" }
    }, {}).then(function (r) {
      result.dataset.status = r.status || r.type;
      result.dataset.transactionId = (r.data && r.data.transactionId) || "";
      result.className = r.status === "success" ? "ok" : "bad";
      if (r.status === "success") {
        result.textContent = say.paid + " " + r.data.transactionId;
      } else if (r.type === "cancel") {
        result.textContent = say.cancelled;
      } else {
        result.textContent = say.notPaid + " " + (r.message || "");
      }
    });
  });
})();
