/* Oblako payment widget: cp.CloudPayments (spec §6). It opens Oblako's payment form in a modal
 * iframe, hands it the payment options by postMessage and reports the outcome through the
 * legacy callbacks, the promise of pay/start and `oncomplete`. Messages are accepted only from
 * the form's own window and origin. */
(function (root) {
  "use strict";
  var script = document.currentScript;
  var BASE = script && script.src ? new URL(script.src).origin : location.origin;

  function CloudPayments(options) {
    if (!(this instanceof CloudPayments)) return new CloudPayments(options);
    options = options || {};
    this.language = options.language || "ru-RU";
    this.email = options.email || "";
    this.oncomplete = null;
  }

  function overlayStyle(el, styles) { for (var k in styles) el.style[k] = styles[k]; return el; }

  // Opens the modal; resolves with a WidgetResult when it closes.
  CloudPayments.prototype._open = function (scheme, options, callbacks) {
    var self = this;
    callbacks = callbacks || {};
    options = Object.assign({}, options);
    if (!options.email && self.email) options.email = self.email;
    return new Promise(function (resolve) {
      var language = options.language || self.language;
      var skin = options.skin || "classic";
      var url = BASE + "/widget/form?lang=" + encodeURIComponent(language) +
        "&skin=" + encodeURIComponent(skin) + "&origin=" + encodeURIComponent(location.origin);
      var overlay = overlayStyle(document.createElement("div"), {
        position: "fixed", inset: "0", background: "rgba(0,0,0,.55)", zIndex: "2147483647",
        display: "flex", alignItems: "center", justifyContent: "center"
      });
      overlay.setAttribute("data-oblako-widget", "");
      var frame = overlayStyle(document.createElement("iframe"), {
        border: "0", borderRadius: "12px", background: "transparent",
        width: "min(420px, 100vw)", height: "min(640px, 100vh)", maxWidth: "100vw"
      });
      frame.src = url;
      frame.title = "Oblako";
      frame.setAttribute("allow", "payment");
      overlay.appendChild(frame);
      document.body.appendChild(overlay);
      var last = null, closeTimer = null;

      function finish() {
        window.removeEventListener("message", onMessage);
        clearTimeout(closeTimer);
        if (overlay.parentNode) overlay.parentNode.removeChild(overlay);
        var result = last || { type: "cancel", status: "cancel" };
        if (!last && callbacks.onFail) callbacks.onFail("User has cancelled", options);
        if (typeof self.oncomplete === "function") self.oncomplete(result);
        resolve(result);
      }
      function onMessage(event) {
        if (event.origin !== BASE || event.source !== frame.contentWindow) return;
        var m = event.data || {};
        if (m.type === "oblako-ready") {
          frame.contentWindow.postMessage({ type: "oblako-options", scheme: scheme, options: options }, BASE);
        } else if (m.type === "oblako-result") {
          var ok = m.success === true;
          last = ok
            ? { type: "payment", status: "success", data: { transactionId: m.transactionId } }
            : { type: "error", status: "fail", message: m.message,
                data: { transactionId: m.transactionId, ReasonCode: m.reasonCode } };
          var paymentResult = { success: ok, code: m.reasonCode, message: m.message,
                                transactionId: m.transactionId, data: { transactionId: m.transactionId } };
          if (callbacks.onComplete) callbacks.onComplete(paymentResult, options);
          if (ok && callbacks.onSuccess) callbacks.onSuccess(options);
          if (!ok && callbacks.onFail) callbacks.onFail(m.message, options);
          var seconds = +options.autoClose;
          if (ok && seconds >= 3 && seconds <= 10) closeTimer = setTimeout(finish, seconds * 1000);
        } else if (m.type === "oblako-close") {
          finish();
        }
      }
      window.addEventListener("message", onMessage);
    });
  };

  // Legacy: pay('charge'|'auth', options, {onSuccess, onFail, onComplete}) → Promise.
  CloudPayments.prototype.pay = function (scheme, options, callbacks) {
    if (scheme !== "charge" && scheme !== "auth") throw new Error("scheme must be 'charge' or 'auth'");
    return this._open(scheme, options, callbacks);
  };
  CloudPayments.prototype.charge = function (options, onSuccess, onFail) {
    return this._open("charge", options, { onSuccess: onSuccess, onFail: onFail });
  };
  CloudPayments.prototype.auth = function (options, onSuccess, onFail) {
    return this._open("auth", options, { onSuccess: onSuccess, onFail: onFail });
  };

  // The intent API (spec §6.2) mapped onto the legacy options.
  CloudPayments.prototype.start = function (intent) {
    intent = intent || {};
    var user = intent.userInfo || {};
    var data = Object.assign({}, intent.metadata || {});
    var cloud = {};
    if (intent.recurrent) cloud.recurrent = intent.recurrent;
    if (intent.receipt) cloud.CustomerReceipt = intent.receipt;
    if (Object.keys(cloud).length) data.CloudPayments = cloud;
    var options = {
      publicId: intent.publicTerminalId, amount: intent.amount, currency: intent.currency,
      description: intent.description, invoiceId: intent.externalId,
      email: intent.receiptEmail || user.email, requireEmail: intent.emailBehavior === "Required",
      hideEmail: intent.emailBehavior === "Hidden", accountId: user.accountId,
      skin: intent.skin, autoClose: intent.autoClose, retryPayment: intent.retryPayment !== false,
      language: intent.culture || this.language, saveCard: intent.tokenize === true,
      data: Object.keys(data).length ? data : undefined,
      payer: { firstName: user.firstName, lastName: user.lastName, middleName: user.middleName,
               phone: user.phone, address: user.address, city: user.city, country: user.country }
    };
    return this._open(intent.paymentSchema === "Dual" ? "auth" : "charge", options, {});
  };

  root.cp = root.cp || {};
  root.cp.CloudPayments = CloudPayments;
})(window);
