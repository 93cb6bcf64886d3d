// sim.js — the demo's "Simulated devices" page: a scanner and a produce scale
// driven by clicks. Every click is a real lane command (source "sim"); the
// shopper screen in another tab follows through its event stream.
"use strict";

(function () {
  const I = window.KioskI18n;
  const C = window.KioskClient;
  if (!I || !C || document.body.dataset.page !== "sim") return;

  const $ = (id) => document.getElementById(id);
  const el = {
    laneLabel: $("lane-label"),
    conn: $("conn"),
    connLabel: $("conn-label"),
    total: $("sim-total"),
    count: $("sim-count"),
    state: $("sim-state"),
    result: $("sim-result"),
    log: $("sim-log"),
    demoOnly: $("sim-demo-only"),
    samplesSection: $("sim-samples-section"),
    samples: $("sim-samples"),
    itemsSection: $("sim-items-section"),
    search: $("sim-search"),
    status: $("sim-status"),
    grid: $("sim-grid")
  };

  let config = { lane: "", currency: "EUR", lang: I.DEFAULT_LANG, demo: false };
  let view = null;
  let shownSeq = -1;
  let lang = I.DEFAULT_LANG;
  let appliedLang = "";
  let conn = "connecting";
  let items = null; // /api/sim/items .items once loaded
  let samples = [];
  let loadError = null;
  let lastResult = null; // {ok, text, code}

  const t = (key, vars) => I.t(lang, key, vars);
  const money = (amount) => I.money(lang, (view && view.currency) || config.currency, amount);

  function make(tag, className, text) {
    const n = document.createElement(tag);
    if (className) n.className = className;
    if (text !== undefined && text !== null) n.textContent = String(text);
    return n;
  }

  // visible shows control bytes of a scanned code as their Unicode control
  // pictures (GS → ␝) so that GS1 labels can be read on screen.
  function visible(code) {
    return String(code).replace(/[\u0000-\u001f\u007f]/g, (c) =>
      String.fromCharCode(c === "\u007f" ? 0x2421 : 0x2400 + c.charCodeAt(0)));
  }

  // ---- lane view

  function acceptView(v) {
    if (!v || typeof v !== "object" || typeof v.seq !== "number") return false;
    if (v.seq < shownSeq) return false;
    shownSeq = v.seq;
    view = v;
    render();
    return true;
  }

  function refreshLane() {
    C.getJSON("/api/lane").then(acceptView, () => {});
  }

  function render() {
    lang = I.norm((view && view.lang) || config.lang);
    if (appliedLang !== lang) {
      appliedLang = lang;
      document.documentElement.lang = lang;
      I.apply(document, lang);
      document.title = t("sim.title");
      renderSamples();
      renderItems();
      renderResult();
    }
    const lane = (view && view.lane) || config.lane;
    el.laneLabel.textContent = lane ? t("header.lane", { lane }) : "";
    const totals = (view && view.totals) || {};
    el.total.textContent = money(totals.total === undefined ? "0" : totals.total);
    el.count.textContent = I.plural(lang, "items", Number(totals.items) || 0);
    const state = view ? String(view.state || "idle") : "";
    el.state.dataset.state = state;
    el.state.textContent = state ? t("state." + state) : "";
    el.state.hidden = !state;
    renderConn();
  }

  function setConn(s) {
    conn = s;
    renderConn();
  }

  function renderConn() {
    el.conn.dataset.conn = conn;
    el.conn.className = "conn " + conn;
    el.connLabel.textContent = t("conn." + conn);
  }

  // ---- results

  const LOG_MAX = 20;

  function showResult(ok, text, code) {
    lastResult = { ok, text, code: code || "" };
    renderResult();
    const li = make("li", ok ? "ok" : "error", new Date().toLocaleTimeString(lang) + "  " + text);
    el.log.prepend(li);
    while (el.log.childElementCount > LOG_MAX) el.log.lastElementChild.remove();
  }

  function renderResult() {
    if (!lastResult) {
      el.result.className = "sim-result";
      el.result.textContent = t("sim.noResult");
      delete el.result.dataset.code;
      return;
    }
    el.result.className = "sim-result " + (lastResult.ok ? "ok" : "error");
    el.result.textContent = lastResult.text;
    el.result.dataset.code = lastResult.code;
  }

  // alertNote describes the blocking alerts a command left open, if any.
  function alertNote(v) {
    const alerts = v && Array.isArray(v.alerts) ? v.alerts : [];
    const open = alerts.filter((a) => a && a.blocking);
    if (!open.length) return "";
    const a = open[open.length - 1];
    let d = a.detail;
    if (typeof d === "string") {
      try {
        d = JSON.parse(d);
      } catch (e) {
        d = null;
      }
    }
    d = d && typeof d === "object" ? d : {};
    switch (a.type) {
      case "item_not_found":
      case "cancel_request":
      case "help":
        return " → " + t("alert." + a.type);
      case "void_request": {
        const no = Number(d.line) || 0;
        const ln = (Array.isArray(v.lines) ? v.lines : []).find((x) => x && x.no === no);
        const name = ln ? I.name(lang, ln.names, ln.gtin) : t("line.number", { n: no });
        const to = Number(d.toQty) || 0;
        return " → " + (to > 0
          ? t("alert.void_request_qty", { name, from: Number(d.fromQty) || 0, to })
          : t("alert.void_request", { name }));
      }
      default:
        return " → " + t("alert.other");
    }
  }

  async function act(cmd, okText) {
    try {
      const res = await C.postCommand(cmd);
      if (res && res.view) acceptView(res.view);
      let text = okText();
      if (res && res.replayed) text += " " + t("sim.replayed");
      text += alertNote(res && res.view);
      showResult(true, text);
    } catch (err) {
      const code = err && err.code ? String(err.code) : "";
      const msg = err && err.message && err.message !== code ? err.message : "";
      showResult(false, t("sim.error", { message: I.errorMessage(lang, code, msg) }), code);
    }
  }

  function scan(code) {
    return act({ op: "scan", code, source: "sim" }, () => t("sim.okScan", { code: visible(code) }));
  }

  function weigh(plu, name, grams) {
    const g = Math.round(Number(grams));
    if (!Number.isFinite(g) || g < 1 || g > 30000) {
      showResult(false, t("sim.error", { message: I.errorMessage(lang, "request.weight") }), "request.weight");
      return Promise.resolve();
    }
    return act({ op: "weighed", plu, weightG: g }, () => t("sim.okWeigh", { name: name(), grams: I.formatInt(lang, g) }));
  }

  // ---- samples and items

  function scanButton(code) {
    const b = make("button", "btn btn-primary sim-scan", t("sim.scan"));
    b.type = "button";
    b.dataset.code = code;
    return b;
  }

  function renderSamples() {
    const frag = document.createDocumentFragment();
    for (const s of samples) {
      if (!s || typeof s.code !== "string") continue;
      const li = make("li", "sim-sample");
      const actions = make("div", "sim-actions");
      actions.append(make("code", "sim-code", visible(s.code)), scanButton(s.code));
      li.append(make("span", "sim-label", s.label || ""), actions);
      frag.appendChild(li);
    }
    el.samples.replaceChildren(frag);
    el.samplesSection.hidden = !(config.demo && samples.length > 0);
  }

  function matches(it, q) {
    if (!q) return true;
    const names = it.names && typeof it.names === "object" ? Object.values(it.names) : [];
    return [it.code, it.gtin, it.plu, it.category].concat(names)
      .some((v) => v !== undefined && v !== null && String(v).toLocaleLowerCase().includes(q));
  }

  function renderItems() {
    if (!config.demo) {
      el.itemsSection.hidden = true;
      return;
    }
    el.itemsSection.hidden = false;
    if (loadError || !items) {
      el.grid.replaceChildren();
      el.status.hidden = false;
      el.status.textContent = loadError
        ? t("sim.error", { message: I.errorMessage(lang, loadError.code, loadError.message) })
        : t("sim.loading");
      return;
    }
    const q = el.search.value.trim().toLocaleLowerCase();
    const shown = items.filter((it) => matches(it, q));
    const frag = document.createDocumentFragment();
    for (const it of shown) frag.appendChild(itemCard(it));
    el.grid.replaceChildren(frag);
    el.status.hidden = shown.length > 0;
    el.status.textContent = shown.length > 0 ? "" : t("sim.none");
  }

  function itemCard(it) {
    const byWeight = it.soldBy === "weight";
    const code = String(it.code || it.gtin || "");
    const card = make("div", "sim-item");
    if (it.gtin) card.dataset.gtin = String(it.gtin);
    if (it.plu) card.dataset.plu = String(it.plu);
    card.dataset.soldBy = String(it.soldBy || "each");

    const title = make("span", "sim-name", I.name(lang, it.names, code));
    const age = Number(it.minAge) || 0;
    if (age > 0) title.appendChild(make("span", "age-badge", age + "+"));

    const meta = make("div", "sim-meta");
    meta.appendChild(make("span", "sim-price", byWeight ? t("produce.perKg", { price: money(it.price) }) : money(it.price)));
    if (byWeight) meta.appendChild(make("span", "sim-sold", t("sim.soldByWeight") + (it.plu ? " · PLU " + it.plu : "")));
    if (it.category) meta.appendChild(make("span", "sim-category", String(it.category)));

    const actions = make("div", "sim-actions");
    if (code) actions.appendChild(scanButton(code));
    if (byWeight && it.plu) {
      const input = make("input", "sim-weight");
      input.type = "number";
      input.min = "1";
      input.max = "30000";
      input.step = "1";
      input.value = "500";
      input.inputMode = "numeric";
      input.setAttribute("aria-label", t("sim.grams"));
      input.title = t("sim.grams");
      const grams = make("span", "unit-small", "g");
      const b = make("button", "btn btn-secondary sim-weigh", t("sim.weigh"));
      b.type = "button";
      b.dataset.plu = String(it.plu);
      actions.append(input, grams, b);
    }
    card.append(title, meta, make("code", "sim-code", visible(code)), actions);
    return card;
  }

  document.addEventListener("click", (e) => {
    if (e.detail > 1) return; // the second click of a double tap
    const target = e.target instanceof Element ? e.target : null;
    if (!target) return;
    const scanBtn = target.closest(".sim-scan");
    if (scanBtn) {
      scan(scanBtn.dataset.code || "");
      return;
    }
    const weighBtn = target.closest(".sim-weigh");
    if (weighBtn) {
      const card = weighBtn.closest(".sim-item");
      const input = card ? card.querySelector(".sim-weight") : null;
      const plu = weighBtn.dataset.plu || "";
      const it = (items || []).find((x) => String(x.plu) === plu);
      weigh(plu, () => (it ? I.name(lang, it.names, plu) : plu), input ? input.value : "");
    }
  });

  el.search.addEventListener("input", renderItems);

  // ---- boot

  async function loadConfig() {
    let wait = 1000;
    for (;;) {
      try {
        return Object.assign({}, config, await C.getJSON("/api/config"));
      } catch (err) {
        setConn("offline");
        await new Promise((r) => setTimeout(r, wait));
        wait = Math.min(wait * 2, 10000);
      }
    }
  }

  async function loadItems() {
    try {
      const d = await C.getJSON("/api/sim/items");
      items = Array.isArray(d.items) ? d.items.filter((x) => x && typeof x === "object") : [];
      samples = Array.isArray(d.samples) ? d.samples : [];
      loadError = null;
    } catch (err) {
      loadError = err;
    }
    renderSamples();
    renderItems();
  }

  render();
  C.connectEvents({
    onState: acceptView,
    onStatus: (s) => {
      setConn(s);
      if (s === "online" && shownSeq < 0) refreshLane();
    },
    onReconnect: refreshLane
  });
  refreshLane();
  loadConfig().then((c) => {
    config = c;
    el.demoOnly.hidden = !!config.demo;
    appliedLang = "";
    render();
    if (config.demo) loadItems();
  });
})();
