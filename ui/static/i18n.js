// i18n.js — the strings of the shopper and simulator pages in English, German
// and Spanish (loaded before this script from /i18n/strings.js), and the
// formatting of money, weights and VAT rates by the same rules as the receipt
// (the "fmt.*" entries). Plain script (no modules, no build step); exposes
// window.KioskI18n.
"use strict";

(function () {
  // Every string is in the kiosk's one translation file (Go package i18n,
  // strings.json), which the server serves as /i18n/strings.js: the receipt
  // takes its words from the same entries.
  const STRINGS = window.KIOSK_STRINGS || { en: {} };

  // Endonyms: each language is named in itself on the switch.
  const LANG_NAMES = { en: "English", de: "Deutsch", es: "Español" };
  const DEFAULT_LANG = "en";

  function norm(lang) {
    return Object.prototype.hasOwnProperty.call(STRINGS, lang) ? lang : DEFAULT_LANG;
  }

  function has(lang, key) {
    return Object.prototype.hasOwnProperty.call(STRINGS[norm(lang)], key);
  }

  // t returns the string for key in lang (falling back to English, then the key)
  // with {name} placeholders replaced by vars.name.
  function t(lang, key, vars) {
    const d = STRINGS[norm(lang)];
    let s = Object.prototype.hasOwnProperty.call(d, key) ? d[key] : STRINGS[DEFAULT_LANG][key];
    if (s === undefined) return key;
    if (vars) {
      s = s.replace(/\{(\w+)\}/g, (m, k) => (Object.prototype.hasOwnProperty.call(vars, k) ? String(vars[k]) : m));
    }
    return s;
  }

  // plural picks key.one / key.other with {n}.
  function plural(lang, key, n) {
    let cat = "other";
    try {
      cat = new Intl.PluralRules(norm(lang)).select(n);
    } catch (e) { /* keep "other" */ }
    const k = has(lang, key + "." + cat) ? key + "." + cat : key + ".other";
    return t(lang, k, { n: formatInt(lang, n) });
  }

  // errorMessage turns a server error code into a friendly sentence. Unknown
  // codes fall back to the server's message, then a generic sentence.
  function errorMessage(lang, code, serverMessage) {
    if (code) {
      if (has(lang, "err." + code)) return t(lang, "err." + code);
      const family = String(code).split(".")[0];
      if (family === "scan" || family === "request" || family === "http") return t(lang, "err." + family);
    }
    if (serverMessage) return String(serverMessage);
    return t(lang, "err.generic");
  }

  const fmtCache = new Map();
  function nf(lang, opts) {
    const key = norm(lang) + JSON.stringify(opts);
    let f = fmtCache.get(key);
    if (!f) {
      try {
        f = new Intl.NumberFormat(norm(lang), opts);
      } catch (e) {
        f = null;
      }
      fmtCache.set(key, f);
    }
    return f;
  }

  // number writes a decimal (a string such as "-1234.5", or a number) with
  // places decimals, or up to places when trim is set, in the language's
  // "fmt.decimal" and "fmt.group": the digits of a decimal string are kept
  // as they are, so amounts are exact. null when value is not a number.
  function number(lang, value, places, trim) {
    if (value === undefined || value === null || value === "") return null;
    let s = String(value).trim();
    if (!/^-?\d+(\.\d+)?$/.test(s) || (s.split(".")[1] || "").length > places) {
      const n = Number(value);
      if (!Number.isFinite(n)) return null;
      s = n.toFixed(places); // rounds a longer fraction; the server sends amounts at 2 places
    }
    let sign = "";
    if (s[0] === "-") {
      sign = "-";
      s = s.slice(1);
    }
    let [int, frac = ""] = s.split(".");
    int = int.replace(/^0+(?=\d)/, "");
    frac = frac.padEnd(places, "0");
    if (trim) frac = frac.replace(/0+$/, "");
    if (!/[1-9]/.test(int + frac)) sign = "";
    const group = t(lang, "fmt.group");
    let out = "";
    for (let i = 0; i < int.length; i++) {
      if (i > 0 && (int.length - i) % 3 === 0) out += group;
      out += int[i];
    }
    return sign + out + (frac ? t(lang, "fmt.decimal") + frac : "");
  }

  // money formats a decimal string ("12.34") as the receipt does: "€12.34",
  // "12,34 €", or with the ISO code for a currency without a symbol entry.
  function money(lang, currency, amount) {
    const n = number(lang, amount, 2, false);
    if (n === null) return "–";
    const cur = currency || "EUR";
    let sign = "";
    let a = n;
    if (a[0] === "-") {
      sign = "-";
      a = a.slice(1);
    }
    const sym = "currency." + cur;
    if (has(lang, sym) || has(DEFAULT_LANG, sym)) return sign + t(lang, "fmt.money", { symbol: t(lang, sym), amount: a });
    return sign + t(lang, "fmt.moneyCode", { currency: cur, amount: a });
  }

  // weightKg formats grams as kilograms with three decimals ("1.250", "1,250").
  function weightKg(lang, grams) {
    const g = Number(grams);
    if (!Number.isFinite(g)) return "–";
    return number(lang, (g / 1000).toFixed(3), 3, false);
  }

  // percent formats a VAT rate given in percent ("19", "5.5") as "19%" / "19 %".
  function percent(lang, rate) {
    const n = number(lang, rate, 2, true);
    if (n === null) return String(rate) + " %";
    return t(lang, "fmt.percent", { n });
  }

  function formatInt(lang, n) {
    const f = nf(lang, { maximumFractionDigits: 0 });
    return f ? f.format(n) : String(n);
  }

  // apply translates the static markup below root: data-i18n (text),
  // data-i18n-placeholder, data-i18n-aria-label, data-i18n-title and data-i18n-alt.
  function apply(root, lang) {
    const scope = root || document;
    scope.querySelectorAll("[data-i18n]").forEach((el) => {
      el.textContent = t(lang, el.getAttribute("data-i18n"));
    });
    scope.querySelectorAll("[data-i18n-placeholder]").forEach((el) => {
      el.setAttribute("placeholder", t(lang, el.getAttribute("data-i18n-placeholder")));
    });
    scope.querySelectorAll("[data-i18n-aria-label]").forEach((el) => {
      el.setAttribute("aria-label", t(lang, el.getAttribute("data-i18n-aria-label")));
    });
    scope.querySelectorAll("[data-i18n-title]").forEach((el) => {
      el.setAttribute("title", t(lang, el.getAttribute("data-i18n-title")));
    });
    scope.querySelectorAll("[data-i18n-alt]").forEach((el) => {
      el.setAttribute("alt", t(lang, el.getAttribute("data-i18n-alt")));
    });
  }

  // name picks a product's name in lang from a names object {en,de,es}.
  function name(lang, names, fallback) {
    if (names && typeof names === "object") {
      const v = names[norm(lang)] || names[DEFAULT_LANG];
      if (v) return String(v);
      for (const k of Object.keys(names)) if (names[k]) return String(names[k]);
    }
    return fallback === undefined ? "" : String(fallback);
  }

  window.KioskI18n = {
    STRINGS,
    LANG_NAMES,
    DEFAULT_LANG,
    norm,
    has,
    t,
    plural,
    errorMessage,
    number,
    money,
    weightKg,
    percent,
    formatInt,
    apply,
    name
  };
})();
