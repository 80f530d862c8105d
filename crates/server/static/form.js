/* Oblako payment form (widget iframe and /pub/card). Card fields are checked as the payer types,
 * turned into a cryptogram by cp.Checkout, and only the cryptogram goes to /widget/charge.
 * 3-D Secure runs in a nested frame whose TermUrl (/widget/3ds) reports back by postMessage. */
(function () {
  "use strict";
  var app = document.getElementById("app");
  var T = JSON.parse(app.dataset.texts);
  var MODE = app.dataset.mode, PARENT = app.dataset.origin;
  var $ = function (id) { return document.getElementById(id); };
  var options = null, scheme = "charge", busy = false;

  // --- talking to the page that opened the widget -----------------------------------------
  function toParent(message) {
    if (MODE === "widget" && window.parent !== window) window.parent.postMessage(message, PARENT);
  }
  window.addEventListener("message", function (event) {
    var m = event.data || {};
    if (MODE === "widget" && event.source === window.parent && event.origin === PARENT &&
        m.type === "oblako-options" && !options) {
      scheme = m.scheme === "auth" ? "auth" : "charge";
      start(m.options || {});
    } else if (event.origin === location.origin && event.source === $("acs").contentWindow &&
               m.type === "oblako-3ds") {
      outcome(m.reply);
    }
  });

  function start(given) {
    options = given;
    if (given.scheme === "auth") scheme = "auth";
    $("description").textContent = given.description || "";
    var amount = Number(given.amount);
    try {
      $("amount").textContent = new Intl.NumberFormat(document.documentElement.lang,
        { style: "currency", currency: given.currency || "RUB" }).format(amount);
    } catch (e) { $("amount").textContent = amount + " " + (given.currency || "RUB"); }
    if (given.requireEmail && !given.hideEmail) $("email-field").hidden = false;
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
  function brandOf(number) {
    for (var i = 0; i < BRANDS.length; i++) if (BRANDS[i][1].test(number)) return BRANDS[i][0];
    return "";
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
    });
    return out;
  }
  var touched = {};
  function touch(field) { touched[field] = true; check(touched); }
  $("cardNumber").addEventListener("input", function () {
    var d = digits(this.value).slice(0, 19);
    this.value = formatNumber(d);
    $("brand").textContent = brandOf(d).toUpperCase();
    $("brand").dataset.brand = brandOf(d);
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
  $("card-form").addEventListener("submit", function (event) {
    event.preventDefault();
    if (busy || !options) return;
    var errors = check(null);
    if (Object.keys(errors).length) return;
    busy = true;
    var checkout = new cp.Checkout({ publicId: options.publicId });
    checkout.createPaymentCryptogram(values()).then(charge, function () { busy = false; check(null); });
  });
  function charge(packet) {
    show("processing");
    var data = options.data;
    var body = {
      PublicId: options.publicId, CardCryptogramPacket: packet, Scheme: scheme,
      Amount: options.amount, Currency: options.currency || "RUB", Description: options.description,
      InvoiceId: options.invoiceId, AccountId: options.accountId,
      Email: $("email").value.trim() || options.email, CultureName: cultureOf(T.lang),
      Name: $("cardholder").value.trim() || undefined,
      JsonData: data || undefined
    };
    fetch("/widget/charge", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) })
      .then(function (r) { return r.json(); })
      .then(function (reply) {
        var model = reply.Model || {};
        if (!reply.Success && model.AcsUrl && model.PaReq) return secure3d(model);
        outcome(reply);
      }, function () { outcome({ Success: false, Message: T.network, Model: null }); });
  }
  function cultureOf(lang) { return lang === "en" ? "en-US" : lang === "kk" ? "kk-KZ" : "ru-RU"; }
  function secure3d(model) {
    var form = $("acs-form");
    form.action = model.AcsUrl;
    form.elements.PaReq.value = model.PaReq;
    form.elements.MD.value = String(model.TransactionId);
    form.elements.TermUrl.value = location.origin + "/widget/3ds?PublicId=" + encodeURIComponent(options.publicId);
    show("acs-box");
    form.submit();
  }
  function outcome(reply) {
    busy = false;
    var model = reply.Model || {};
    var ok = reply.Success === true;
    var message = ok ? T.success : (model.CardHolderMessage || reply.Message || T.fail);
    var result = { type: "oblako-result", success: ok, transactionId: model.TransactionId,
                   reasonCode: model.ReasonCode, message: message };
    toParent(result);
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
    $("retry").hidden = ok || options.retryPayment === false;
    $("close").hidden = MODE === "page" || EMBEDDED;
    show("result");
  }
  $("retry").addEventListener("click", function () {
    $("cvv").value = "";
    touched = {};
    show("form");
    $("cardNumber").focus();
  });
  function close() { toParent({ type: "oblako-close" }); }
  $("close").addEventListener("click", close);
  $("close-x").addEventListener("click", close);
  document.addEventListener("keydown", function (e) { if (e.key === "Escape") close(); });

  var EMBEDDED = new URLSearchParams(location.search).get("embedded") === "1";
  if (EMBEDDED) $("close-x").hidden = true;
  if (MODE === "page") {
    $("close-x").hidden = true;
    start(JSON.parse(app.dataset.options));
  } else {
    toParent({ type: "oblako-ready" });
  }
})();
