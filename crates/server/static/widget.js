/* Oblako payment widget: cp.CloudPayments and cp.PaymentBlocks (spec §6). It opens Oblako's payment form in a modal
 * iframe (a labelled dialog; the rest of the page is inert while it is open, and focus returns to
 * the opener), hands it the payment options by postMessage and reports the outcome through the
 * legacy callbacks, the promise of pay/start and `oncomplete`. Messages are accepted only from
 * the form's own window and origin. It never reports "cancel" for an attempt that may have
 * charged: the form settles it with the gateway before closing, and if the form cannot, this
 * script asks the gateway itself (`/widget/close`). */
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

  var LABELS = { ru: ["Оплата", "Форма оплаты"], en: ["Payment", "Payment form"], kk: ["Төлем", "Төлем формасы"] };
  function labels(language) { return LABELS[String(language || "ru").slice(0, 2).toLowerCase()] || LABELS.ru; }
  var CANCEL = { type: "cancel", status: "cancel" };
  // The open modal's promise: a second widget never opens over the first.
  var openModal = null;

  function overlayStyle(el, styles) { for (var k in styles) el.style[k] = styles[k]; return el; }

  function formUrl(language, skin, embedded, publicId) {
    return BASE + "/widget/form?lang=" + encodeURIComponent(language || "ru-RU") +
      "&skin=" + encodeURIComponent(skin || "classic") + "&origin=" + encodeURIComponent(location.origin) +
      "&publicId=" + encodeURIComponent(publicId || "") + (embedded ? "&embedded=1" : "");
  }

  // A result message of the form as a WidgetResult and the legacy paymentResult.
  function toResults(m) {
    var ok = m.success === true;
    var result = ok
      ? { type: "payment", status: "success", data: { transactionId: m.transactionId } }
      : { type: "error", status: "fail", message: m.message,
          data: { transactionId: m.transactionId, ReasonCode: m.reasonCode } };
    return { result: result, paymentResult: { success: ok, code: m.reasonCode, message: m.message,
      transactionId: m.transactionId, data: { transactionId: m.transactionId } } };
  }

  // Asks the gateway what became of an attempt when the form cannot say (it is gone or does not
  // answer); the gateway cancels what has not happened yet. Resolves with a result message, or
  // null when nothing was charged.
  function settleAttempt(attempt) {
    return new Promise(function (resolve) {
      var ask = function (delay) {
        fetch(BASE + "/widget/close", { method: "POST", headers: { "Content-Type": "text/plain" },
          body: JSON.stringify({ PublicId: attempt.publicId, AttemptKey: attempt.key }) })
          .then(function (r) { return r.json(); })
          .then(function (a) {
            if (a.Outcome !== "paid" && a.Outcome !== "declined" && a.Outcome !== "cancelled") {
              return setTimeout(function () { ask(500); }, delay);
            }
            var model = a.Model || {};
            resolve(a.Outcome === "cancelled" ? null : { success: a.Outcome === "paid",
              transactionId: model.TransactionId, reasonCode: model.ReasonCode,
              message: a.Outcome === "paid" ? "" : (model.CardHolderMessage || a.Message || "") });
          }, function () { setTimeout(function () { ask(Math.min(delay * 2, 5000)); }, delay); });
      };
      ask(500);
    });
  }

  // Talks to the form in `frame`: sends the options when it is ready and passes on what it says
  // (`on.ready`, `on.charging(attempt)`, `on.result(message)`, `on.close()`, `on.size(px)`).
  // Only messages from that frame's window on Oblako's origin count. Returns a function that
  // stops listening.
  function session(frame, scheme, options, on) {
    function onMessage(event) {
      if (event.origin !== BASE || event.source !== frame.contentWindow) return;
      var m = event.data || {};
      if (m.type === "oblako-ready") {
        frame.contentWindow.postMessage({ type: "oblako-options", scheme: scheme, options: options }, BASE);
        if (on.ready) on.ready();
      } else if (m.type === "oblako-charging" && typeof m.attemptKey === "string") {
        on.charging({ key: m.attemptKey, publicId: m.publicId });
      } else if (m.type === "oblako-result") {
        on.result(m);
      } else if (m.type === "oblako-close") {
        on.close();
      } else if (m.type === "oblako-size" && on.size && m.height > 0) {
        on.size(m.height);
      }
    }
    window.addEventListener("message", onMessage);
    return function () { window.removeEventListener("message", onMessage); };
  }

  // Opens the modal; resolves with a WidgetResult when it closes.
  CloudPayments.prototype._open = function (scheme, options, callbacks) {
    if (openModal) {
      if (window.console) console.warn("Oblako: a payment form is already open");
      return openModal;
    }
    var self = this;
    callbacks = callbacks || {};
    options = Object.assign({}, options);
    if (!options.email && self.email) options.email = self.email;
    var language = options.language || self.language, names = labels(language);
    openModal = new Promise(function (resolve) {
      var opener = document.activeElement;
      var overlay = overlayStyle(document.createElement("div"), {
        position: "fixed", inset: "0", background: "rgba(0,0,0,.55)", zIndex: "2147483647",
        display: "flex", alignItems: "center", justifyContent: "center", overflow: "auto"
      });
      overlay.setAttribute("data-oblako-widget", "");
      overlay.setAttribute("role", "dialog");
      overlay.setAttribute("aria-modal", "true");
      overlay.setAttribute("aria-label", names[0]);
      var frame = overlayStyle(document.createElement("iframe"), {
        border: "0", borderRadius: "12px", background: "transparent",
        width: "min(420px, 100vw)", height: "min(560px, 100vh)", maxWidth: "100vw"
      });
      frame.src = formUrl(language, options.skin, false, options.publicId);
      frame.title = names[1];
      frame.setAttribute("allow", "payment");
      overlay.appendChild(frame);
      // Everything else on the page is inert while the form is open, so focus stays inside.
      var inert = [];
      Array.prototype.forEach.call(document.body.children, function (el) {
        if (!el.inert) { el.inert = true; inert.push(el); }
      });
      document.body.appendChild(overlay);
      var last = null, attempt = null, ready = false, closeTimer = null, fallback = null, done = false, stop;

      function report(m) {
        attempt = null;
        var both = toResults(m), ok = m.success === true;
        last = both.result;
        if (callbacks.onComplete) callbacks.onComplete(both.paymentResult, options);
        if (ok && callbacks.onSuccess) callbacks.onSuccess(options);
        if (!ok && callbacks.onFail) callbacks.onFail(m.message, options);
        var seconds = +options.autoClose;
        if (ok && seconds >= 3 && seconds <= 10) closeTimer = setTimeout(requestClose, seconds * 1000);
      }
      function finish() {
        if (done) return;
        done = true;
        stop();
        clearTimeout(closeTimer);
        clearTimeout(fallback);
        document.removeEventListener("keydown", onKey, true);
        if (overlay.parentNode) overlay.parentNode.removeChild(overlay);
        inert.forEach(function (el) { el.inert = false; });
        openModal = null;
        if (opener && typeof opener.focus === "function") opener.focus();
        var result = last || CANCEL;
        if (!last && callbacks.onFail) callbacks.onFail("User has cancelled", options);
        if (typeof self.oncomplete === "function") self.oncomplete(result);
        resolve(result);
      }
      // Closing from the shop's side (Esc outside the form, autoClose): the form settles its
      // attempt and closes; if it does not answer, the gateway is asked from here.
      function requestClose() {
        if (done || fallback) return;
        if (!ready) return finish();
        frame.contentWindow.postMessage({ type: "oblako-close-request" }, BASE);
        fallback = setTimeout(function () {
          var unsettled = attempt;
          if (!unsettled) return finish();
          settleAttempt(unsettled).then(function (m) {
            if (m && attempt === unsettled) report(m);
            finish();
          });
        }, 4000);
      }
      function onKey(e) { if (e.key === "Escape") { e.preventDefault(); requestClose(); } }
      document.addEventListener("keydown", onKey, true);
      stop = session(frame, scheme, options, {
        ready: function () { ready = true; frame.focus(); },
        charging: function (a) { attempt = a; },
        result: report,
        close: finish,
        size: function (px) { frame.style.height = Math.min(px, window.innerHeight) + "px"; }
      });
    });
    return openModal;
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
    frame.src = formUrl(options.language, options.skin, true, options.publicId);
    frame.title = labels(options.language)[1];
    element.appendChild(frame);
    self.frame = frame;
    self.element = element;
    self.attempt = null;
    self.last = null;
    var scheme = self.params.paymentSchema === "Dual" ? "auth" : "charge";
    self.stop = session(frame, scheme, options, {
      charging: function (a) { self.attempt = a; },
      result: function (m) { self.attempt = null; self.report(m); },
      close: function () { self.unmount(); },
      size: function (px) { frame.style.height = px + "px"; }
    });
    return self;
  };
  PaymentBlocks.prototype.report = function (m) {
    var result = toResults(m).result;
    this.last = result;
    this.emit(result.status === "success" ? "success" : "fail", result);
  };
  // Removes the form. An attempt it left unsettled is settled with the gateway first, so the
  // shop hears its real outcome before `destroy`.
  PaymentBlocks.prototype.unmount = function () {
    if (!this.frame) return this;
    var self = this, unsettled = this.attempt, last = this.last;
    this.stop();
    if (this.frame.parentNode) this.frame.parentNode.removeChild(this.frame);
    this.frame = null;
    this.attempt = null;
    if (!unsettled) {
      this.emit("destroy", last || CANCEL);
      return this;
    }
    settleAttempt(unsettled).then(function (m) {
      if (m) self.report(m);
      self.emit("destroy", m ? toResults(m).result : CANCEL);
    });
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
