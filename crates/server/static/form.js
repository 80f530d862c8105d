/* Oblako payment form (widget iframe and /pub/card). Card fields are checked as the payer types,
 * turned into a cryptogram by cp.Checkout, and only the cryptogram goes to /widget/charge.
 * 3-D Secure runs in a nested frame whose TermUrl (/widget/3ds) reports back by postMessage.
 *
 * Each press of Pay is an attempt with a random key. The form never reports "cancelled" for an
 * attempt that may have charged: closing while one is unsettled first asks /widget/close, which
 * answers with the attempt's outcome (cancelling a 3-D Secure wait) before the form closes. */
(function () {
  "use strict";
  var app = document.getElementById("app");
  var T = JSON.parse(app.dataset.texts);
  var MODE = app.dataset.mode, PARENT = app.dataset.origin;
  var EMBEDDED = new URLSearchParams(location.search).get("embedded") === "1";
  var $ = function (id) { return document.getElementById(id); };
  var options = null, scheme = "charge";
  // The attempt whose outcome the payer has not been told yet: {key, settled}.
  var attempt = null, closing = false;

  // --- talking to the page that opened the widget -----------------------------------------
  function toParent(message) {
    if (MODE === "widget" && window.parent !== window) window.parent.postMessage(message, PARENT);
  }
  window.addEventListener("message", function (event) {
    var m = event.data || {};
    if (MODE === "widget" && event.source === window.parent && event.origin === PARENT) {
      if (m.type === "oblako-options" && !options) {
        scheme = m.scheme === "auth" ? "auth" : "charge";
        start(m.options || {});
      } else if (m.type === "oblako-close-request") {
        close();
      }
    } else if (event.origin === location.origin && event.source === $("acs").contentWindow &&
               m.type === "oblako-3ds") {
      if (attempt) outcome(m.reply, attempt.key);
    }
  });

  // The form's height, so the modal follows its content.
  if (window.ResizeObserver) {
    new ResizeObserver(function () {
      toParent({ type: "oblako-size", height: Math.ceil(app.getBoundingClientRect().height) });
    }).observe(app);
  }

  function money(amount, currency) {
    try {
      return new Intl.NumberFormat(cultureOf(T.lang), { style: "currency", currency: currency || "RUB" }).format(amount);
    } catch (e) { return amount + " " + (currency || "RUB"); }
  }

  function wantsEmail(given) {
    if (given.hideEmail) return false;
    var cloud = given.data && (given.data.CloudPayments || given.data.cloudPayments);
    return Boolean(given.requireEmail || given.email || given.receipt ||
                   (cloud && (cloud.CustomerReceipt || cloud.customerReceipt)));
  }

  function start(given) {
    options = given;
    if (given.scheme === "auth") scheme = "auth";
    $("description").textContent = given.description || "";
    var total = money(Number(given.amount), given.currency);
    $("amount").textContent = total;
    $("pay").textContent = T.pay + " " + total;
    if (wantsEmail(given)) $("email-field").hidden = false;
    if (given.email) $("email").value = given.email;
    customize(given.customization);
    $("cardNumber").focus();
  }

  // PaymentBlocks' customization (spec §6.3) as the stylesheet's variables.
  var COLORS = {
    primaryButtonColor: "--primary", primaryButtonTextColor: "--primary-text",
    primaryHoverButtonColor: "--primary-hover", primaryButtonHoverTextColor: "--primary-hover-text",
    activeInputColor: "--active-input", inputBackground: "--input-bg", inputColor: "--input-color",
    inputBorderColor: "--input-border", errorColor: "--error", titleColor: "--title", textColor: "--text"
  };
  function customize(c) {
    if (!c || typeof c !== "object") return;
    var root = document.documentElement.style;
    var set = function (name, value, unit) {
      if ((typeof value === "string" && value.length <= 64) || typeof value === "number") {
        root.setProperty(name, typeof value === "number" ? value + unit : value);
      }
    };
    var appearance = c.appearance || {}, colors = appearance.colors || {}, components = c.components || {};
    for (var k in COLORS) if (colors[k] != null) set(COLORS[k], colors[k]);
    if (appearance.borders) set("--radius", appearance.borders.radius, "px");
    var form = components.paymentForm || {}, button = components.paymentButton || {};
    set("--font-size", form.fontSize, "px");
    set("--label-size", form.labelFontSize, "px");
    if (typeof button.text === "string" && button.text.length <= 64) $("pay").textContent = button.text;
  }

  // --- fields -----------------------------------------------------------------------------
  var BRANDS = [
    ["mir", /^220[0-4]/], ["visa", /^4/], ["mastercard", /^(5[1-5]|2(2[2-9]|[3-6]|7[01]|720))/],
    ["amex", /^3[47]/], ["jcb", /^35/], ["unionpay", /^62/], ["maestro", /^(5[06-9]|6)/]
  ];
  var LOGOS = { visa: "Visa", mastercard: "Mastercard", mir: "Mir", unionpay: "UnionPay" };
  function brandOf(number) {
    for (var i = 0; i < BRANDS.length; i++) if (BRANDS[i][1].test(number)) return BRANDS[i][0];
    return "";
  }
  function showBrand(brand) {
    var logo = $("brand");
    logo.dataset.brand = brand;
    logo.toggleAttribute("hidden", !LOGOS[brand]); // an SVG element has no `hidden` property
    logo.setAttribute("aria-label", LOGOS[brand] || "");
    logo.firstElementChild.setAttribute("href", LOGOS[brand] ? "#logo-" + brand : "");
  }
  function digits(v) { return v.replace(/\D/g, ""); }
  function formatNumber(d) {
    if (brandOf(d) === "amex") return [d.slice(0, 4), d.slice(4, 10), d.slice(10, 15)].filter(Boolean).join(" ");
    return d.slice(0, 19).replace(/(\d{4})(?=\d)/g, "$1 ");
  }
  var ERRORS = {
    CardNumber_Empty: T.card_empty, CardNumber_Invalid: T.card_invalid,
    ExpDateMonthYear_Empty: T.expiry_empty, ExpDateMonthYear_Invalid: T.expiry_invalid,
    Cvv_Empty: T.cvv_empty, Cvv_Invalid: T.cvv_invalid,
    Name_Empty: T.name_invalid, Name_Invalid: T.name_invalid, Name_TooShort: T.name_invalid,
    Name_TooLong: T.name_invalid
  };
  function values() {
    var v = { cardNumber: $("cardNumber").value, expDateMonthYear: $("expDateMonthYear").value, cvv: $("cvv").value };
    var name = $("cardholder").value.trim();
    if (name) v.name = name;
    return v;
  }
  // Field → message for the current values; `touched` limits it to fields the payer left.
  function check(touched) {
    var found = cp.Checkout.validate(values()).errors, out = {};
    for (var f in found) out[f] = ERRORS[found[f]] || T.card_invalid;
    if (!out.expDateMonthYear) {
      var e = digits($("expDateMonthYear").value);
      if (e.length === 4) {
        var now = new Date(), y = 2000 + +e.slice(2), m = +e.slice(0, 2);
        if (y < now.getFullYear() || (y === now.getFullYear() && m < now.getMonth() + 1)) out.expDateMonthYear = T.expired;
      }
    }
    if (!$("email-field").hidden) {
      var mail = $("email").value.trim();
      if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(mail)) out.email = T.email_invalid;
    }
    ["cardNumber", "expDateMonthYear", "cvv", "name", "email"].forEach(function (f) {
      var show = !touched || touched[f];
      $(f + "-error").textContent = show && out[f] ? out[f] : "";
      var input = $(f === "name" ? "cardholder" : f);
      input.classList.toggle("invalid", Boolean(show && out[f]));
      if (show && out[f]) input.setAttribute("aria-invalid", "true"); else input.removeAttribute("aria-invalid");
    });
    return out;
  }
  var touched = {};
  function touch(field) { touched[field] = true; check(touched); }
  $("cardNumber").addEventListener("input", function () {
    var d = digits(this.value).slice(0, 19);
    this.value = formatNumber(d);
    showBrand(brandOf(d));
    var full = brandOf(d) === "amex" ? 15 : 16;
    if (d.length >= full) { touch("cardNumber"); if (!$("cardNumber-error").textContent && d.length === full) $("expDateMonthYear").focus(); }
    else if (touched.cardNumber) check(touched);
  });
  $("expDateMonthYear").addEventListener("input", function () {
    var d = digits(this.value).slice(0, 4);
    if (d.length === 1 && +d > 1) d = "0" + d;
    this.value = d.length > 2 ? d.slice(0, 2) + "/" + d.slice(2) : d;
    if (d.length === 4) { touch("expDateMonthYear"); if (!$("expDateMonthYear-error").textContent) $("cvv").focus(); }
    else if (touched.expDateMonthYear) check(touched);
  });
  $("cvv").addEventListener("input", function () {
    this.value = digits(this.value).slice(0, 4);
    if (touched.cvv) check(touched);
  });
  [["cardNumber", "cardNumber"], ["expDateMonthYear", "expDateMonthYear"], ["cvv", "cvv"],
   ["cardholder", "name"], ["email", "email"]].forEach(function (pair) {
    $(pair[0]).addEventListener("blur", function () { if (this.value) touch(pair[1]); });
  });

  // --- paying -----------------------------------------------------------------------------
  function show(screen) {
    $("card-form").hidden = screen !== "form";
    ["processing", "acs-box", "result"].forEach(function (id) { $(id).hidden = id !== screen; });
  }
  function newKey() {
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
  }
  $("card-form").addEventListener("submit", function (event) {
    event.preventDefault();
    if (attempt || closing || !options) return;
    var errors = check(null);
    if (Object.keys(errors).length) return;
    attempt = { key: newKey(), settled: false };
    var mine = attempt;
    var checkout = new cp.Checkout({ publicId: options.publicId });
    checkout.createPaymentCryptogram(values()).then(function (packet) { charge(packet, mine); },
      function () { if (attempt === mine) attempt = null; check(null); });
  });
  function charge(packet, mine) {
    show("processing");
    // The widget's script learns the key first, so it can settle the attempt if the form dies.
    toParent({ type: "oblako-charging", attemptKey: mine.key, publicId: options.publicId });
    var body = {
      PublicId: options.publicId, CardCryptogramPacket: packet, Scheme: scheme, AttemptKey: mine.key,
      Amount: options.amount, Currency: options.currency || "RUB", Description: options.description,
      InvoiceId: options.invoiceId, AccountId: options.accountId,
      Email: $("email").value.trim() || options.email, CultureName: cultureOf(T.lang),
      Name: $("cardholder").value.trim() || undefined,
      JsonData: options.data || undefined
    };
    var send = function (tries) {
      fetch("/widget/charge", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) })
        .then(function (r) { return r.json(); })
        .then(function (reply) {
          var model = reply.Model || {};
          if (!reply.Success && model.AcsUrl && model.PaReq) return secure3d(model, mine);
          outcome(reply, mine.key);
        }, function () {
          // The same key replays the first outcome, so trying again never pays twice.
          if (tries < 2 && !closing) return setTimeout(function () { send(tries + 1); }, 800);
          settle(mine, false);
        });
    };
    send(0);
  }
  function cultureOf(lang) { return lang === "en" ? "en-US" : lang === "kk" ? "kk-KZ" : "ru-RU"; }
  function secure3d(model, mine) {
    if (closing || attempt !== mine) return;
    var form = $("acs-form");
    form.action = model.AcsUrl;
    form.elements.PaReq.value = model.PaReq;
    form.elements.MD.value = String(model.TransactionId);
    form.elements.TermUrl.value = location.origin + "/widget/3ds?PublicId=" + encodeURIComponent(options.publicId);
    show("acs-box");
    form.submit();
  }

  // Asks the gateway what became of `mine` (cancelling what has not happened yet), until it
  // knows; then reports it, and closes the form when the payer asked to close.
  function settle(mine, thenClose) {
    if (mine.settling) return;
    mine.settling = true;
    show("processing");
    $("processing-text").textContent = T.closing;
    var ask = function (delay) {
      fetch("/widget/close", { method: "POST", headers: { "Content-Type": "application/json" },
                               body: JSON.stringify({ PublicId: options.publicId, AttemptKey: mine.key }) })
        .then(function (r) { return r.json(); })
        .then(function (answer) {
          if (answer.Outcome === "pending" || !answer.Outcome) return setTimeout(function () { ask(500); }, delay);
          if (answer.Outcome === "paid" || answer.Outcome === "declined") outcome(answer, mine.key);
          else if (attempt === mine) attempt = null;
          if (thenClose) toParent({ type: "oblako-close" });
          else if (answer.Outcome === "cancelled") { $("processing-text").textContent = T.processing; show("form"); }
        }, function () { setTimeout(function () { ask(Math.min(delay * 2, 5000)); }, delay); });
    };
    ask(500);
  }

  function outcome(reply, key) {
    if (!attempt || attempt.key !== key || attempt.settled) return;
    attempt.settled = true;
    attempt = null;
    var model = reply.Model || {};
    var ok = reply.Success === true;
    var message = ok ? T.success : (model.CardHolderMessage || reply.Message || T.fail);
    toParent({ type: "oblako-result", success: ok, transactionId: model.TransactionId,
               reasonCode: model.ReasonCode, message: message });
    if (MODE === "page") {
      var target = ok ? options.successUrl : options.failUrl;
      if (target) {
        var url = new URL(target);
        if (model.TransactionId) url.searchParams.set("TransactionId", model.TransactionId);
        location.href = url.toString();
        return;
      }
    }
    $("result").className = "screen " + (ok ? "success" : "fail");
    $("result-icon").textContent = ok ? "✓" : "!";
    $("result-title").textContent = ok ? T.success : T.fail;
    $("result-message").textContent = ok ? "" : message;
    $("result-amount").textContent = money(Number(model.Amount != null ? model.Amount : options.amount),
                                           model.Currency || options.currency);
    var order = model.InvoiceId || options.invoiceId;
    $("fact-order").hidden = !order;
    $("result-order").textContent = order || "";
    $("fact-transaction").hidden = !model.TransactionId;
    $("result-transaction").textContent = model.TransactionId || "";
    $("retry").hidden = ok || options.retryPayment === false;
    $("close").hidden = MODE === "page" || EMBEDDED;
    show("result");
    if (!closing) $("result-title").focus();
  }
  $("retry").addEventListener("click", function () {
    $("cvv").value = "";
    touched = {};
    show("form");
    $("cardNumber").focus();
  });

  // The payer (close button, ×, Esc) or the shop's page asks to close.
  function close() {
    if (closing) return;
    if (attempt && !attempt.settled) {
      closing = true;
      settle(attempt, true);
      return;
    }
    toParent({ type: "oblako-close" });
  }
  $("close").addEventListener("click", close);
  $("close-x").addEventListener("click", close);
  // Esc closes the modal; an embedded form is removed by the shop's page, not by the payer.
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape" && MODE === "widget" && !EMBEDDED) close();
  });

  if (EMBEDDED) $("close-x").hidden = true;
  if (MODE === "page") {
    $("close-x").hidden = true;
    start(JSON.parse(app.dataset.options));
  } else {
    toParent({ type: "oblako-ready" });
  }
})();
