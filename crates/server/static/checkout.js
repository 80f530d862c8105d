/* Oblako checkout script: cp.Checkout makes a card cryptogram (Format A, spec §7) in the
 * browser. The gateway's RSA public key and its version are written into KEY when served. */
(function (root) {
  "use strict";
  var KEY = /*OBLAKO_KEY*/ { pem: "", version: 0 };

  // --- base64 and DER ---------------------------------------------------------------------
  function bytesToBase64(bytes) {
    var s = "";
    for (var i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
    return btoa(s);
  }
  function textToBase64(text) {
    return bytesToBase64(new TextEncoder().encode(text));
  }
  function pemToDer(pem) {
    var b64 = pem.replace(/-----[^-]+-----/g, "").replace(/\s+/g, "");
    var bin = atob(b64), out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }
  // Reads one DER element at `at`: {tag, start (of content), end}.
  function derElement(der, at) {
    var tag = der[at], len = der[at + 1], start = at + 2;
    if (len & 0x80) {
      var n = len & 0x7f;
      len = 0;
      for (var i = 0; i < n; i++) len = len * 256 + der[start + i];
      start += n;
    }
    if (start + len > der.length) throw new Error("bad public key");
    return { tag: tag, start: start, end: start + len };
  }
  function bytesToBigInt(bytes) {
    var hex = "";
    for (var i = 0; i < bytes.length; i++) hex += (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16);
    return BigInt("0x" + (hex || "0"));
  }
  // SubjectPublicKeyInfo: SEQUENCE { SEQUENCE alg, BIT STRING { SEQUENCE { INTEGER n, INTEGER e } } }
  function rsaPublicKey(pem) {
    var der = pemToDer(pem);
    var spki = derElement(der, 0);
    var alg = derElement(der, spki.start);
    var bits = derElement(der, alg.end);
    if (bits.tag !== 0x03) throw new Error("bad public key");
    var seq = derElement(der, bits.start + 1);
    var n = derElement(der, seq.start), e = derElement(der, n.end);
    var nBytes = der.slice(n.start, n.end);
    while (nBytes.length && nBytes[0] === 0) nBytes = nBytes.slice(1);
    return { n: bytesToBigInt(nBytes), e: bytesToBigInt(der.slice(e.start, e.end)), size: nBytes.length };
  }

  // --- RSAES-PKCS1-v1_5 (RFC 8017 §7.2.1) ---------------------------------------------------
  function modPow(base, exp, mod) {
    var result = 1n;
    base %= mod;
    while (exp > 0n) {
      if (exp & 1n) result = (result * base) % mod;
      base = (base * base) % mod;
      exp >>= 1n;
    }
    return result;
  }
  function rsaEncrypt(key, message) {
    var k = key.size, m = new TextEncoder().encode(message);
    if (m.length > k - 11) throw new Error("message too long");
    var em = new Uint8Array(k);
    em[1] = 2;
    var ps = em.subarray(2, k - m.length - 1);
    crypto.getRandomValues(ps);
    for (var i = 0; i < ps.length; i++) {
      while (ps[i] === 0) ps[i] = crypto.getRandomValues(new Uint8Array(1))[0];
    }
    em.set(m, k - m.length);
    var c = modPow(bytesToBigInt(em), key.e, key.n).toString(16);
    while (c.length < k * 2) c = "0" + c;
    var out = new Uint8Array(k);
    for (var j = 0; j < k; j++) out[j] = parseInt(c.substr(j * 2, 2), 16);
    return bytesToBase64(out);
  }

  // --- validation (spec §7.1) ------------------------------------------------------------------
  function digits(v) { return String(v == null ? "" : v).replace(/\D/g, ""); }
  function luhn(number) {
    var sum = 0;
    for (var i = 0; i < number.length; i++) {
      var d = +number[number.length - 1 - i];
      if (i % 2) { d *= 2; if (d > 9) d -= 9; }
      sum += d;
    }
    return sum % 10 === 0;
  }
  function isAmex(number) { return /^3[47]/.test(number); }
  function splitMonthYear(text) {
    var d = digits(text);
    if (d.length === 2 || d.length === 3 || d.length === 5) return [d.slice(0, 1), d.slice(1)];
    if (d.length === 4 || d.length === 6) return [d.slice(0, 2), d.slice(2)];
    return null;
  }
  var MESSAGES = {
    CardNumber_Empty: "Не указан номер карты", CardNumber_Invalid: "Неправильный номер карты",
    Cvv_Empty: "Не указан CVV", Cvv_Invalid: "Неправильный CVV",
    ExpDateMonthYear_Empty: "Не указан срок действия", ExpDateMonthYear_Invalid: "Неправильный срок действия",
    ExpDateMonth_Empty: "Не указан месяц", ExpDateMonth_Invalid: "Неправильный месяц",
    ExpDateYear_Empty: "Не указан год", ExpDateYear_Invalid: "Неправильный год",
    Name_Empty: "Не указано имя", Name_Invalid: "Неправильное имя",
    Name_TooLong: "Слишком длинное имя", Name_TooShort: "Слишком короткое имя"
  };
  // Returns {errors: {field: code}, card} for the values given.
  function validate(v) {
    var errors = {}, number = digits(v.cardNumber), month, year;
    if (!number) errors.cardNumber = "CardNumber_Empty";
    else if (number.length < 14 || number.length > 19 || !luhn(number)) errors.cardNumber = "CardNumber_Invalid";
    if (v.expDateMonthYear != null) {
      var parts = splitMonthYear(v.expDateMonthYear);
      if (!digits(v.expDateMonthYear)) errors.expDateMonthYear = "ExpDateMonthYear_Empty";
      else if (!parts || +parts[0] < 1 || +parts[0] > 12) errors.expDateMonthYear = "ExpDateMonthYear_Invalid";
      else { month = parts[0]; year = parts[1]; }
    } else {
      month = digits(v.expDateMonth); year = digits(v.expDateYear);
      if (!String(v.expDateMonth || "").trim()) errors.expDateMonth = "ExpDateMonth_Empty";
      else if (!/^\d{1,2}$/.test(String(v.expDateMonth).trim()) || +month < 1 || +month > 12) errors.expDateMonth = "ExpDateMonth_Invalid";
      if (!String(v.expDateYear || "").trim()) errors.expDateYear = "ExpDateYear_Empty";
      else if (!/^\d{2}(\d{2})?$/.test(String(v.expDateYear).trim())) errors.expDateYear = "ExpDateYear_Invalid";
    }
    var cvv = v.cvv === "none" ? "" : digits(v.cvv);
    if (v.cvv !== "none") {
      if (!String(v.cvv || "").trim()) errors.cvv = "Cvv_Empty";
      else if (!/^\d+$/.test(String(v.cvv).trim()) || (isAmex(number) ? cvv.length !== 4 : cvv.length < 3 || cvv.length > 4)) errors.cvv = "Cvv_Invalid";
    }
    if (v.name != null) {
      var name = String(v.name).trim(), bare = name.replace(/\s/g, "");
      if (!name) errors.name = "Name_Empty";
      else if (!/^[-–., A-Z0-9]+$/i.test(name)) errors.name = "Name_Invalid";
      else if (bare.length < 2) errors.name = "Name_TooShort";
      else if (bare.length > 26) errors.name = "Name_TooLong";
    }
    var yy = year ? ("0" + (+year % 100)).slice(-2) : "", mm = month ? ("0" + +month).slice(-2) : "";
    return { errors: errors, card: { number: number, yy: yy, mm: mm, cvv: cvv } };
  }

  // --- the packet (Format A, spec §7.2) --------------------------------------------------------
  function browserInfo() {
    return textToBase64(JSON.stringify({
      AcceptHeader: "*/*", JavaEnabled: false, JavaScriptEnabled: true,
      Language: navigator.language || "", ColorDepth: String(screen.colorDepth || 24),
      Height: String(screen.height || 0), Width: String(screen.width || 0),
      TimeZone: String(new Date().getTimezoneOffset()), UserAgent: navigator.userAgent || ""
    }));
  }
  function packet(publicId, card) {
    var key = rsaPublicKey(KEY.pem);
    var value = rsaEncrypt(key, card.number + "@" + card.yy + card.mm + "@" + card.cvv + "@" + publicId);
    return textToBase64(JSON.stringify({
      Type: "CloudCard",
      metaData: { PaymentUrl: location.href, ReferrerUrl: document.referrer || "" },
      BrowserInfoBase64: browserInfo(),
      Format: 1,
      CardInfo: { FirstSixDigits: card.number.slice(0, 6), LastFourDigits: card.number.slice(-4),
                  ExpDateYear: card.yy, ExpDateMonth: card.mm },
      KeyVersion: String(KEY.version),
      Value: value
    }));
  }

  var FIELDS = ["cardNumber", "expDateMonth", "expDateYear", "expDateMonthYear", "cvv", "name"];

  function Checkout(options, container) {
    if (!(this instanceof Checkout)) return new Checkout(options, container);
    if (typeof options === "string") options = { publicId: options, container: container };
    options = options || {};
    this.publicId = options.publicId;
    this.container = options.container || null;
  }
  // Field values from the container's data-cp inputs, merged with `values`.
  Checkout.prototype.values = function (values) {
    var out = {}, given = values || {};
    if (this.container) {
      var inputs = this.container.querySelectorAll("[data-cp]");
      for (var i = 0; i < inputs.length; i++) {
        var field = inputs[i].getAttribute("data-cp");
        if (FIELDS.indexOf(field) < 0) continue;
        if (inputs[i].hasAttribute("name")) throw new Error("Private card data elements must not contain attribute 'name'");
        if (given[field] != null) throw new Error("Field '" + field + "' is given both in the form and in the object");
        out[field] = inputs[i].value;
      }
    }
    for (var k in given) if (FIELDS.indexOf(k) >= 0 && given[k] != null) out[k] = given[k];
    return out;
  };
  Checkout.prototype.createPaymentCryptogram = function (values) {
    var self = this;
    return new Promise(function (resolve, reject) {
      var checked = validate(self.values(values));
      if (Object.keys(checked.errors).length) return reject(checked.errors);
      resolve(packet(self.publicId, checked.card));
    });
  };
  // Deprecated synchronous form: {success, packet, messages}.
  Checkout.prototype.createCryptogramPacket = function (values) {
    var checked = validate(this.values(values)), messages = {};
    for (var f in checked.errors) messages[f] = MESSAGES[checked.errors[f]];
    if (Object.keys(messages).length) return { success: false, packet: null, messages: messages };
    return { success: true, packet: packet(this.publicId, checked.card), messages: null };
  };
  Checkout.validate = validate;
  Checkout.luhn = luhn;

  root.cp = root.cp || {};
  root.cp.Checkout = Checkout;
})(window);
