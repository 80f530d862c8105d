/* Oblako payment widget: cp.CloudPayments and cp.PaymentBlocks (spec §6). It opens Oblako's payment form in a modal
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

  function formUrl(language, skin, embedded) {
    return BASE + "/widget/form?lang=" + encodeURIComponent(language || "ru-RU") +
      "&skin=" + encodeURIComponent(skin || "classic") + "&origin=" + encodeURIComponent(location.origin) +
      (embedded ? "&embedded=1" : "");
  }

  // Talks to the form in `frame`: sends the options when it is ready, reports its outcome
  // (a WidgetResult and the legacy paymentResult) and its close request. Only messages from that
  // frame's window on Oblako's origin count. Returns a function that stops listening.
  function session(frame, scheme, options, onResult, onClose) {
    function onMessage(event) {
      if (event.origin !== BASE || event.source !== frame.contentWindow) return;
      var m = event.data || {};
      if (m.type === "oblako-ready") {
        frame.contentWindow.postMessage({ type: "oblako-options", scheme: scheme, options: options }, BASE);
      } else if (m.type === "oblako-result") {
        var ok = m.success === true;
        var result = ok
          ? { type: "payment", status: "success", data: { transactionId: m.transactionId } }
          : { type: "error", status: "fail", message: m.message,
              data: { transactionId: m.transactionId, ReasonCode: m.reasonCode } };
        onResult(result, { success: ok, code: m.reasonCode, message: m.message,
                           transactionId: m.transactionId, data: { transactionId: m.transactionId } });
      } else if (m.type === "oblako-close") {
        onClose();
      }
    }
    window.addEventListener("message", onMessage);
    return function () { window.removeEventListener("message", onMessage); };
  }

  // Opens the modal; resolves with a WidgetResult when it closes.
  CloudPayments.prototype._open = function (scheme, options, callbacks) {
    var self = this;
    callbacks = callbacks || {};
    options = Object.assign({}, options);
    if (!options.email && self.email) options.email = self.email;
    return new Promise(function (resolve) {
      var overlay = overlayStyle(document.createElement("div"), {
        position: "fixed", inset: "0", background: "rgba(0,0,0,.55)", zIndex: "2147483647",
        display: "flex", alignItems: "center", justifyContent: "center"
      });
      overlay.setAttribute("data-oblako-widget", "");
      var frame = overlayStyle(document.createElement("iframe"), {
        border: "0", borderRadius: "12px", background: "transparent",
        width: "min(420px, 100vw)", height: "min(640px, 100vh)", maxWidth: "100vw"
      });
      frame.src = formUrl(options.language || self.language, options.skin, false);
      frame.title = "Oblako";
      frame.setAttribute("allow", "payment");
      overlay.appendChild(frame);
      document.body.appendChild(overlay);
      var last = null, closeTimer = null, stop;

      function finish() {
        stop();
        clearTimeout(closeTimer);
        if (overlay.parentNode) overlay.parentNode.removeChild(overlay);
        var result = last || { type: "cancel", status: "cancel" };
        if (!last && callbacks.onFail) callbacks.onFail("User has cancelled", options);
        if (typeof self.oncomplete === "function") self.oncomplete(result);
        resolve(result);
      }
      stop = session(frame, scheme, options, function (result, paymentResult) {
        last = result;
        var ok = result.status === "success";
        if (callbacks.onComplete) callbacks.onComplete(paymentResult, options);
        if (ok && callbacks.onSuccess) callbacks.onSuccess(options);
        if (!ok && callbacks.onFail) callbacks.onFail(result.message, options);
        var seconds = +options.autoClose;
        if (ok && seconds >= 3 && seconds <= 10) closeTimer = setTimeout(finish, seconds * 1000);
      }, finish);
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

  // The intent parameters (spec §6.2) as legacy options.
  function intentOptions(intent, language) {
    var user = intent.userInfo || {};
    var data = Object.assign({}, intent.metadata || {});
    var cloud = {};
    if (intent.recurrent) cloud.recurrent = intent.recurrent;
    if (intent.receipt) cloud.CustomerReceipt = intent.receipt;
    if (Object.keys(cloud).length) data.CloudPayments = cloud;
    return {
      publicId: intent.publicTerminalId, amount: intent.amount, currency: intent.currency,
      description: intent.description, invoiceId: intent.externalId,
      email: intent.receiptEmail || user.email, requireEmail: intent.emailBehavior === "Required",
      hideEmail: intent.emailBehavior === "Hidden", accountId: user.accountId,
      skin: intent.skin, autoClose: intent.autoClose, retryPayment: intent.retryPayment !== false,
      language: intent.culture || language, saveCard: intent.tokenize === true,
      data: Object.keys(data).length ? data : undefined
    };
  }

  // The intent API: start(intent) → Promise<WidgetResult>.
  CloudPayments.prototype.start = function (intent) {
    intent = intent || {};
    var scheme = intent.paymentSchema === "Dual" ? "auth" : "charge";
    return this._open(scheme, intentOptions(intent, this.language), {});
  };

  // PaymentBlocks (spec §6.3): the same form embedded in the merchant's element.
  function PaymentBlocks(params, customization) {
    if (!(this instanceof PaymentBlocks)) return new PaymentBlocks(params, customization);
    this.params = Object.assign({}, params);
    this.customization = customization || {};
    this.handlers = {};
    this.frame = null;
    this.stop = null;
  }
  PaymentBlocks.prototype.on = function (event, handler) {
    (this.handlers[event] = this.handlers[event] || []).push(handler);
    return this;
  };
  PaymentBlocks.prototype.off = function (event) { delete this.handlers[event]; return this; };
  PaymentBlocks.prototype.emit = function (event, payload) {
    (this.handlers[event] || []).forEach(function (h) { h(payload); });
  };
  PaymentBlocks.prototype.mount = function (element) {
    var self = this;
    if (self.frame) self.unmount();
    var options = intentOptions(self.params, "ru-RU");
    options.customization = self.customization;
    var frame = overlayStyle(document.createElement("iframe"), {
      border: "0", width: "100%", maxWidth: "420px", height: "560px", background: "transparent"
    });
    frame.src = formUrl(options.language, options.skin, true);
    frame.title = "Oblako";
    element.appendChild(frame);
    self.frame = frame;
    self.element = element;
    var scheme = self.params.paymentSchema === "Dual" ? "auth" : "charge";
    self.stop = session(frame, scheme, options, function (result) {
      self.emit(result.status === "success" ? "success" : "fail", result);
    }, function () { self.unmount(); });
    return self;
  };
  PaymentBlocks.prototype.unmount = function () {
    if (!this.frame) return this;
    this.stop();
    if (this.frame.parentNode) this.frame.parentNode.removeChild(this.frame);
    this.frame = null;
    this.emit("destroy", { type: "cancel", status: "cancel" });
    return this;
  };
  PaymentBlocks.prototype.update = function (partial) {
    Object.assign(this.params, partial || {});
    if (this.frame) this.mount(this.element);
    return this;
  };

  root.cp = root.cp || {};
  root.cp.CloudPayments = CloudPayments;
  root.cp.PaymentBlocks = PaymentBlocks;
})(window);
