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
  //
  // One screen per lane state: welcome (idle), scanning (shopping, suspended),
  // choosing how to pay (ready_to_pay), paying (paying), choosing a receipt
  // (paid), thank-you (receipt) and "this lane is closed" (closed). Dialogs on
  // top: the help sheet, the produce picker, the keypad and the cancel
  // confirmation. The page shows what the lane's view
  // says; it decides nothing about money or state.

  // startCommand is the command the welcome screen's bag question sends.
  // SEND_BAGS turns on the lane's "bags" field (own|none) once the lane knows
  // it: until then the lane refuses unknown keys, so the answer stays on the
  // page.
  const SEND_BAGS = true;
  function startCommand(bags) {
    return SEND_BAGS && bags ? { op: "start", bags } : { op: "start" };
  }

  // Timeouts of the idle reset (overridable for tests through
  // KioskShopper.setTimeouts).
  const timeouts = {
    idleMs: 60000, // no touch in an empty basket, or on the welcome screen in another language
    thanksMs: 15000, // the thank-you screen, before "finish" returns to the welcome screen
    thanksQrMs: 45000 // ... when it shows a QR code to scan
  };

  // screenOf is the screen of a lane state.
  function screenOf(state) {
    switch (state) {
      case "shopping":
      case "suspended":
        return "shop";
      case "ready_to_pay":
        return "pay";
      case "paying":
        return "paying";
      case "paid":
        return "paid";
      case "receipt":
        return "receipt";
      case "closed":
        return "closed";
      default:
        return "welcome";
    }
  }

  // sound plays the scan beep and the error tone with the Web Audio API: no
  // files. The audio context starts on the first touch (browsers allow sound
  // only after one); played lists what was asked for, for the tests.
  const sound = {
    ctx: null,
    played: [],
    unlock() {
      if (this.ctx || typeof window.AudioContext !== "function") return;
      try {
        this.ctx = new window.AudioContext();
      } catch (e) {
        this.ctx = null;
      }
    },
    tone(freq, start, ms, type) {
      const c = this.ctx;
      if (!c) return;
      if (c.state === "suspended") c.resume().catch(() => {});
      const o = c.createOscillator();
      const g = c.createGain();
      o.type = type;
      o.frequency.value = freq;
      const t0 = c.currentTime + start;
      g.gain.setValueAtTime(0.0001, t0);
      g.gain.exponentialRampToValueAtTime(0.25, t0 + 0.01);
      g.gain.exponentialRampToValueAtTime(0.0001, t0 + ms / 1000);
      o.connect(g).connect(c.destination);
      o.start(t0);
      o.stop(t0 + ms / 1000 + 0.02);
    },
    beep() {
      this.played.push("beep");
      this.tone(1760, 0, 90, "sine");
    },
    error() {
      this.played.push("error");
      this.tone(330, 0, 180, "square");
      this.tone(247, 0.22, 260, "square");
    },
    // chime: staff have been called. Two soft rising notes, not an alarm.
    chime() {
      this.played.push("chime");
      this.tone(660, 0, 220, "sine");
      this.tone(880, 0.25, 320, "sine");
    }
  };

  function initShopper() {
    const $ = (id) => document.getElementById(id);
    const el = {
      app: $("app"),
      body: document.body,
      laneLabel: $("lane-label"),
      langButtons: Array.from(document.querySelectorAll(".lang-btn, .btn-lang-big")),
      help: $("help-button"),
      helpLabel: $("help-label"),
      conn: $("conn"),
      connLabel: $("conn-label"),
      alert: $("alert"),
      screens: Array.from(document.querySelectorAll(".screen")),
      bagButtons: Array.from(document.querySelectorAll("[data-bags]")),
      basketScroll: $("basket-scroll"),
      linesBody: $("lines-body"),
      basketEmpty: $("basket-empty"),
      payTotal: $("pay-total"),
      payCount: $("pay-count"),
      payFailed: $("pay-failed"),
      payFailedMsg: $("pay-failed-msg"),
      payCard: $("pay-card"),
      payAttendant: $("pay-attendant"),
      payCardDown: $("pay-card-down"),
      resume: $("resume-button"),
      receiptBox: $("receipt-box"),
      receiptPreview: $("receipt-preview"),
      payingIcon: $("paying-icon"),
      payingTitle: $("paying-title"),
      payingAmount: $("paying-amount"),
      payingMessage: $("paying-message"),
      payingWait: $("paying-wait"),
      payCancel: $("pay-cancel"),
      paidTotal: $("paid-total"),
      paidTenders: $("paid-tenders"),
      paidPrinter: $("paid-printer"),
      paidVerifying: $("paid-verifying"),
      receiptPrint: $("receipt-print"),
      choiceButtons: Array.from(document.querySelectorAll(".btn-choice")),
      thanksStatus: $("thanks-status"),
      receiptQR: $("receipt-qr-img"),
      finish: $("finish-button"),
      thanksReset: $("thanks-reset"),
      effortButtons: document.querySelectorAll("#effort .effort-btn"),
      effortThanks: $("effort-thanks"),
      total: $("total"),
      itemCount: $("item-count"),
      vat: $("vat"),
      vatBody: $("vat-body"),
      checkout: $("checkout-button"),
      cancel: $("cancel-button"),
      produceButton: $("produce-button"),
      keypadButton: $("keypad-button"),
      codeForm: $("code-form"),
      codeInput: $("code-input"),
      codeSubmit: $("code-submit"),
      simLink: $("sim-link"),
      journal: $("journal"),
      journalList: $("journal-list"),
      livePolite: $("live-polite"),
      liveAssertive: $("live-assertive"),
      producePanel: $("produce-panel"),
      produceTitle: $("produce-title"),
      produceClose: $("produce-close"),
      producePick: $("produce-pick"),
      produceFilter: $("produce-filter"),
      producePLU: $("produce-plu"),
      produceCats: $("produce-cats"),
      produceLetters: $("produce-letters"),
      produceStatus: $("produce-status"),
      produceList: $("produce-list"),
      producePager: $("produce-pager"),
      producePrev: $("produce-prev"),
      produceNext: $("produce-next"),
      producePage: $("produce-page"),
      produceWeigh: $("produce-weigh"),
      weightArt: $("weight-art"),
      weightTitle: $("weight-title"),
      weightPrice: $("weight-price"),
      weightInput: $("weight-input"),
      weightHint: $("weight-hint"),
      weightLabel: $("weight-label"),
      weightKeypad: $("weight-keypad"),
      scaleBox: $("scale-box"),
      scaleWeight: $("scale-weight"),
      weightScale: $("weight-scale"),
      weightBack: $("weight-back"),
      keypad: $("keypad"),
      keypadForm: $("keypad-form"),
      keypadTitle: $("keypad-title"),
      keypadHint: $("keypad-hint"),
      keypadDisplay: $("keypad-display"),
      keypadCancel: $("keypad-cancel"),
      confirm: $("confirm-cancel"),
      confirmTitle: $("confirm-title"),
      confirmText: $("confirm-text"),
      confirmYes: $("confirm-yes"),
      confirmNo: $("confirm-no"),
      toast: $("toast"),
      staffLink: $("staff-link"),
      helpPanel: $("help-panel"),
      helpTitle: $("help-title"),
      helpClose: $("help-close"),
      helpList: $("help-list"),
      helpTopic: $("help-topic"),
      helpTopicArt: $("help-topic-art"),
      helpTopicTitle: $("help-topic-title"),
      helpTopicSteps: $("help-topic-steps"),
      helpBack: $("help-back"),
      helpCalls: Array.from(document.querySelectorAll(".help-call")),
      helpCalled: Array.from(document.querySelectorAll(".help-called")),
      payingStatus: $("paying-status")
    };

    let config = { lane: "", currency: "EUR", lang: I.DEFAULT_LANG, langs: ["en", "de", "es"], demo: false, keyboardWedge: false };
    let view = null;
    let shownSeq = -1;
    let lang = I.DEFAULT_LANG;
    let appliedLang = "";
    let conn = "connecting";
    let lastLineCount = 0;
    let screen = "";
    let screenSince = performance.now();
    let lastTouch = performance.now();

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
      announced = null;
      acceptView(v);
    }

    function lines() {
      return view && Array.isArray(view.lines) ? view.lines : [];
    }

    function activeLines() {
      return lines().filter((ln) => ln && !ln.voided).length;
    }

    function findLine(no) {
      return lines().find((ln) => ln && ln.no === no) || null;
    }

    function lineName(ln) {
      return I.name(lang, ln.names, ln.gtin || ln.plu || "");
    }

    // alerts are the open alerts the shopper is told of: a late HQ sync
    // (hq_backlog) is the store's matter, never the shopper's.
    function alerts() {
      return (view && Array.isArray(view.alerts) ? view.alerts : []).filter((a) => a && typeof a === "object" && a.type !== "hq_backlog");
    }

    function render() {
      lang = I.norm((view && view.lang) || config.lang);
      if (lang !== appliedLang) {
        appliedLang = lang;
        document.documentElement.lang = lang;
        I.apply(document, lang);
        if (produce.loaded) loadProduce(); // names sort by the language
      }
      const state = view ? String(view.state || "idle") : "loading";
      el.body.dataset.state = state;
      el.body.dataset.lang = lang;
      document.title = t("app.title");
      const lane = (view && view.lane) || config.lane;
      el.laneLabel.textContent = lane ? t("header.lane", { lane }) : "";
      el.staffLink.href = staffURL("");
      // A closed lane offers no help: the shopper goes to another checkout.
      el.help.hidden = state === "closed";

      for (const b of el.langButtons) {
        const on = b.dataset.lang === lang;
        b.setAttribute("aria-pressed", on ? "true" : "false");
        b.classList.toggle("active", on);
        b.hidden = Array.isArray(config.langs) && config.langs.length > 0 && !config.langs.includes(b.dataset.lang);
      }

      showScreen(screenOf(state));
      renderConn();
      renderLines();
      renderTotals();
      renderAlerts(state);
      renderSuspended(state);
      renderPay(state);
      renderPaying(state);
      renderPaid(state);
      renderThanks(state);
      renderReceipt(state === "ready_to_pay");
      if (!el.producePanel.hidden) renderProduce();
      if (!el.keypad.hidden) renderKeypad();
      if (!el.confirm.hidden) renderConfirm();
      renderHelp(state);
      announce();
    }

    // showScreen shows one screen and, when it changes, closes the dialogs of
    // the one before and moves focus to the new screen's heading.
    function showScreen(name) {
      if (name === screen) return;
      const first = screen === "";
      screen = name;
      screenSince = performance.now();
      el.body.dataset.screen = name;
      for (const s of el.screens) s.hidden = s.dataset.screen !== name;
      if (name !== "shop") {
        closeDialog(el.producePanel, false);
        closeDialog(el.keypad, false);
        closeDialog(el.confirm, false);
      }
      if (name === "closed") closeHelp(false);
      const h = document.querySelector('.screen[data-screen="' + name + '"] h1');
      if (h && !first && !openDialog()) h.focus({ preventScroll: true });
    }

    // ---- dialogs: the rest of the page is inert while one is open, so
    // focus and the screen reader stay inside it.

    let dialogReturn = null;
    function openDialog() {
      return [el.producePanel, el.keypad, el.confirm, el.helpPanel].find((d) => !d.hidden) || null;
    }

    function showDialog(d, focusEl) {
      if (d.hidden) {
        if (!openDialog()) dialogReturn = document.activeElement;
        d.hidden = false;
      }
      el.app.inert = true;
      for (const o of [el.producePanel, el.keypad, el.helpPanel]) if (o !== d && !o.hidden) o.inert = true;
      d.inert = false;
      (focusEl || d.querySelector("h2")).focus({ preventScroll: true });
    }

    function closeDialog(d, restore) {
      if (d.hidden) return;
      d.hidden = true;
      d.inert = false;
      const still = openDialog();
      if (still) {
        still.inert = false;
        const f = still.querySelector("h2");
        if (restore !== false && f) f.focus({ preventScroll: true });
        return;
      }
      el.app.inert = false;
      if (restore !== false && dialogReturn && document.contains(dialogReturn) && !dialogReturn.disabled) {
        dialogReturn.focus({ preventScroll: true });
      }
      dialogReturn = null;
    }

    // Tab and Shift+Tab cycle inside the open dialog.
    document.addEventListener("keydown", (e) => {
      const d = openDialog();
      if (!d) return;
      if (e.key === "Escape") {
        e.preventDefault();
        if (d === el.keypad) closeKeypad();
        else if (d === el.confirm) closeDialog(el.confirm);
        else if (d === el.helpPanel) closeHelp();
        else closeProduce();
        return;
      }
      if (e.key !== "Tab") return;
      const f = Array.from(d.querySelectorAll("button, input, [tabindex]")).filter((x) =>
        !x.disabled && x.tabIndex >= 0 && x.getClientRects().length > 0);
      if (f.length === 0) return;
      const i = f.indexOf(document.activeElement);
      if (e.shiftKey && i <= 0) {
        e.preventDefault();
        f[f.length - 1].focus();
      } else if (!e.shiftKey && (i === -1 || i === f.length - 1)) {
        e.preventDefault();
        f[0].focus();
      }
    });

    // ---- scanning screen

    function renderLines() {
      const ls = lines();
      let latest = 0;
      for (const ln of ls) if (ln && !ln.voided && ln.no > latest) latest = ln.no;
      const frag = document.createDocumentFragment();
      for (const ln of ls) if (ln) frag.appendChild(lineRow(ln, ln.no === latest));
      el.linesBody.replaceChildren(frag);
      el.basketEmpty.hidden = ls.some((ln) => ln && !ln.voided);
      if (ls.length > lastLineCount) {
        const row = el.linesBody.querySelector("tr.latest");
        if (row) row.scrollIntoView({ block: "nearest" });
        else el.basketScroll.scrollTop = el.basketScroll.scrollHeight;
      }
      lastLineCount = ls.length;
    }

    function lineButton(act, no, label, text, className) {
      const b = make("button", "btn-line " + className, text);
      b.type = "button";
      b.dataset.act = act;
      b.dataset.line = String(no);
      b.setAttribute("aria-label", label);
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
      if (ln.plu) {
        const img = make("img", "line-art");
        img.src = "/produce/" + encodeURIComponent(String(ln.plu)) + ".svg";
        img.alt = "";
        tdName.appendChild(img);
      }
      tdName.appendChild(make("span", "line-name", name));
      const age = Number(ln.minAge) || 0;
      if (age > 0) {
        const badge = make("span", "age-badge", age + "+");
        badge.title = t("line.age", { age });
        badge.setAttribute("aria-label", t("line.age", { age }));
        badge.setAttribute("role", "img");
        tdName.appendChild(badge);
      }
      if (ln.voided) tdName.appendChild(make("span", "voided-tag", t("line.voided")));

      const tdQty = make("td", "col-qty");
      if (!fixed) {
        const box = make("div", "qty-box");
        if (!ln.voided) {
          const minus = lineButton("minus", ln.no, t("line.less", { name }), "\u2212", "qty-minus");
          const value = lineButton("qty", ln.no, t("line.qtyLabel", { name, qty }), String(qty), "qty-value");
          const plus = lineButton("plus", ln.no, t("line.more", { name }), "+", "qty-plus");
          plus.classList.toggle("at-max", qty >= 99);
          // Without the store's rule, each further unit is scanned: the lane
          // answers "+" with that hint, and the button looks it.
          plus.classList.toggle("scan-each", !ln.canAdd);
          box.append(minus, value, plus);
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
        const rm = lineButton("remove", ln.no, t("line.removeLabel", { name }), "", "remove");
        rm.appendChild(make("span", "remove-x", "\u00d7")).setAttribute("aria-hidden", "true");
        rm.appendChild(make("span", "remove-text", t("line.remove"))).setAttribute("aria-hidden", "true");
        tdActions.appendChild(rm);
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

    // renderSuspended disables what the lane refuses while staff are called.
    // The help sheet closes when the lane becomes suspended, so that the
    // message says what happens next; it may be opened again after.
    let wasSuspended = false;
    function renderSuspended(state) {
      const suspended = state === "suspended";
      const empty = activeLines() === 0;
      const controls = [el.checkout, el.cancel, el.produceButton, el.keypadButton, el.codeInput, el.codeSubmit];
      for (const c of controls.concat(Array.from(el.linesBody.querySelectorAll("button")))) {
        // "+" at the highest quantity stays off (lineRow).
        const off = suspended || (c === el.checkout && empty) || (c.dataset.act === "plus" && c.classList.contains("at-max"));
        setDisabled(c, off);
      }
      if (suspended) {
        closeDialog(el.producePanel, false);
        closeDialog(el.keypad, false);
        closeDialog(el.confirm, false);
        if (!wasSuspended) closeHelp(false);
      }
      wasSuspended = suspended;
    }

    // setDisabled marks a control disabled for the browser and for assistive
    // technology alike.
    function setDisabled(c, off) {
      c.disabled = off;
      if (off) c.setAttribute("aria-disabled", "true");
      else c.removeAttribute("aria-disabled");
    }

    // ---- live regions: each added line, the total and every alert

    let announced = null; // {lines: no → "qty/amount", alerts: Set of ids, acked: Set of ids, total}
    function say(region, text) {
      if (!text) return;
      // A region that gets the same text again says nothing: clear it first.
      region.textContent = "";
      clearTimeout(region.sayTimer);
      region.sayTimer = setTimeout(() => {
        region.textContent = text;
      }, 50);
    }

    function announce() {
      if (!view) return;
      const now = { lines: new Map(), alerts: new Set(), acked: new Set(), total: (view.totals && view.totals.total) || "0", txn: view.txn ? view.txn.id : "" };
      for (const ln of lines()) if (ln) now.lines.set(ln.no, (ln.voided ? "v" : "") + ln.qty + "/" + ln.amount);
      for (const a of alerts()) {
        now.alerts.add(a.id);
        if (acked(a)) now.acked.add(a.id);
      }
      const before = announced;
      announced = now;
      if (!before) return; // the first view is what is there, not news
      const parts = [];
      let added = false;
      for (const ln of lines()) {
        if (!ln) continue;
        const was = before.txn === now.txn ? before.lines.get(ln.no) : undefined;
        if (was === undefined && !ln.voided) {
          parts.push(t("announce.added", { name: lineName(ln), amount: money(ln.amount) }));
          added = true;
        } else if (was !== undefined && was !== now.lines.get(ln.no)) {
          parts.push(ln.voided ? t("announce.removed", { name: lineName(ln) }) : t("announce.qty", { name: lineName(ln), qty: ln.qty }));
        }
      }
      if (added) sound.beep();
      if (parts.length > 0 || (now.total !== before.total && now.txn)) {
        parts.push(t("announce.total", { total: money(now.total) }));
      }
      // Staff said "on my way" to an alert the shopper knew of.
      if (alerts().some((a) => now.acked.has(a.id) && !before.acked.has(a.id) && before.alerts.has(a.id))) {
        parts.push(t("alert.status.coming"));
      }
      if (parts.length > 0) say(el.livePolite, parts.join(". "));
      const fresh = alerts().filter((a) => !before.alerts.has(a.id));
      if (fresh.length > 0) {
        say(el.liveAssertive, fresh.map((a) => {
          const { msg, detail, plain } = alertText(a);
          const status = waited(a) ? statusText(a, plain) : "";
          return [msg, detail, status].filter(Boolean).join(" ");
        }).join(". "));
        if (fresh.some((a) => a.blocking)) sound.chime();
      }
    }

    // ---- alerts

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
        case "bag_unexpected_item":
          return { msg: t("alert.bag_unexpected_item"), detail: t("alert.bag_unexpected_item.detail") + " " + t("alert.bag_fixed"), prose: true };
        case "bag_item_removed":
          return { msg: t("alert.bag_item_removed"), detail: t("alert.bag_item_removed.detail") + " " + t("alert.bag_fixed"), prose: true };
        case "bag_weight_mismatch":
        case "bag_item_not_bagged": {
          // The line's name as the shopper sees it; the lane names the line.
          const ln = findLine(Number(d.line) || 0);
          const msg = ln ? t("alert." + a.type, { name: lineName(ln) }) : t("alert." + a.type + ".any");
          const detail = a.type === "bag_item_not_bagged" ? t("alert.bag_item_not_bagged.detail") : t("alert.bag_fixed");
          return { msg, detail, prose: true };
        }
        case "scanner_fault":
        case "printer_fault":
        case "printer_warning":
        case "scale_fault":
          return deviceAlertText(a, d);
        default:
          // Payment and other alerts: the type's own sentence, if there is one.
          return { msg: I.has("en", "alert." + a.type) ? t("alert." + a.type) : t("alert.other"), detail: "" };
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

    // waitText is how long an alert (or a wait that began at since, a
    // Date) has been waiting, as "m:ss".
    function waitText(since) {
      const s = Math.max(0, Math.floor((Date.now() - since.getTime()) / 1000));
      return t("alert.waiting", { time: Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0") });
    }

    function raisedAt(a) {
      const d = a && a.raisedAt ? new Date(a.raisedAt) : null;
      return d && !isNaN(d.getTime()) && d.getFullYear() > 2000 ? d : null;
    }

    // The alerts a shopper waits on for someone to come: every blocking one,
    // and these even when they let the shopper carry on. Each shows what
    // happens next (staff called, or on the way), the expected wait and the
    // wait clock. The others (a printer low on paper, a refund staff see to,
    // a device fault the shopper can work around) say only what is up, and
    // that someone is on the way once they are.
    const WAITED = new Set(["item_not_found", "void_request", "cancel_request", "typed_label", "age_check", "help",
      "cash_payment", "payment_unknown"]);
    function waited(a) {
      return !!a.blocking || WAITED.has(String(a.type));
    }

    // acked says whether a staff member said "on my way" (the lane's ackedAt).
    // Who did is not shown: ackedBy is a login name, not a name for shoppers.
    function acked(a) {
      return !!(a && a.ackedAt && !isNaN(new Date(a.ackedAt).getTime()));
    }

    // expectUntil is when the expected wait (expectedWaitS, seconds from
    // raisedAt) runs out, or null when the lane gave none. Past it the page
    // stops promising and shows the wait clock only.
    function expectUntil(a) {
      const s = Number(a.expectedWaitS) || 0;
      const since = raisedAt(a);
      return s > 0 && since ? new Date(since.getTime() + s * 1000) : null;
    }

    // expectText is the expected wait in words: "Usually within about 2 minutes".
    function expectText(a) {
      const s = Number(a.expectedWaitS) || 0;
      if (s <= 0) return "";
      if (s < 60) return t("alert.expect.soon");
      return I.plural(lang, "alert.expect", Math.round(s / 60));
    }

    // statusText is what happens next for a, in the shopper's language:
    // "on the way" once acknowledged; before that "we've called a member of
    // staff" (left out where the alert's own sentence says so already, as
    // the device faults' do).
    function statusText(a, plain) {
      if (acked(a)) return t("alert.status.coming");
      return plain ? "" : t("alert.status.called");
    }

    // alertMeta is the line under a waited-on alert: what happens next, the
    // expected wait (until it has passed) and the wait clock.
    function alertMeta(a, plain) {
      const meta = make("p", "alert-meta");
      const status = statusText(a, plain);
      if (status) meta.appendChild(make("span", "alert-status", status));
      const until = expectUntil(a);
      if (!acked(a) && until && until > new Date()) {
        const e = make("span", "alert-expect", expectText(a));
        e.dataset.until = String(until.getTime());
        meta.appendChild(e);
      }
      const since = raisedAt(a);
      if (since) {
        const w = make("span", "alert-wait wait-time", waitText(since));
        w.dataset.since = String(since.getTime());
        meta.appendChild(w);
      }
      return meta;
    }

    // The alert area is one calm card per alert: no alarm colours, no
    // flashing. It is kept short so that the newest basket line and the
    // barcode field stay on screen: its height is capped and it scrolls.
    function renderAlerts(state) {
      const all = alerts();
      const blocking = all.filter((a) => a.blocking);
      const info = all.filter((a) => !a.blocking);
      const frag = document.createDocumentFragment();
      for (const a of blocking) {
        const { msg, detail, plain, prose } = alertText(a);
        const box = make("div", "alert-blocking");
        box.dataset.type = String(a.type);
        box.dataset.id = String(a.id);
        box.dataset.acked = acked(a) ? "true" : "false";
        const icon = make("img", "alert-icon");
        icon.src = "/static/help/staff.svg";
        icon.alt = "";
        box.appendChild(icon);
        const textBox = make("div", "alert-body");
        textBox.appendChild(make("p", "alert-message", msg));
        if (detail) textBox.appendChild(make("p", plain || prose ? "alert-detail plain" : "alert-detail", detail));
        textBox.appendChild(alertMeta(a, plain));
        box.appendChild(textBox);
        frag.appendChild(box);
      }
      if (blocking.length > 0 || state === "suspended") {
        frag.appendChild(make("p", "alert-paused", t("alert.paused")));
      }
      // Staff closed the lane while this basket was open: it may finish.
      const closing = !!(view && view.closed) && state !== "closed" && state !== "idle" && state !== "loading";
      if (closing) {
        const strip = make("div", "alert-info lane-closing");
        strip.appendChild(make("span", "alert-info-icon", "i")).setAttribute("aria-hidden", "true");
        strip.appendChild(make("p", "alert-info-text", t("closed.finishing")));
        frag.appendChild(strip);
      }
      for (const a of info) {
        const { msg, detail, plain } = alertText(a);
        const strip = make("div", "alert-info");
        strip.dataset.type = String(a.type);
        strip.dataset.id = String(a.id);
        strip.dataset.acked = acked(a) ? "true" : "false";
        strip.appendChild(make("span", "alert-info-icon", "i")).setAttribute("aria-hidden", "true");
        const body = make("div", "alert-info-body");
        body.appendChild(make("p", "alert-info-text", detail ? msg + " " + detail : msg));
        if (waited(a)) {
          body.appendChild(alertMeta(a, plain));
        } else if (acked(a)) {
          body.appendChild(make("p", "alert-meta")).appendChild(make("span", "alert-status", statusText(a, plain)));
        }
        strip.appendChild(body);
        frag.appendChild(strip);
      }
      el.alert.replaceChildren(frag);
      el.alert.hidden = all.length === 0 && state !== "suspended" && !closing;
      el.alert.classList.toggle("blocking", blocking.length > 0 || state === "suspended");
      el.alert.dataset.types = all.map((a) => String(a.type)).join(" ");

      const help = all.find((a) => a.type === "help");
      el.helpLabel.textContent = help ? (acked(help) ? t("help.coming") : t("help.pending")) : t("help.button");
      el.help.classList.toggle("pending", !!help);
      el.help.dataset.pending = help ? "true" : "false";
    }

    // tickWaits runs every second: the wait clocks count up, and an expected
    // wait that has passed is no longer promised.
    function tickWaits() {
      for (const w of document.querySelectorAll(".wait-time[data-since]")) {
        w.textContent = waitText(new Date(Number(w.dataset.since)));
      }
      for (const e of document.querySelectorAll(".alert-expect[data-until]")) {
        if (Date.now() > Number(e.dataset.until)) e.remove();
      }
    }

    // ---- paying screens

    // renderPay: choose card or cash; a failed attempt says why and what to do.
    function renderPay(state) {
      if (state !== "ready_to_pay") return;
      const p = view.payment;
      const failed = p && p.status === "failed";
      el.payFailed.hidden = !failed;
      el.payFailed.setAttribute("role", failed ? "alert" : "none");
      if (failed) el.payFailedMsg.textContent = paymentError(p.error);
      const blocked = alerts().some((a) => a.blocking);
      // Without a working card terminal the shopper pays at the attendant:
      // the lane says which ways to pay work (payMethods).
      const methods = Array.isArray(view.payMethods) ? view.payMethods : null;
      const noCard = methods ? !methods.includes("card") : alerts().some((a) => a.type === "terminal_fault");
      for (const b of [el.payAttendant, el.resume]) setDisabled(b, blocked);
      setDisabled(el.payCard, blocked || noCard);
      el.payCardDown.hidden = !noCard;
    }

    function paymentError(key) {
      const k = String(key || "");
      if (k && (I.has(lang, k) || I.has("en", k))) return t(k);
      return t("payment.failed");
    }

    let payingKey = "";
    let payingSince = new Date();
    function renderPaying(state) {
      if (state !== "paying") {
        payingKey = "";
        return;
      }
      const p = view.payment || { method: "card", status: "starting" };
      const key = p.method + "/" + p.status;
      if (key !== payingKey) {
        payingKey = key;
        payingSince = new Date();
      }
      const attendant = p.method === "attendant";
      el.payingIcon.className = "paying-icon " + (attendant ? "cash-icon" : "card-icon");
      el.payingAmount.textContent = money(p.amount || (view.totals && view.totals.total));
      el.body.dataset.payment = key;
      let title;
      let msg;
      let wait = false;
      switch (p.status) {
        case "waiting_staff":
          title = t("paying.attendant.title");
          msg = t("paying.attendant.text");
          wait = true;
          break;
        case "unknown":
          title = t("paying.unknown.title");
          msg = t("paying.unknown.text");
          wait = true;
          break;
        case "failed":
          title = t("paying.failed.title");
          msg = paymentError(p.error) + " " + t("pay.failedTodo");
          break;
        case "starting":
          title = attendant ? t("paying.attendant.title") : t("paying.card.title");
          msg = attendant ? t("paying.attendant.text") : t("paying.progress.starting");
          wait = attendant;
          break;
        default: {
          title = attendant ? t("paying.attendant.title") : t("paying.card.title");
          const prog = String(p.progress || "");
          const pk = "paying.progress." + prog;
          msg = attendant ? t("paying.attendant.text") : (prog && I.has("en", pk) ? t(pk) : t("paying.progress.other"));
          wait = attendant;
        }
      }
      el.payingTitle.textContent = title;
      if (el.payingMessage.textContent !== msg) el.payingMessage.textContent = msg;
      el.payingMessage.setAttribute("role", p.status === "unknown" || p.status === "failed" ? "alert" : "status");
      // Staff are coming: the wait counts from the oldest open alert, or from
      // when the screen began to wait.
      el.payingWait.hidden = !wait;
      // What happens next, as on the alert: called, or on the way.
      const staffAlert = alerts().find((a) => a.type === (p.status === "unknown" ? "payment_unknown" : "cash_payment"));
      const status = wait && staffAlert ? statusText(staffAlert, false) : "";
      el.payingStatus.textContent = status;
      el.payingStatus.hidden = !status;
      el.payingStatus.dataset.acked = staffAlert && acked(staffAlert) ? "true" : "false";
      if (wait) {
        const since = alerts().map(raisedAt).filter(Boolean).sort((a, b) => a - b)[0] || payingSince;
        el.payingWait.dataset.since = String(since.getTime());
        el.payingWait.textContent = waitText(since);
      } else {
        delete el.payingWait.dataset.since;
      }
      el.payCancel.hidden = !p.canCancel;
    }

    function renderPaid(state) {
      if (state !== "paid") return;
      const r = view.receipt || {};
      el.paidTotal.textContent = t("paid.total", { total: money(r.total || (view.totals && view.totals.total)) });
      const frag = document.createDocumentFragment();
      for (const tn of Array.isArray(r.tenders) ? r.tenders : []) {
        if (!tn) continue;
        let text;
        if (tn.kind === "cash") text = t("paid.cash", { amount: money(tn.amount) });
        else text = t("paid.card", { amount: money(tn.amount), card: [tn.cardName, tn.maskedPan].filter(Boolean).join(" ") || t("pay.card") });
        frag.appendChild(make("li", "paid-tender", text));
      }
      el.paidTenders.replaceChildren(frag);
      const printer = r.printerReady !== false;
      // After a restart the lane checks with the terminal that the card
      // payment stands before the shopper takes a receipt and leaves.
      const verifying = r.verifying === true;
      setDisabled(el.receiptPrint, !printer || verifying);
      for (const b of document.querySelectorAll("#screen-paid .btn-choice:not(#receipt-print)")) setDisabled(b, verifying);
      // No e-receipt address configured: no QR to offer.
      if (!r.url) setDisabled(document.querySelector("#receipt-qr"), true);
      el.paidPrinter.hidden = printer || verifying;
      el.paidVerifying.hidden = !verifying;
    }

    let thanksQR = "";
    function renderThanks(state) {
      if (state !== "receipt") {
        thanksQR = "";
        el.receiptQR.hidden = true;
        return;
      }
      const r = view.receipt || {};
      let status;
      let qr = false;
      if (r.printError) {
        status = t("thanks.printError");
        qr = true;
      } else if (r.choice === "print") {
        status = r.printed ? t("thanks.printed") : t("thanks.printing");
      } else if (r.choice === "qr") {
        status = t("thanks.qr");
        qr = true;
      } else {
        status = t("thanks.none");
      }
      if (qr && !(r.txnId && r.url)) {
        status = t("thanks.noQR");
        qr = false;
      }
      el.thanksStatus.textContent = status;
      renderEffort();
      el.body.dataset.receipt = (r.choice || "") + (r.printed ? "/printed" : "") + (r.printError ? "/error" : "");
      const src = qr ? "/receipts/" + encodeURIComponent(String(r.txnId)) + "/qr.png" : "";
      if (src !== thanksQR) {
        thanksQR = src;
        if (src) el.receiptQR.src = src;
        el.receiptQR.hidden = !src;
      }
      renderThanksReset();
    }

    // renderEffort shows the one-tap question "How easy was your checkout?"
    // (1 very hard .. 5 very easy): optional, answered once per sale.
    function renderEffort() {
      const score = (view.txn && view.txn.effort) || 0;
      for (const b of el.effortButtons) {
        setDisabled(b, score > 0);
        b.setAttribute("aria-pressed", String(Number(b.dataset.score) === score));
      }
      el.effortThanks.hidden = score === 0;
    }

    function thanksTimeout() {
      return !el.receiptQR.hidden ? timeouts.thanksQrMs : timeouts.thanksMs;
    }

    function renderThanksReset() {
      const left = Math.max(0, Math.ceil((thanksTimeout() - (performance.now() - Math.max(screenSince, lastTouch))) / 1000));
      el.thanksReset.textContent = t("thanks.reset", { n: I.formatInt(lang, left) });
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

    // A QR code that cannot be drawn (no e-receipt address) is not shown as a
    // broken picture: the shopper is told to ask staff instead.
    el.receiptQR.addEventListener("error", () => {
      el.receiptQR.hidden = true;
      el.thanksStatus.textContent = t("thanks.noQR");
    });

    el.receiptPreview.addEventListener("load", () => {
      el.receiptBox.hidden = screen !== "pay";
    });
    el.receiptPreview.addEventListener("error", () => {
      el.receiptBox.hidden = true;
    });

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
      toastTimer = setTimeout(hideToast, 5000);
      sound.error();
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
        case "staff_badge":
          // A staff badge was scanned at this lane: attendant mode, logged in
          // with the badge.
          if (n.code) staffMode(staffURL(String(n.code)));
          break;
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
    for (const b of el.bagButtons) {
      b.addEventListener("click", singleTap(() => {
        el.body.dataset.bags = b.dataset.bags;
        run(startCommand(b.dataset.bags));
      }));
    }
    el.checkout.addEventListener("click", singleTap(() => run({ op: "checkout" })));
    el.cancel.addEventListener("click", singleTap(openConfirm));
    el.resume.addEventListener("click", singleTap(() => run({ op: "resume" })));
    el.payCard.addEventListener("click", singleTap(() => run({ op: "pay", method: "card" })));
    el.payAttendant.addEventListener("click", singleTap(() => run({ op: "pay", method: "attendant" })));
    el.payCancel.addEventListener("click", singleTap(() => run({ op: "pay_cancel" })));
    for (const b of el.choiceButtons) {
      b.addEventListener("click", singleTap(() => run({ op: "receipt", choice: b.dataset.choice })));
    }
    el.finish.addEventListener("click", singleTap(() => run({ op: "finish" })));
    for (const b of el.effortButtons) {
      b.addEventListener("click", singleTap(() => run({ op: "effort", score: Number(b.dataset.score) })));
    }

    // ---- help sheet: self-help first
    //
    // The help button opens short topics, each a picture and a few steps,
    // ending in "Still need help? Call staff", which raises the lane's help
    // alert ({op: "help"}). Opening a topic tells the lane
    // ({op: "help_opened", topic}); a sheet closed without a call is what the
    // lane counts as help that needed no staff. The lane's refusal of
    // help_opened (an older lane) changes nothing for the shopper.

    const HELP_TOPICS = ["weighing", "not_scanning", "own_bag", "paying", "age"];
    const HELP_STEPS = 3;
    let helpTopic = ""; // the topic shown, "" for the list

    function openHelp() {
      showHelpList();
      renderHelp(view ? String(view.state || "idle") : "loading");
      showDialog(el.helpPanel, el.helpTitle);
    }

    function closeHelp(restore) {
      helpTopic = "";
      closeDialog(el.helpPanel, restore);
    }

    function showHelpList() {
      helpTopic = "";
      el.helpList.hidden = false;
      el.helpTopic.hidden = true;
      el.helpPanel.dataset.topic = "";
    }

    function openHelpTopic(topic) {
      if (!HELP_TOPICS.includes(topic)) return;
      helpTopic = topic;
      el.helpPanel.dataset.topic = topic;
      el.helpList.hidden = true;
      el.helpTopic.hidden = false;
      el.helpTopicArt.src = "/static/help/" + topic + ".svg";
      renderHelp(view ? String(view.state || "idle") : "loading");
      el.helpTopicTitle.focus({ preventScroll: true });
      postCommand({ op: "help_opened", topic }).then((res) => res && res.view && acceptView(res.view), () => {
        /* counting is the lane's business: the shopper reads on either way */
      });
    }

    // renderHelp translates the topic shown and offers the staff call, or
    // says staff are called already.
    function renderHelp(state) {
      if (el.helpPanel.hidden) return;
      if (helpTopic) {
        const k = "help.topic." + helpTopic;
        el.helpTopicTitle.textContent = t(k + ".title");
        el.helpTopicArt.alt = t(k + ".alt");
        const steps = [];
        for (let i = 1; i <= HELP_STEPS; i++) if (I.has("en", k + "." + i)) steps.push(make("li", "help-step", t(k + "." + i)));
        el.helpTopicSteps.replaceChildren(...steps);
      }
      const help = alerts().find((a) => a.type === "help");
      const called = help ? (acked(help) ? t("alert.status.coming") : t("help.called")) : "";
      for (const b of el.helpCalls) b.hidden = !!help || state === "closed";
      for (const p of el.helpCalled) p.textContent = called;
    }

    // callStaff raises the help alert; the sheet closes so that the message
    // and the wait are in view.
    async function callStaff() {
      const res = await run({ op: "help" });
      if (res) closeHelp();
    }

    el.help.addEventListener("click", singleTap(openHelp));
    el.helpClose.addEventListener("click", () => closeHelp());
    el.helpBack.addEventListener("click", () => {
      const from = helpTopic;
      showHelpList();
      const b = el.helpList.querySelector('.help-topic[data-topic="' + from + '"]');
      (b || el.helpTitle).focus({ preventScroll: true });
    });
    el.helpList.addEventListener("click", singleTap((e) => {
      const b = e.target instanceof Element ? e.target.closest(".help-topic[data-topic]") : null;
      if (b) openHelpTopic(b.dataset.topic);
    }));
    for (const b of el.helpCalls) b.addEventListener("click", singleTap(callStaff));
    el.helpPanel.addEventListener("click", (e) => {
      if (e.target === el.helpPanel) closeHelp();
    });

    // ---- attendant mode: the staff page on this screen

    // staffURL is the staff page's attendant mode for this lane: the staff app
    // is mounted on this loopback app under /staff/, logs staff in (with the
    // badge when one was scanned), and returns to / when they leave.
    function staffURL(badge) {
      const lane = (view && view.lane) || config.lane || "";
      const q = new URLSearchParams({ lane, kiosk: "1" });
      if (badge) q.set("badge", badge);
      return "/staff/?" + q.toString();
    }

    // staffMode leaves the shopper page for the staff page. Tests replace it
    // (KioskShopper.onStaff) to see where it would go.
    let staffMode = (url) => location.assign(url);

    // ---- cancel confirmation

    function renderConfirm() {
      const n = activeLines();
      el.confirmText.textContent = n > 0 ? t("confirm.text") + " " + t("confirm.staff") : t("confirm.textEmpty");
    }

    function openConfirm() {
      renderConfirm();
      showDialog(el.confirm, el.confirmTitle);
    }

    el.confirmNo.addEventListener("click", () => closeDialog(el.confirm));
    el.confirmYes.addEventListener("click", singleTap(async () => {
      closeDialog(el.confirm);
      await run({ op: "cancel" });
    }));

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
        case "qty":
          openKeypad("qty", { line: no, name: lineName(ln), value: "" });
          break;
        case "remove":
          run({ op: "void", line: no });
          break;
      }
    }));

    // scanTyped sends a typed code; resolves to whether the lane took it.
    async function scanTyped(code) {
      return run({ op: "scan", code, source: "typed" });
    }

    let lastTypedOk = -Infinity;
    el.codeSubmit.addEventListener("click", singleTap(() => {}));
    el.codeForm.addEventListener("submit", async (e) => {
      e.preventDefault();
      const code = el.codeInput.value.trim();
      if (!code) {
        // A second Enter right after a good scan is a bounce, not a mistake.
        if (performance.now() - lastTypedOk > 1500) showError(new ApiError("scan.empty"));
        return;
      }
      const res = await scanTyped(code);
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

    // ---- keypad: barcode, PLU, quantity and weight without a keyboard

    const keypadModes = {
      barcode: { max: 20, title: () => t("keypad.barcode.title"), hint: () => t("keypad.barcode.hint") },
      plu: { max: 5, title: () => t("keypad.plu.title"), hint: () => t("keypad.plu.hint") },
      qty: { max: 2, title: (o) => t("keypad.qty.title", { name: o.name }), hint: () => t("keypad.qty.hint") },
      weight: { max: 5, title: () => t("keypad.weight.title"), hint: () => t("keypad.weight.hint") }
    };
    let keypadState = null; // {mode, opts, value}

    function openKeypad(mode, opts) {
      keypadState = { mode, opts: opts || {}, value: (opts && opts.value) || "" };
      renderKeypad();
      showDialog(el.keypad, el.keypadTitle);
    }

    function closeKeypad() {
      keypadState = null;
      closeDialog(el.keypad);
    }

    function renderKeypad() {
      if (!keypadState) return;
      const m = keypadModes[keypadState.mode];
      el.keypad.dataset.mode = keypadState.mode;
      el.keypadTitle.textContent = m.title(keypadState.opts);
      el.keypadHint.textContent = m.hint(keypadState.opts);
      el.keypadDisplay.value = keypadState.value;
      document.getElementById("keypad-ok").disabled = keypadState.value === "";
    }

    el.keypadForm.addEventListener("click", (e) => {
      const b = e.target instanceof Element ? e.target.closest("button[data-key]") : null;
      if (!b || !keypadState) return;
      const k = b.dataset.key;
      const m = keypadModes[keypadState.mode];
      if (k === "clear") keypadState.value = "";
      else if (k === "back") keypadState.value = keypadState.value.slice(0, -1);
      else if (keypadState.value.length < m.max) keypadState.value += k;
      renderKeypad();
    });
    el.keypadForm.addEventListener("keydown", (e) => {
      if (!keypadState) return;
      if (/^[0-9]$/.test(e.key)) {
        e.preventDefault();
        if (keypadState.value.length < keypadModes[keypadState.mode].max) keypadState.value += e.key;
        renderKeypad();
      } else if (e.key === "Backspace") {
        e.preventDefault();
        keypadState.value = keypadState.value.slice(0, -1);
        renderKeypad();
      }
    });
    el.keypadCancel.addEventListener("click", closeKeypad);
    el.keypadForm.addEventListener("submit", singleTap(async (e) => {
      e.preventDefault();
      const st = keypadState;
      if (!st || st.value === "") return;
      switch (st.mode) {
        case "barcode": {
          const res = await scanTyped(st.value);
          if (res && keypadState === st) closeKeypad();
          break;
        }
        case "qty": {
          const q = Number(st.value);
          if (!(q >= 1)) {
            showError(new ApiError("keypad.qty"));
            return;
          }
          closeKeypad();
          if (q !== Number((findLine(st.opts.line) || {}).qty)) run({ op: "quantity", line: st.opts.line, qty: q });
          break;
        }
        case "plu": {
          const it = await findPLU(st.value);
          if (keypadState !== st) return;
          if (!it) {
            toast(t("produce.pluNone", { plu: st.value }), "produce.plu_none");
            return;
          }
          closeKeypad();
          choose(it);
          break;
        }
        case "weight":
          el.weightInput.value = st.value;
          closeKeypad();
          break;
      }
    }));
    el.keypadButton.addEventListener("click", () => openKeypad("barcode"));
    el.weightKeypad.addEventListener("click", () => openKeypad("weight", { value: "" }));

    // ---- produce picker: categories, A–Z and search, paged by the server

    const PAGE = 12;
    const produce = { loaded: false, loading: false, error: null, items: [], total: 0, offset: 0, categories: [], letters: [], category: "", letter: "", seq: 0 };
    let chosen = null; // the produce item being weighed

    // The produce scale as the lane last reported it: present once /api/devices
    // lists it or it sends a weight; grams is its last settled reading.
    const scale = { present: false, grams: 0, moving: false, notices: 0 };

    // scaleFault is the open alert of the produce scale, if any.
    function scaleFault() {
      return alerts().find((a) => a.type === "scale_fault" && alertDetail(a).device === "scale.produce") || null;
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
    // produce scale comes first: while it works, resolve to null and the lane
    // reads its own settled weight (an empty scale is refused there as
    // scale.no_weight). Otherwise the number typed into #weight-input: whole
    // grams, 1..30000. Rejects with an ApiError.
    async function weightSource() {
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
      produce.letter = "";
      produce.offset = 0;
      showPick();
      showDialog(el.producePanel, el.produceTitle);
      loadProduce();
    }

    function closeProduce() {
      chosen = null;
      closeDialog(el.producePanel);
    }

    function showPick() {
      chosen = null;
      el.producePick.hidden = false;
      el.produceWeigh.hidden = true;
    }

    // loadProduce asks the server for the page that the search, category
    // and letter select; an answer to an older question is dropped.
    async function loadProduce() {
      const seq = ++produce.seq;
      produce.loading = true;
      produce.error = null;
      renderProduce();
      const q = new URLSearchParams({ lang, offset: String(produce.offset), limit: String(PAGE) });
      const text = el.produceFilter.value.trim();
      if (text) q.set("q", text);
      if (produce.category) q.set("category", produce.category);
      if (produce.letter) q.set("letter", produce.letter);
      try {
        const d = await getJSON("/api/catalog/produce?" + q.toString());
        if (seq !== produce.seq) return;
        produce.items = Array.isArray(d.items) ? d.items.filter((x) => x && x.plu) : [];
        produce.total = Number(d.total) || 0;
        produce.categories = Array.isArray(d.categories) ? d.categories : [];
        produce.letters = Array.isArray(d.letters) ? d.letters.map(String) : [];
        produce.loaded = true;
      } catch (err) {
        if (seq !== produce.seq) return;
        produce.error = err;
      }
      produce.loading = false;
      renderProduce();
    }

    // findPLU looks a PLU up among the produce.
    async function findPLU(plu) {
      try {
        const d = await getJSON("/api/catalog/produce?" + new URLSearchParams({ lang, q: plu, limit: "50" }).toString());
        return (Array.isArray(d.items) ? d.items : []).find((x) => x && String(x.plu) === plu) || null;
      } catch (err) {
        showError(err);
        return null;
      }
    }

    function categoryName(c) {
      const k = "category." + c;
      return c === "" ? t("produce.all") : I.has("en", k) ? t(k) : c;
    }

    function renderProduce() {
      if (chosen) {
        const name = I.name(lang, chosen.names, chosen.plu);
        el.weightTitle.textContent = t("weight.title", { name });
        el.weightPrice.textContent = t("produce.perKg", { price: money(chosen.price) });
        renderScale();
      }
      // Categories: shown when there are two or more.
      const cats = produce.categories.length > 1 ? [{ name: "" }].concat(produce.categories) : [];
      el.produceCats.replaceChildren(...cats.map((c) => {
        const b = make("button", "btn btn-chip", categoryName(String(c.name)));
        b.type = "button";
        b.dataset.category = String(c.name);
        b.setAttribute("aria-pressed", produce.category === String(c.name) ? "true" : "false");
        return b;
      }));
      el.produceCats.hidden = cats.length === 0;
      // A–Z: letters without items are disabled.
      const letters = [];
      const all = make("button", "btn btn-letter letter-all", t("produce.all"));
      all.type = "button";
      all.dataset.letter = "";
      all.setAttribute("aria-pressed", produce.letter === "" ? "true" : "false");
      letters.push(all);
      for (let c = 65; c <= 90; c++) {
        const l = String.fromCharCode(c);
        const b = make("button", "btn btn-letter", l);
        b.type = "button";
        b.dataset.letter = l;
        b.setAttribute("aria-label", t("produce.letterLabel", { letter: l }));
        b.setAttribute("aria-pressed", produce.letter === l ? "true" : "false");
        b.disabled = !produce.letters.includes(l) && produce.letter !== l;
        letters.push(b);
      }
      el.produceLetters.replaceChildren(...letters);

      if (produce.loading && !produce.loaded) {
        el.produceList.replaceChildren();
        el.produceStatus.textContent = t("produce.loading");
        el.producePager.hidden = true;
        return;
      }
      if (produce.error) {
        el.produceList.replaceChildren();
        el.produceStatus.textContent = I.errorMessage(lang, produce.error.code, produce.error.message);
        el.producePager.hidden = true;
        return;
      }
      const frag = document.createDocumentFragment();
      for (const it of produce.items) {
        const b = make("button", "produce-item");
        b.type = "button";
        b.dataset.plu = String(it.plu);
        const img = make("img", "produce-art");
        img.src = "/produce/" + encodeURIComponent(String(it.plu)) + ".svg";
        img.alt = "";
        img.width = 96;
        img.height = 96;
        b.append(
          img,
          make("span", "produce-name", I.name(lang, it.names, it.plu)),
          make("span", "produce-price", t("produce.perKg", { price: money(it.price) })),
          make("span", "produce-plu", "PLU " + it.plu)
        );
        frag.appendChild(b);
      }
      el.produceList.replaceChildren(frag);
      el.produceStatus.textContent = produce.total > 0 ? I.plural(lang, "items", produce.total) : t("produce.none");
      const pages = Math.max(1, Math.ceil(produce.total / PAGE));
      const page = Math.floor(produce.offset / PAGE) + 1;
      el.producePager.hidden = pages <= 1;
      el.producePage.textContent = t("produce.page", { page: I.formatInt(lang, page), pages: I.formatInt(lang, pages) });
      el.producePrev.disabled = page <= 1;
      el.produceNext.disabled = page >= pages;
    }

    function choose(it) {
      if (!it) return;
      chosen = it;
      if (el.producePanel.hidden) showDialog(el.producePanel, el.produceTitle);
      el.weightInput.value = scale.present ? "" : "500";
      el.weightArt.src = "/produce/" + encodeURIComponent(String(it.plu)) + ".svg";
      el.producePick.hidden = true;
      el.produceWeigh.hidden = false;
      renderProduce();
      loadScale();
      el.weightTitle.tabIndex = -1;
      el.weightTitle.focus({ preventScroll: true });
    }

    // weigh adds the chosen item; grams null lets the lane read its scale.
    async function weigh(grams) {
      if (!chosen) return;
      const cmd = { op: "weighed", plu: String(chosen.plu) };
      if (grams !== null) cmd.weightG = grams;
      const res = await run(cmd);
      if (res && !el.producePanel.hidden) closeProduce();
    }

    let filterTimer = 0;
    el.produceButton.addEventListener("click", openProduce);
    el.produceClose.addEventListener("click", closeProduce);
    el.producePLU.addEventListener("click", () => openKeypad("plu"));
    el.weightBack.addEventListener("click", () => {
      showPick();
      renderProduce();
      el.produceTitle.focus({ preventScroll: true });
    });
    el.producePanel.addEventListener("click", (e) => {
      if (e.target === el.producePanel) closeProduce();
    });
    el.produceFilter.addEventListener("input", () => {
      clearTimeout(filterTimer);
      filterTimer = setTimeout(() => {
        produce.offset = 0;
        produce.letter = "";
        loadProduce();
      }, 150);
    });
    el.produceCats.addEventListener("click", (e) => {
      const b = e.target instanceof Element ? e.target.closest("button[data-category]") : null;
      if (!b) return;
      produce.category = b.dataset.category;
      produce.letter = "";
      produce.offset = 0;
      loadProduce();
    });
    el.produceLetters.addEventListener("click", (e) => {
      const b = e.target instanceof Element ? e.target.closest("button[data-letter]") : null;
      if (!b || b.disabled) return;
      produce.letter = b.dataset.letter;
      produce.offset = 0;
      loadProduce();
    });
    el.producePrev.addEventListener("click", () => {
      produce.offset = Math.max(0, produce.offset - PAGE);
      loadProduce();
    });
    el.produceNext.addEventListener("click", () => {
      produce.offset += PAGE;
      loadProduce();
    });
    el.produceList.addEventListener("click", singleTap((e) => {
      const b = e.target instanceof Element ? e.target.closest(".produce-item") : null;
      if (b) choose(produce.items.find((x) => String(x.plu) === b.dataset.plu));
    }));
    el.weightSubmit = $("weight-submit");
    el.weightSubmit.addEventListener("click", singleTap(() => {}));
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

    // ---- idle reset

    // Every touch or key counts as the shopper being there; it also lets the
    // page make sounds.
    for (const type of ["pointerdown", "keydown"]) {
      document.addEventListener(type, () => {
        lastTouch = performance.now();
        sound.unlock();
      }, true);
    }

    // tick runs once a second: wait times, the thank-you countdown and the
    // idle reset — an empty basket nobody touches is given up, the welcome
    // and closed screens return to the store's language, and the thank-you
    // ends the sale.
    let resetting = false;
    let ticks = 0;
    async function tick() {
      ticks++;
      tickWaits();
      if (!view || resetting) return;
      const quiet = performance.now() - Math.max(lastTouch, screenSince);
      let cmd = null;
      if (view.state === "shopping" && activeLines() === 0 && alerts().length === 0 && quiet > timeouts.idleMs) {
        cmd = { op: "cancel" };
      } else if ((view.state === "idle" || view.state === "closed") && view.lang !== config.lang && config.lang && quiet > timeouts.idleMs) {
        cmd = { op: "lang", lang: config.lang };
      } else if (view.state === "receipt") {
        renderThanksReset();
        if (quiet > thanksTimeout()) cmd = { op: "finish" };
      }
      if (!cmd) return;
      resetting = true;
      closeDialog(el.producePanel, false);
      closeDialog(el.keypad, false);
      closeDialog(el.confirm, false);
      closeHelp(false);
      try {
        await postCommand(cmd).then((res) => res && res.view && acceptView(res.view));
      } catch (e) {
        /* the next tick tries again */
      }
      lastTouch = performance.now();
      resetting = false;
    }
    setInterval(tick, 1000);

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
        if ((k === "Escape" || k === "Tab") && openDialog() && !fast) return; // let Escape close, Tab cycle a dialog
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

    // KioskShopper is for the browser tests: show a view as if the lane had
    // sent it (the payment screens are tested this way until the lane's
    // payment lands), shorten the idle timeouts, read what was played.
    window.KioskShopper = {
      show(v) {
        return acceptView(v);
      },
      view: () => view,
      setTimeouts(o) {
        Object.assign(timeouts, o);
      },
      sounds: sound.played,
      ticks: () => ticks,
      startCommand,
      screen: () => screen,
      // notice feeds n to the page as if the event stream had brought it.
      notice: (n) => onNotice(n),
      // onStaff(fn): call fn(url) instead of leaving for the staff page.
      onStaff(fn) {
        staffMode = fn;
      }
    };

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
