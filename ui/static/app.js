// app.js — the kiosk's browser client and the shopper screen.
//
// KioskClient (shared with sim.html): commands with idempotency keys and one
// retry, JSON reads and posts, and the Server-Sent Events stream with reconnects.
// The shopper screen itself starts only on a page with <body data-page="shopper">.
//
// Rules kept throughout: every piece of data reaches the page through
// textContent / attributes (never innerHTML); a view older than the one shown
// is ignored; the server is the only authority on state, money and VAT.
"use strict";

(function () {
  const I = window.KioskI18n;

  // ---------------------------------------------------------------- client

  class ApiError extends Error {
    constructor(code, message, kind, status) {
      super(message || code);
      this.name = "ApiError";
      this.code = code;
      this.kind = kind || "";
      this.status = status || 0;
    }
  }

  // uuid returns a random RFC 4122 v4 id (crypto.randomUUID where available).
  function uuid() {
    const c = window.crypto;
    if (c && typeof c.randomUUID === "function") {
      try {
        return c.randomUUID();
      } catch (e) { /* not a secure context: build one below */ }
    }
    const b = new Uint8Array(16);
    if (c && typeof c.getRandomValues === "function") {
      c.getRandomValues(b);
    } else {
      for (let i = 0; i < 16; i++) b[i] = Math.floor(Math.random() * 256);
    }
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  const TIMEOUT_MS = 10000;
  const RETRY_DELAY_MS = 300;

  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  // fetchText does one HTTP exchange, body included, within ms. It rejects only
  // on a network failure or timeout; HTTP error statuses resolve normally.
  async function fetchText(url, init, ms) {
    const ctl = typeof AbortController === "function" ? new AbortController() : null;
    const timer = ctl ? setTimeout(() => ctl.abort(), ms) : 0;
    try {
      const res = await fetch(url, Object.assign({ cache: "no-store", credentials: "same-origin" }, init, ctl ? { signal: ctl.signal } : {}));
      const text = await res.text();
      return { res, text };
    } finally {
      clearTimeout(timer);
    }
  }

  // decode turns an HTTP answer into data or an ApiError.
  function decode(res, text) {
    let data = null;
    if (text) {
      try {
        data = JSON.parse(text);
      } catch (e) {
        data = null;
      }
    }
    if (!res.ok) {
      const e = data && typeof data === "object" ? data.error : null;
      if (e && typeof e === "object" && e.code) {
        throw new ApiError(String(e.code), e.message ? String(e.message) : "", e.kind ? String(e.kind) : "", res.status);
      }
      throw new ApiError("http." + res.status, res.statusText || "", "", res.status);
    }
    if (data === null || typeof data !== "object") {
      throw new ApiError("http.bad_response", "the server's answer is not JSON", "", res.status);
    }
    return data;
  }

  async function getJSON(url) {
    let r;
    try {
      r = await fetchText(url, { headers: { Accept: "application/json" } }, TIMEOUT_MS);
    } catch (e) {
      throw new ApiError("http.network", String((e && e.message) || e));
    }
    return decode(r.res, r.text);
  }

  // postJSON posts body (if any) as JSON once: no retry, for requests that are
  // not idempotent (a simulated scan sent twice scans twice).
  async function postJSON(url, body, ms) {
    let r;
    try {
      r = await fetchText(url, {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body)
      }, ms || TIMEOUT_MS);
    } catch (e) {
      throw new ApiError("http.network", String((e && e.message) || e));
    }
    return decode(r.res, r.text);
  }

  // Commands still waiting for their answer, by body: a double tap on the same
  // button joins the first request instead of sending a second one.
  const inflight = new Map();

  // postCommand sends one command to the lane. A network failure (or timeout)
  // is retried once with the same Idempotency-Key, so the lane applies it at
  // most once. Resolves to {view, events, replayed}; rejects with ApiError.
  function postCommand(cmd, opts) {
    const dedupe = !(opts && opts.dedupe === false);
    const body = JSON.stringify(cmd);
    if (dedupe && inflight.has(body)) return inflight.get(body);
    const key = uuid();
    const p = (async () => {
      let lastErr = null;
      for (let attempt = 0; attempt < 2; attempt++) {
        if (attempt > 0) await sleep(RETRY_DELAY_MS);
        let r;
        try {
          r = await fetchText("/api/commands", {
            method: "POST",
            headers: { "Content-Type": "application/json", "Idempotency-Key": key, Accept: "application/json" },
            body
          }, TIMEOUT_MS);
        } catch (e) {
          lastErr = new ApiError("http.network", String((e && e.message) || e));
          continue;
        }
        return decode(r.res, r.text);
      }
      throw lastErr;
    })();
    if (dedupe) {
      inflight.set(body, p);
      const done = () => {
        if (inflight.get(body) === p) inflight.delete(body);
      };
      p.then(done, done);
    }
    return p;
  }

  function parseData(s) {
    try {
      return JSON.parse(s);
    } catch (e) {
      return null;
    }
  }

  // connectEvents follows /api/events. handlers: onState(view), onJournal(event),
  // onNotice(notice) — something the lane tells the screen without recording
  // it (a refused device scan, a new produce-scale weight),
  // onStatus("online"|"offline"), onReconnect() — called once each time the
  // stream comes back after an error (the browser resumes with Last-Event-ID;
  // the caller re-reads the lane to be sure), onReset(view) — the lane's history
  // is not the one the page followed (its database was replaced or restored,
  // and its sequence numbers are lower than the page's): forget what is shown
  // and start over from view. Without onReset the page reloads itself.
  function connectEvents(handlers) {
    const h = handlers || {};
    let es = null;
    let failed = false;
    let retryMs = 1000;
    let lastId = ""; // the last event id seen: a stream we reopen ourselves resumes there
    function open() {
      es = new EventSource(lastId ? "/api/events?lastEventId=" + encodeURIComponent(lastId) : "/api/events");
      es.addEventListener("open", () => {
        retryMs = 1000;
        if (h.onStatus) h.onStatus("online");
        if (failed) {
          failed = false;
          if (h.onReconnect) h.onReconnect();
        }
      });
      es.addEventListener("error", () => {
        failed = true;
        if (h.onStatus) h.onStatus("offline");
        if (es.readyState === EventSource.CLOSED) {
          // The browser gave up (e.g. an HTTP error): open a new stream ourselves.
          es.close();
          setTimeout(open, retryMs);
          retryMs = Math.min(retryMs * 2, 15000);
        }
      });
      es.addEventListener("state", (ev) => {
        if (ev.lastEventId) lastId = ev.lastEventId;
        const v = parseData(ev.data);
        if (v && typeof v === "object" && h.onState) h.onState(v);
      });
      es.addEventListener("journal", (ev) => {
        if (ev.lastEventId) lastId = ev.lastEventId;
        const j = parseData(ev.data);
        if (j && typeof j === "object" && h.onJournal) h.onJournal(j);
      });
      es.addEventListener("reset", (ev) => {
        if (ev.lastEventId) lastId = ev.lastEventId;
        const v = parseData(ev.data);
        if (!h.onReset) {
          location.reload();
        } else if (v && typeof v === "object") {
          h.onReset(v);
        }
      });
      es.addEventListener("notice", (ev) => {
        const n = parseData(ev.data);
        if (n && typeof n === "object" && typeof n.kind === "string" && h.onNotice) h.onNotice(n);
      });
    }
    open();
    return { close: () => es && es.close() };
  }

  // make creates an element with a class and text; data only ever goes in as text.
  function make(tag, className, text) {
    const n = document.createElement(tag);
    if (className) n.className = className;
    if (text !== undefined && text !== null) n.textContent = String(text);
    return n;
  }

  // nextView says what to show when view v arrives while shown is on screen:
  // {view} — v itself when whole, or v applied onto shown when v is partial
  // (SSE states and command answers carry only the lines a change touched);
  // {skip} — v is not newer than shown; {gap} — v is partial onto a view the
  // page does not have: re-read /api/lane.
  function nextView(shown, v) {
    if (!v || typeof v !== "object" || typeof v.seq !== "number") return { skip: true };
    if (shown && (v.seq < shown.seq || (v.partial && v.seq === shown.seq))) return { skip: true };
    if (!v.partial) return { view: v };
    if (!shown || v.from !== shown.seq) return { gap: true };
    const count = Number(v.lineCount) || 0;
    const sameTxn = shown.txn && v.txn && shown.txn.id === v.txn.id;
    const lines = sameTxn && Array.isArray(shown.lines) ? shown.lines.slice(0, count) : [];
    for (const ln of Array.isArray(v.lines) ? v.lines : []) {
      if (ln && Number.isInteger(ln.no) && ln.no >= 1 && ln.no <= count) lines[ln.no - 1] = ln;
    }
    for (let i = 0; i < count; i++) if (!lines[i]) return { gap: true };
    const whole = Object.assign({}, v, { lines, partial: false });
    delete whole.from;
    return { view: whole };
  }

  window.KioskClient = { ApiError, uuid, getJSON, postJSON, postCommand, connectEvents, make, nextView };

  // ------------------------------------------------------- shopper screen

  function initShopper() {
    const $ = (id) => document.getElementById(id);
    const el = {
      body: document.body,
      laneLabel: $("lane-label"),
      langButtons: Array.from(document.querySelectorAll(".lang-btn")),
      help: $("help-button"),
      helpLabel: $("help-label"),
      conn: $("conn"),
      connLabel: $("conn-label"),
      alert: $("alert"),
      welcome: $("welcome"),
      start: $("start-button"),
      basket: $("basket"),
      basketScroll: $("basket-scroll"),
      linesBody: $("lines-body"),
      basketEmpty: $("basket-empty"),
      pay: $("pay-screen"),
      payTotal: $("pay-total"),
      payCount: $("pay-count"),
      resume: $("resume-button"),
      receiptBox: $("receipt-box"),
      receiptPreview: $("receipt-preview"),
      summary: $("summary"),
      total: $("total"),
      itemCount: $("item-count"),
      vat: $("vat"),
      vatBody: $("vat-body"),
      actions: $("actions"),
      checkout: $("checkout-button"),
      cancel: $("cancel-button"),
      produceButton: $("produce-button"),
      codeForm: $("code-form"),
      codeInput: $("code-input"),
      simLink: $("sim-link"),
      journal: $("journal"),
      journalList: $("journal-list"),
      producePanel: $("produce-panel"),
      produceClose: $("produce-close"),
      producePick: $("produce-pick"),
      produceFilter: $("produce-filter"),
      produceStatus: $("produce-status"),
      produceList: $("produce-list"),
      produceWeigh: $("produce-weigh"),
      weightTitle: $("weight-title"),
      weightPrice: $("weight-price"),
      weightInput: $("weight-input"),
      weightHint: $("weight-hint"),
      weightLabel: $("weight-label"),
      scaleBox: $("scale-box"),
      scaleWeight: $("scale-weight"),
      weightScale: $("weight-scale"),
      weightBack: $("weight-back"),
      toast: $("toast")
    };

    let config = { lane: "", currency: "EUR", lang: I.DEFAULT_LANG, langs: ["en", "de", "es"], demo: false, keyboardWedge: false };
    let view = null;
    let shownSeq = -1;
    let lang = I.DEFAULT_LANG;
    let appliedLang = "";
    let conn = "connecting";
    let lastLineCount = 0;

    const t = (key, vars) => I.t(lang, key, vars);
    const money = (amount) => I.money(lang, (view && view.currency) || config.currency, amount);

    // ---- views

    // acceptView shows v unless an equal-or-newer view is already shown.
    function acceptView(v) {
      const next = nextView(view, v);
      if (next.gap) refreshLane();
      if (!next.view) return false;
      view = next.view;
      shownSeq = view.seq;
      render();
      return true;
    }

    function refreshLane() {
      getJSON("/api/lane").then(acceptView, () => { /* the stream or the next try will bring it */ });
    }

    // resetView starts over from v: the lane's sequence numbers began again
    // (a replaced database), so what the page shows belongs to another history.
    function resetView(v) {
      shownSeq = -1;
      view = null; // nextView would skip a view older than the one shown
      el.journalList.replaceChildren();
      acceptView(v);
    }

    function lines() {
      return view && Array.isArray(view.lines) ? view.lines : [];
    }

    function findLine(no) {
      return lines().find((ln) => ln && ln.no === no) || null;
    }

    function lineName(ln) {
      return I.name(lang, ln.names, ln.gtin || ln.plu || "");
    }

    function render() {
      lang = I.norm((view && view.lang) || config.lang);
      if (lang !== appliedLang) {
        appliedLang = lang;
        document.documentElement.lang = lang;
        I.apply(document, lang);
      }
      const state = view ? String(view.state || "idle") : "loading";
      el.body.dataset.state = state;
      el.body.dataset.lang = lang;
      document.title = t("app.title");
      const lane = (view && view.lane) || config.lane;
      el.laneLabel.textContent = lane ? t("header.lane", { lane }) : "";

      for (const b of el.langButtons) {
        const on = b.dataset.lang === lang;
        b.setAttribute("aria-pressed", on ? "true" : "false");
        b.classList.toggle("active", on);
        b.hidden = Array.isArray(config.langs) && config.langs.length > 0 && !config.langs.includes(b.dataset.lang);
      }

      const idle = state === "idle" || state === "loading";
      const paying = state === "ready_to_pay";
      el.welcome.hidden = !idle;
      el.basket.hidden = idle || paying;
      el.pay.hidden = !paying;
      el.summary.hidden = idle;
      el.actions.hidden = idle;
      el.checkout.hidden = paying;

      renderConn();
      renderLines();
      renderTotals();
      renderAlerts(state);
      renderReceipt(paying);
      if (!el.producePanel.hidden) renderProduce();
    }

    // renderReceipt shows the receipt as the printer will print it, read again
    // after every change while the shopper is on the pay screen.
    let receiptKey = "";
    function renderReceipt(paying) {
      if (!paying) {
        receiptKey = "";
        el.receiptBox.hidden = true;
        return;
      }
      const key = ((view.txn && view.txn.id) || "") + "/" + view.seq + "/" + lang;
      if (key === receiptKey) return;
      receiptKey = key;
      el.receiptPreview.src = "/receipts/last.png?t=" + encodeURIComponent(key);
    }

    function renderLines() {
      const ls = lines();
      let latest = 0;
      for (const ln of ls) if (ln && !ln.voided && ln.no > latest) latest = ln.no;
      const frag = document.createDocumentFragment();
      for (const ln of ls) if (ln) frag.appendChild(lineRow(ln, ln.no === latest));
      el.linesBody.replaceChildren(frag);
      el.basketEmpty.hidden = ls.some((ln) => ln && !ln.voided);
      if (ls.length > lastLineCount) el.basketScroll.scrollTop = el.basketScroll.scrollHeight;
      lastLineCount = ls.length;
    }

    function lineButton(act, no, label, text, className) {
      const b = make("button", "btn-line " + className, text);
      b.type = "button";
      b.dataset.act = act;
      b.dataset.line = String(no);
      b.setAttribute("aria-label", label);
      b.title = label;
      return b;
    }

    function lineRow(ln, latest) {
      const name = lineName(ln);
      const weighed = ln.soldBy === "weight";
      const fixed = weighed || !!ln.embedded;
      const qty = Number(ln.qty) || 0;

      const tr = make("tr", "line" + (ln.voided ? " voided" : "") + (latest ? " latest" : ""));
      tr.dataset.no = String(ln.no);
      if (ln.gtin) tr.dataset.gtin = String(ln.gtin);

      const tdName = make("td", "col-name");
      tdName.appendChild(make("span", "line-name", name));
      const age = Number(ln.minAge) || 0;
      if (age > 0) {
        const badge = make("span", "age-badge", age + "+");
        badge.title = t("line.age", { age });
        badge.setAttribute("aria-label", t("line.age", { age }));
        tdName.appendChild(badge);
      }
      if (ln.voided) tdName.appendChild(make("span", "voided-tag", t("line.voided")));

      const tdQty = make("td", "col-qty");
      if (!fixed) {
        const box = make("div", "qty-box");
        if (!ln.voided) {
          const minus = lineButton("minus", ln.no, t("line.less", { name }), "\u2212", "qty-minus");
          const plus = lineButton("plus", ln.no, t("line.more", { name }), "+", "qty-plus");
          plus.disabled = qty >= 99;
          // Without the store's rule, each further unit is scanned: the lane
          // answers "+" with that hint, and the button looks it.
          plus.classList.toggle("scan-each", !ln.canAdd);
          box.append(minus, make("span", "qty-value", qty), plus);
        } else {
          box.appendChild(make("span", "qty-value", qty));
        }
        tdQty.append(box, make("div", "line-detail", t("line.each", { price: money(ln.unitPrice) })));
      } else {
        const grams = Number(ln.weightG) || 0;
        let detail;
        if (ln.embedded && grams > 0) detail = t("line.labelWeight", { weight: I.weightKg(lang, grams) });
        else if (ln.embedded) detail = (qty > 1 ? qty + " × " : "") + t("line.label");
        else if (grams > 0) detail = t("line.weight", { weight: I.weightKg(lang, grams), price: money(ln.unitPrice) });
        else detail = t("produce.perKg", { price: money(ln.unitPrice) });
        tdQty.appendChild(make("div", "line-detail line-weight", detail));
      }

      const tdAmount = make("td", "col-amount amount", money(ln.amount));

      const tdActions = make("td", "col-actions");
      if (!ln.voided) {
        tdActions.appendChild(lineButton("remove", ln.no, t("line.removeLabel", { name }), t("line.remove"), "remove"));
      }
      tr.append(tdName, tdQty, tdAmount, tdActions);
      return tr;
    }

    function renderTotals() {
      const totals = (view && view.totals) || {};
      el.total.textContent = money(totals.total === undefined ? "0" : totals.total);
      const items = Number(totals.items) || 0;
      el.itemCount.textContent = I.formatInt(lang, items);
      el.payTotal.textContent = el.total.textContent;
      el.payCount.textContent = I.plural(lang, "items", items);
      const rows = Array.isArray(totals.vat) ? totals.vat : [];
      const frag = document.createDocumentFragment();
      for (const r of rows) {
        if (!r) continue;
        const tr = make("tr", "vat-row");
        tr.dataset.rate = String(r.rate);
        if (r.class) tr.dataset.class = String(r.class);
        tr.append(
          make("td", "vat-rate", I.percent(lang, r.rate)),
          make("td", "vat-net", money(r.net)),
          make("td", "vat-tax", money(r.tax)),
          make("td", "vat-gross", money(r.gross))
        );
        frag.appendChild(tr);
      }
      el.vatBody.replaceChildren(frag);
      el.vat.classList.toggle("empty", rows.length === 0);
    }

    function alertDetail(a) {
      let d = a.detail;
      if (typeof d === "string") d = parseData(d);
      return d && typeof d === "object" ? d : {};
    }

    // alertText is the shopper's sentence for an alert, plus an optional detail line.
    function alertText(a) {
      const d = alertDetail(a);
      switch (a.type) {
        case "item_not_found": {
          const code = d.code ? String(d.code).slice(0, 64) : "";
          return { msg: t("alert.item_not_found"), detail: code ? t("alert.code", { code }) : "" };
        }
        case "void_request": {
          const no = Number(d.line) || 0;
          const ln = findLine(no);
          const name = ln ? lineName(ln) : t("line.number", { n: no });
          const to = Number(d.toQty) || 0;
          if (to > 0) return { msg: t("alert.void_request_qty", { name, from: Number(d.fromQty) || 0, to }), detail: "" };
          return { msg: t("alert.void_request", { name }), detail: "" };
        }
        case "cancel_request":
          return { msg: t("alert.cancel_request"), detail: "" };
        case "typed_label": {
          const code = d.code ? String(d.code).slice(0, 64) : "";
          return { msg: t("alert.typed_label"), detail: code ? t("alert.code", { code }) : "" };
        }
        case "age_check": {
          const age = Number(d.minAge) || 0;
          return { msg: age > 0 ? t("alert.age_check_min", { age }) : t("alert.age_check"), detail: "" };
        }
        case "help":
          return { msg: t("alert.help"), detail: "" };
        case "scanner_fault":
        case "printer_fault":
        case "printer_warning":
        case "scale_fault":
          return deviceAlertText(a, d);
        default:
          return { msg: t("alert.other"), detail: "" };
      }
    }

    // deviceAlertText picks the most specific sentence there is for a device
    // fault: alert.<type>.<device>.<fault>, alert.<type>.<fault>, then the
    // type's and the device's general sentences. The lane clears these alerts
    // itself when the device recovers.
    function deviceAlertText(a, d) {
      const type = String(a.type);
      const dev = String(d.device || "").replace(/^scale\./, "");
      const fault = String(d.fault || "");
      const keys = [];
      if (dev && fault) keys.push("alert." + type + "." + dev + "." + fault);
      if (fault) keys.push("alert." + type + "." + fault);
      if (dev) keys.push("alert." + type + "." + dev);
      keys.push("alert." + type);
      const key = keys.find((k) => I.has(lang, k) || I.has("en", k));
      const msg = key ? t(key) : t("alert.other");
      let detail = "";
      if (type === "printer_fault") detail = t("alert.printer_fault.detail");
      else if (type === "scanner_fault" && !a.blocking) detail = t("alert.scanner_fault.detail");
      return { msg, detail, plain: true };
    }

    function renderAlerts(state) {
      const alerts = (view && Array.isArray(view.alerts) ? view.alerts : []).filter((a) => a && typeof a === "object");
      const blocking = alerts.filter((a) => a.blocking);
      const info = alerts.filter((a) => !a.blocking);
      const frag = document.createDocumentFragment();
      for (const a of blocking) {
        const { msg, detail, plain } = alertText(a);
        const box = make("div", "alert-blocking");
        box.dataset.type = String(a.type);
        box.dataset.id = String(a.id);
        box.setAttribute("role", "alert");
        box.appendChild(make("span", "alert-icon", "!")).setAttribute("aria-hidden", "true");
        const textBox = make("div", "alert-body");
        textBox.appendChild(make("p", "alert-message", msg));
        if (detail) textBox.appendChild(make("p", plain ? "alert-detail plain" : "alert-detail", detail));
        box.appendChild(textBox);
        frag.appendChild(box);
      }
      if (blocking.length > 0 || state === "suspended") {
        frag.appendChild(make("p", "alert-paused", t("alert.paused")));
      }
      for (const a of info) {
        const { msg, detail } = alertText(a);
        const strip = make("div", "alert-info");
        strip.dataset.type = String(a.type);
        strip.dataset.id = String(a.id);
        strip.appendChild(make("span", "alert-info-icon", "i")).setAttribute("aria-hidden", "true");
        strip.appendChild(make("span", "alert-info-text", detail ? msg + " " + detail : msg));
        frag.appendChild(strip);
      }
      el.alert.replaceChildren(frag);
      el.alert.hidden = alerts.length === 0 && state !== "suspended";
      el.alert.classList.toggle("blocking", blocking.length > 0 || state === "suspended");
      el.alert.dataset.types = alerts.map((a) => String(a.type)).join(" ");

      const helpOpen = alerts.some((a) => a.type === "help");
      el.helpLabel.textContent = helpOpen ? t("help.pending") : t("help.button");
      el.help.classList.toggle("pending", helpOpen);
      el.help.dataset.pending = helpOpen ? "true" : "false";
    }

    // ---- connection

    function setConn(status) {
      conn = status;
      renderConn();
    }

    function renderConn() {
      el.conn.dataset.conn = conn;
      el.conn.className = "conn " + conn;
      el.connLabel.textContent = t("conn." + conn);
      el.body.classList.toggle("is-offline", conn === "offline");
    }

    // ---- toast

    let toastTimer = 0;
    function hideToast() {
      clearTimeout(toastTimer);
      el.toast.hidden = true;
      el.toast.textContent = "";
      delete el.toast.dataset.code;
    }

    function toast(message, code) {
      clearTimeout(toastTimer);
      el.toast.textContent = message;
      el.toast.dataset.code = code || "";
      el.toast.hidden = false;
      toastTimer = setTimeout(hideToast, 4000);
    }

    function showError(err) {
      const code = err && err.code ? String(err.code) : "";
      const msg = err instanceof ApiError ? err.message : "";
      toast(I.errorMessage(lang, code, msg === code ? "" : msg), code);
    }

    el.toast.addEventListener("click", hideToast);

    // ---- notices: what the lane's devices say that changes nothing on record

    function onNotice(n) {
      switch (n.kind) {
        case "scan_refused": {
          // The scanner's read was refused: the same toast as a refused typed scan.
          const code = n.code ? String(n.code) : "";
          const msg = n.message ? String(n.message) : "";
          toast(I.errorMessage(lang, code, msg === code ? "" : msg), code);
          break;
        }
        case "scale":
          if (n.role === "scale.produce") {
            scale.present = true;
            scale.notices++;
            scale.moving = !!n.moving; // the load is changing: nothing to sell by yet
            if (!scale.moving) scale.grams = Number(n.grams) || 0; // 0 is left out of the notice
            if (chosen) renderScale();
          }
          break;
      }
    }

    el.receiptPreview.addEventListener("load", () => {
      el.receiptBox.hidden = el.pay.hidden;
    });
    el.receiptPreview.addEventListener("error", () => {
      el.receiptBox.hidden = true;
    });

    // ---- commands

    // run sends cmd, shows the returned view at once and any error as a toast
    // (an error toast still up from before is stale once a command succeeds).
    // Resolves to the result, or null after an error.
    async function run(cmd, opts) {
      try {
        const res = await postCommand(cmd, opts);
        if (res && res.view) acceptView(res.view);
        if (!el.toast.hidden) hideToast();
        return res;
      } catch (err) {
        showError(err);
        return null;
      }
    }

    // singleTap drops the second click of a double tap (the browser counts
    // quick taps in event.detail); separate taps always get through.
    const singleTap = (fn) => (e) => {
      if (e.detail > 1) {
        e.preventDefault();
        return;
      }
      fn(e);
    };

    for (const b of el.langButtons) {
      b.addEventListener("click", singleTap(() => run({ op: "lang", lang: b.dataset.lang })));
    }
    el.help.addEventListener("click", singleTap(() => run({ op: "help" })));
    el.start.addEventListener("click", singleTap(() => run({ op: "start" })));
    el.checkout.addEventListener("click", singleTap(() => run({ op: "checkout" })));
    el.cancel.addEventListener("click", singleTap(() => run({ op: "cancel" })));
    el.resume.addEventListener("click", singleTap(() => run({ op: "resume" })));

    el.linesBody.addEventListener("click", singleTap((e) => {
      const b = e.target instanceof Element ? e.target.closest("button[data-act]") : null;
      if (!b || b.disabled) return;
      const no = Number(b.dataset.line);
      const ln = findLine(no);
      if (!ln || ln.voided) return;
      const qty = Number(ln.qty) || 0;
      switch (b.dataset.act) {
        case "plus":
          run({ op: "quantity", line: no, qty: qty + 1 });
          break;
        case "minus":
          if (qty <= 1) run({ op: "void", line: no });
          else run({ op: "quantity", line: no, qty: qty - 1 });
          break;
        case "remove":
          run({ op: "void", line: no });
          break;
      }
    }));

    let lastTypedOk = -Infinity;
    $("code-submit").addEventListener("click", singleTap(() => {}));
    el.codeForm.addEventListener("submit", async (e) => {
      e.preventDefault();
      const code = el.codeInput.value.trim();
      if (!code) {
        // A second Enter right after a good scan is a bounce, not a mistake.
        if (performance.now() - lastTypedOk > 1500) showError(new ApiError("scan.empty"));
        return;
      }
      const res = await run({ op: "scan", code, source: "typed" });
      if (res) {
        lastTypedOk = performance.now();
        if (el.codeInput.value.trim() === code) el.codeInput.value = "";
      } else if (el.codeInput.value.trim() === code) {
        codeRefused = true;
        if (document.activeElement === el.codeInput) el.codeInput.select();
      }
    });
    // A refused code stays for correcting, selected on the next touch so that
    // typing a new code replaces it instead of appending to it.
    let codeRefused = false;
    el.codeInput.addEventListener("input", () => {
      codeRefused = false;
    });
    el.codeInput.addEventListener("focus", () => {
      if (codeRefused) setTimeout(() => el.codeInput.select(), 0);
    });

    // ---- produce

    let produce = null; // items of /api/catalog/produce once loaded
    let produceLoading = false;
    let produceError = null;
    let chosen = null; // the produce item being weighed

    // The produce scale as the lane last reported it: present once /api/devices
    // lists it or it sends a weight; grams is its last settled reading.
    const scale = { present: false, grams: 0, moving: false, notices: 0 };

    // scaleFault is the open alert of the produce scale, if any.
    function scaleFault() {
      const alerts = view && Array.isArray(view.alerts) ? view.alerts : [];
      return alerts.find((a) => a && a.type === "scale_fault" && alertDetail(a).device === "scale.produce") || null;
    }

    // loadScale reads the produce scale from /api/devices. A notice that
    // arrives while the read is under way is newer than its answer and wins.
    function loadScale() {
      const seen = scale.notices;
      getJSON("/api/devices").then((d) => {
        const s = (d && Array.isArray(d.devices) ? d.devices : []).find((x) => x && x.role === "scale.produce");
        if (!s || scale.notices !== seen) return;
        scale.present = true;
        scale.grams = Number(s.grams) || 0;
        scale.moving = !!s.moving;
        if (chosen) renderScale();
      }, () => { /* keep what we know; notices keep coming */ });
    }

    // renderScale shows the produce scale in the weigh step: its live reading
    // and "Use the scale"; with a scale there is no typed weight (the lane
    // sells only what its scale weighed).
    function renderScale() {
      const fault = scaleFault();
      el.scaleBox.hidden = !scale.present;
      const hintKey = scale.present ? "weight.hintScale" : "weight.hint";
      el.weightHint.setAttribute("data-i18n", hintKey);
      el.weightHint.textContent = t(hintKey);
      const labelKey = scale.present ? "weight.labelManual" : "weight.label";
      el.weightLabel.setAttribute("data-i18n", labelKey);
      el.weightLabel.textContent = t(labelKey);
      // With a scale the lane sells only what it weighed: no typed weight.
      el.weightLabel.hidden = scale.present;
      el.weightInput.closest(".weight-row").hidden = scale.present;
      if (!scale.present) return;
      let state;
      let text;
      if (fault) {
        state = "fault";
        text = t("weight.scaleFault");
      } else if (scale.moving) {
        state = "moving";
        text = t("weight.scaleMoving");
      } else if (scale.grams > 0) {
        state = "weight";
        text = t("weight.scale", { weight: I.weightKg(lang, scale.grams) });
      } else {
        state = "empty";
        text = t("weight.scaleEmpty");
      }
      el.scaleWeight.dataset.state = state;
      el.scaleWeight.dataset.grams = String(scale.grams);
      el.scaleWeight.textContent = text;
      el.weightScale.disabled = !!fault;
    }

    // weightSource is the one place a weighed item's weight comes from. The
    // produce scale comes first: while it works and the shopper typed nothing,
    // resolve to null and the lane reads its own settled weight (an empty scale
    // is refused there as scale.no_weight). Otherwise the number typed into
    // #weight-input: whole grams, 1..30000. Rejects with an ApiError.
    async function weightSource() {
      // A lane with a produce scale sells only what the scale weighed: the lane
      // refuses a typed weight there.
      if (scale.present) return null;
      const raw = String(el.weightInput.value).trim().replace(",", ".");
      const g = Math.round(Number(raw));
      if (raw === "" || !Number.isFinite(g) || g < 1 || g > 30000) {
        throw new ApiError("request.weight", "weight must be 1..30000 g");
      }
      return g;
    }

    function openProduce() {
      chosen = null;
      el.produceFilter.value = "";
      el.producePanel.hidden = false;
      showPick();
      if (!produce && !produceLoading) loadProduce();
      renderProduce();
    }

    function closeProduce() {
      el.producePanel.hidden = true;
      chosen = null;
      el.produceButton.focus({ preventScroll: true });
    }

    function showPick() {
      chosen = null;
      el.producePick.hidden = false;
      el.produceWeigh.hidden = true;
    }

    async function loadProduce() {
      produceLoading = true;
      produceError = null;
      renderProduce();
      try {
        const d = await getJSON("/api/catalog/produce");
        produce = Array.isArray(d.items) ? d.items.filter((x) => x && x.plu) : [];
      } catch (err) {
        produceError = err;
      }
      produceLoading = false;
      renderProduce();
    }

    function renderProduce() {
      if (chosen) {
        el.weightTitle.textContent = t("weight.title", { name: I.name(lang, chosen.names, chosen.plu) });
        el.weightPrice.textContent = t("produce.perKg", { price: money(chosen.price) });
        renderScale();
      }
      if (produceLoading || produceError || !produce) {
        el.produceList.replaceChildren();
        el.produceStatus.hidden = false;
        el.produceStatus.textContent = produceError
          ? I.errorMessage(lang, produceError.code, produceError.message)
          : t("produce.loading");
        return;
      }
      const q = el.produceFilter.value.trim().toLocaleLowerCase();
      const items = produce
        .filter((it) => {
          if (!q) return true;
          const names = it.names && typeof it.names === "object" ? Object.values(it.names) : [];
          return String(it.plu).includes(q) || names.some((n) => String(n).toLocaleLowerCase().includes(q));
        })
        .sort((a, b) => I.name(lang, a.names, a.plu).localeCompare(I.name(lang, b.names, b.plu), lang));
      const frag = document.createDocumentFragment();
      for (const it of items) {
        const b = make("button", "produce-item");
        b.type = "button";
        b.dataset.plu = String(it.plu);
        b.append(
          make("span", "produce-name", I.name(lang, it.names, it.plu)),
          make("span", "produce-price", t("produce.perKg", { price: money(it.price) })),
          make("span", "produce-plu", "PLU " + it.plu)
        );
        frag.appendChild(b);
      }
      el.produceList.replaceChildren(frag);
      el.produceStatus.hidden = items.length > 0;
      el.produceStatus.textContent = items.length > 0 ? "" : t("produce.none");
    }

    function choose(plu) {
      const it = (produce || []).find((x) => String(x.plu) === plu);
      if (!it) return;
      chosen = it;
      el.weightInput.value = scale.present ? "" : "500";
      el.producePick.hidden = true;
      el.produceWeigh.hidden = false;
      renderProduce();
      loadScale();
      el.weightInput.focus({ preventScroll: true });
      el.weightInput.select();
    }

    // weigh adds the chosen item; grams null lets the lane read its scale.
    async function weigh(grams) {
      if (!chosen) return;
      const cmd = { op: "weighed", plu: String(chosen.plu) };
      if (grams !== null) cmd.weightG = grams;
      const res = await run(cmd);
      if (res && !el.producePanel.hidden) closeProduce();
    }

    el.produceButton.addEventListener("click", openProduce);
    el.produceClose.addEventListener("click", closeProduce);
    el.weightBack.addEventListener("click", () => {
      showPick();
      renderProduce();
    });
    el.producePanel.addEventListener("click", (e) => {
      if (e.target === el.producePanel) closeProduce();
    });
    el.produceFilter.addEventListener("input", renderProduce);
    el.produceList.addEventListener("click", singleTap((e) => {
      const b = e.target instanceof Element ? e.target.closest(".produce-item") : null;
      if (b) choose(b.dataset.plu);
    }));
    $("weight-submit").addEventListener("click", singleTap(() => {}));
    el.produceWeigh.addEventListener("submit", async (e) => {
      e.preventDefault();
      if (!chosen) return;
      let grams;
      try {
        grams = await weightSource();
      } catch (err) {
        showError(err);
        return;
      }
      weigh(grams);
    });
    el.weightScale.addEventListener("click", singleTap(() => weigh(null)));
    document.addEventListener("keydown", (e) => {
      if (e.key === "Escape" && !el.producePanel.hidden) closeProduce();
    });

    // ---- keyboard wedge

    function isEditable(target) {
      if (!(target instanceof Element)) return false;
      if (target.isContentEditable) return true;
      const tag = target.tagName;
      return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT";
    }

    // installWedge turns a barcode scanner that "types" into scans: keys that
    // arrive less than GAP_MS apart, printable ASCII only, ended by Enter.
    // Outside inputs every key is swallowed so that no scanned character (or
    // modifier combination) can trigger a shortcut or press a focused button.
    function installWedge() {
      const GAP_MS = 60;
      const MIN_LEN = 3;
      const MAX_LEN = 512;
      let buf = "";
      let bad = ""; // error code when the run holds something we refuse
      let last = -Infinity;

      const reset = () => {
        buf = "";
        bad = "";
      };

      document.addEventListener("keydown", (e) => {
        if (isEditable(e.target)) {
          reset();
          return;
        }
        if (e.isComposing) return;
        const now = e.timeStamp || performance.now();
        const fast = now - last < GAP_MS;
        const k = e.key;
        if (e.ctrlKey || e.altKey || e.metaKey) {
          e.preventDefault();
          e.stopPropagation();
          reset();
          last = now;
          return;
        }
        if (k === "Shift" || k === "CapsLock") return; // scanners press Shift for capitals
        if (k === "Escape" && !el.producePanel.hidden && !fast) return; // let Escape close the panel
        if (k === "Enter") {
          e.preventDefault();
          e.stopPropagation();
          if (fast && (buf || bad)) {
            if (bad) showError(new ApiError(bad));
            else if (buf.length >= MIN_LEN) run({ op: "scan", code: buf, source: "keyboard" }, { dedupe: false });
          }
          reset();
          last = now;
          return;
        }
        if (!fast) reset();
        last = now;
        e.preventDefault();
        e.stopPropagation();
        if (k.length === 1 && k >= " " && k <= "~") {
          if (buf.length < MAX_LEN) buf += k;
          else bad = bad || "scan.too_long";
        } else if (/^[A-Z][A-Za-z0-9]+$/.test(k)) {
          bad = bad || "scan.control_byte"; // Tab, arrows, F-keys, Dead, ...
        } else {
          bad = bad || "scan.non_ascii";
        }
      }, true);
    }

    // ---- journal (debug)

    const JOURNAL_MAX = 100;
    function addJournal(ev) {
      if (el.journal.hidden) return;
      const at = ev.at ? new Date(ev.at) : null;
      const time = at && !isNaN(at.getTime()) ? at.toLocaleTimeString(lang, config.timeZone ? { timeZone: config.timeZone } : {}) : "";
      const li = make("li", "journal-entry", "#" + ev.seq + " " + time + " " + ev.type + (ev.txn ? " · " + ev.txn : ""));
      if (ev.body !== undefined) li.title = JSON.stringify(ev.body).slice(0, 2000);
      el.journalList.prepend(li);
      while (el.journalList.childElementCount > JOURNAL_MAX) el.journalList.lastElementChild.remove();
    }

    // ---- boot

    async function loadConfig() {
      let wait = 1000;
      for (;;) {
        try {
          const c = await getJSON("/api/config");
          return Object.assign({}, config, c);
        } catch (err) {
          if (conn !== "online") setConn("offline");
          await sleep(wait);
          wait = Math.min(wait * 2, 10000);
        }
      }
    }

    render();
    connectEvents({
      onState: acceptView,
      onJournal: addJournal,
      onNotice,
      onStatus: (s) => {
        setConn(s);
        if (s === "online" && shownSeq < 0) refreshLane();
      },
      onReconnect: refreshLane,
      onReset: resetView
    });
    refreshLane();
    loadConfig().then((c) => {
      config = c;
      el.simLink.hidden = !config.demo;
      el.journal.hidden = !(config.demo || /[?&]debug\b/.test(location.search));
      if (config.keyboardWedge) installWedge();
      appliedLang = ""; // re-translate with the configured language if no view yet
      render();
      loadScale();
    });
  }

  if (document.body && document.body.dataset.page === "shopper") initShopper();
})();
