// sim.js — the demo's "Simulated devices" page. Two ways in:
//   - item and label cards send lane commands directly (source "sim");
//   - the Devices cards act on the device simulators behind the lane's serial
//     lines (/api/sim/device): the real drivers read them and report to the
//     lane, exactly as they would with the hardware.
// The shopper screen in another tab follows through its event stream.
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
    devicesSection: $("devices-section"),
    devices: $("devices"),
    devicesEmpty: $("devices-empty"),
    samplesSection: $("sim-samples-section"),
    samples: $("sim-samples"),
    itemsSection: $("sim-items-section"),
    search: $("sim-search"),
    status: $("sim-status"),
    grid: $("sim-grid"),
    bagSection: $("bag-section"),
    bagFigures: $("bag-figures"),
    bagDue: $("bag-due"),
    bagAuto: $("bag-auto")
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

  const make = C.make;

  // visible shows control bytes of a scanned code as their Unicode control
  // pictures (GS → ␝) so that GS1 labels can be read on screen.
  function visible(code) {
    return String(code).replace(/[\u0000-\u001f\u007f]/g, (c) =>
      String.fromCharCode(c === "\u007f" ? 0x2421 : 0x2400 + c.charCodeAt(0)));
  }

  // ---- lane view

  function acceptView(v) {
    const next = C.nextView(view, v);
    if (next.gap) refreshLane();
    if (!next.view) return false;
    view = next.view;
    shownSeq = view.seq;
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
      renderDevices();
    }
    const lane = (view && view.lane) || config.lane;
    el.laneLabel.textContent = lane ? t("header.lane", { lane }) : "";
    const totals = (view && view.totals) || {};
    el.total.textContent = money(totals.total === undefined ? "0" : totals.total);
    el.count.textContent = I.plural(lang, "items", Number(totals.items) || 0);
    const state = view ? String(view.state || "idle") : "";
    el.state.dataset.state = state;
    el.state.textContent = state ? t("state." + state) : "";
    el.state.title = t("sim.lane");
    el.state.hidden = !state;
    renderBag();
    renderConn();
  }

  // ---- bagging area: each button sets the simulated bagging scale to a
  // weight relative to what the lane's view says the area holds.

  function bagInfo() {
    return view && view.bagging && typeof view.bagging === "object" ? view.bagging : null;
  }

  // Auto-bag (on by default, remembered): a second after a scan the items
  // awaited go on the bagging scale, unless a bagging alert is open (then the
  // buttons are for putting things right by hand).
  const AUTO_KEY = "kiosk.sim.autoBag";
  try {
    if (localStorage.getItem(AUTO_KEY) === "off") el.bagAuto.checked = false;
  } catch (e) { /* storage off: the default */ }
  el.bagAuto.addEventListener("change", () => {
    try { localStorage.setItem(AUTO_KEY, el.bagAuto.checked ? "on" : "off"); } catch (e) { /* ignore */ }
    autoBag();
  });
  let autoTimer = 0;
  let autoFor = "";
  function autoBag() {
    const b = bagInfo();
    const open = view && Array.isArray(view.alerts) && view.alerts.some((a) => String(a.type).startsWith("bag_"));
    if (!el.bagAuto.checked || !b || !(Number(b.awaited) > 0) || open) return;
    const key = view.seq + ":" + b.awaitedG;
    if (key === autoFor) return;
    autoFor = key;
    clearTimeout(autoTimer);
    autoTimer = setTimeout(() => {
      const now = bagInfo();
      if (el.bagAuto.checked && now && Number(now.awaited) > 0) bagAction("bag");
    }, 1000);
  }

  let bagTimer = 0;
  function renderBag() {
    autoBag();
    const b = bagInfo();
    const hasScale = (devices || []).some((d) => d && d.role === "scale.bagging");
    el.bagSection.hidden = !config.demo || !hasScale;
    const g = (n) => I.formatInt(lang, Number(n) || 0);
    el.bagFigures.textContent = b
      ? t("sim.bag.figures", { weight: g(b.weightG), accepted: g(b.acceptedG), awaited: g(b.awaitedG), n: Number(b.awaited) || 0 })
      : t("sim.bag.noTxn");
    for (const btn of el.bagSection.querySelectorAll("[data-bag]")) {
      const kind = btn.dataset.bag;
      // An unexpected item needs nothing awaited: with a scan on its way, an
      // unexplained weight is a wrong item (bag_weight_mismatch).
      btn.disabled = !b || (kind === "bag" && !(Number(b.awaited) > 0)) || (kind === "wrong" && !(Number(b.awaited) > 0)) ||
        (kind === "unexpected" && Number(b.awaited) > 0) ||
        (kind === "remove" && !(Number(b.weightG) > 0));
    }
    clearTimeout(bagTimer);
    const due = b && b.dueAt ? new Date(b.dueAt) : null;
    if (due && !isNaN(due.getTime())) {
      const s = Math.ceil((due.getTime() - Date.now()) / 1000);
      el.bagDue.textContent = s > 0 ? t("sim.bag.due", { s }) : "";
      if (s > 0) bagTimer = setTimeout(renderBag, 1000);
    } else {
      el.bagDue.textContent = b ? t("sim.bag.window", { s: Number(b.windowS) || 0 }) : "";
    }
  }

  async function bagAction(kind) {
    const b = bagInfo();
    if (!b) return;
    let grams = Number(b.weightG) || 0;
    switch (kind) {
      case "bag": grams = (Number(b.acceptedG) || 0) + (Number(b.awaitedG) || 0); break;
      case "unexpected": grams = (Number(b.weightG) || 0) + 500; break;
      case "wrong": grams = (Number(b.acceptedG) || 0) + (Number(b.awaitedG) || 0) + 300; break;
      case "remove": grams = Math.max(0, (Number(b.weightG) || 0) - 400); break;
      case "fix": grams = Number(b.acceptedG) || 0; break;
    }
    try {
      await C.postJSON("/api/sim/device", { device: "scale.bagging", do: "set", grams });
      showResult(true, t("sim.okSet", { device: roleName("scale.bagging"), grams: I.formatInt(lang, grams) }));
    } catch (err) {
      showResult(false, errorText(err), err && err.code ? String(err.code) : "");
    }
  }

  el.bagSection.addEventListener("click", (e) => {
    const btn = e.target.closest("[data-bag]");
    if (btn && !btn.disabled) bagAction(btn.dataset.bag);
  });

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

  // showResult shows the outcome of an action and logs it; logResult only logs.
  function showResult(ok, text, code) {
    lastResult = { ok, text, code: code || "" };
    renderResult();
    logResult(ok, text);
  }

  function logResult(ok, text) {
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

  // scan sends code through the simulated scanner's wire when the lane has one
  // (the lane trusts what its serial scanner reads, labels included), else as
  // a command from this page, which the lane treats like a code typed on the
  // screen.
  function scan(code) {
    if ((devices || []).some((d) => d.role === "scanner" && d.connected)) {
      scanWithScanner("scan", code);
      return Promise.resolve();
    }
    return act({ op: "scan", code, source: "sim" }, () => t("sim.okScan", { code: visible(code) }));
  }

  // weigh puts the grams on the simulated produce scale, waits until the lane
  // holds the settled weight, and sells it under plu: a lane with a produce
  // scale sells only what its scale weighed (a typed weight is for lanes
  // without one).
  async function weigh(plu, name, grams) {
    const g = Math.round(Number(grams));
    if (!Number.isFinite(g) || g < 1 || g > 30000) {
      showResult(false, t("sim.error", { message: I.errorMessage(lang, "request.weight") }), "request.weight");
      return;
    }
    const settled = (list) => (Array.isArray(list) ? list : []).some((d) =>
      d && d.role === "scale.produce" && !d.moving && Number(d.grams) === g);
    try {
      let res = await C.postJSON("/api/sim/device", { device: "scale.produce", do: "set", grams: g });
      for (let i = 0; i < 40 && !settled(res && res.devices); i++) {
        await new Promise((r) => setTimeout(r, 100));
        res = await C.getJSON("/api/devices");
      }
    } catch (err) {
      showResult(false, errorText(err), err && err.code ? String(err.code) : "");
      return;
    }
    return act({ op: "weighed", plu }, () => t("sim.okWeigh", { name: name(), grams: I.formatInt(lang, g) }));
  }


  // ---- samples and items

  function scanButton(code) {
    const b = make("button", "btn btn-primary sim-scan", t("sim.scan"));
    b.type = "button";
    b.dataset.code = code;
    return b;
  }

  // sampleValue formats a label's printed value ("0.785 kg", "2.50",
  // "1.250 kg / 4.99") in the page's language.
  function sampleValue(kind, value) {
    const v = String(value || "");
    let m;
    if ((m = /^(\d+(?:\.\d+)?) kg$/.exec(v))) return I.weightKg(lang, Math.round(Number(m[1]) * 1000)) + " kg";
    if ((m = /^(\d+(?:\.\d+)?) kg \/ (\d+(?:\.\d+)?)$/.exec(v))) {
      return t("sample.weightPrice", { weight: I.weightKg(lang, Math.round(Number(m[1]) * 1000)), price: money(m[2]) });
    }
    if (kind === "price_label" && /^\d+(?:\.\d+)?$/.test(v)) return money(v);
    if (kind === "count_label" && /^\d+$/.test(v)) return I.formatInt(lang, Number(v));
    return v;
  }

  // sampleLabel says what a sample label is in the page's language; the
  // server's English label is the fallback for kinds this page doesn't know.
  function sampleLabel(s) {
    const kind = String(s.kind || "");
    if (!kind || !I.has("en", "sample." + kind)) return String(s.label || s.code || "");
    const name = s.names && typeof s.names === "object" ? I.name(lang, s.names, "") : "";
    if (/_label$/.test(kind) && !name) return String(s.label || s.code || "");
    return t("sample." + kind, { name, value: sampleValue(kind, s.value) });
  }

  function categoryName(c) {
    const key = "cat." + String(c);
    return I.has(lang, key) || I.has("en", key) ? t(key) : String(c);
  }

  function renderSamples() {
    const frag = document.createDocumentFragment();
    for (const s of samples) {
      if (!s || typeof s.code !== "string") continue;
      const li = make("li", "sim-sample");
      const actions = make("div", "sim-actions");
      actions.append(make("code", "sim-code", visible(s.code)), scanButton(s.code));
      li.dataset.kind = String(s.kind || "");
      li.append(make("span", "sim-label", sampleLabel(s)), actions);
      frag.appendChild(li);
    }
    el.samples.replaceChildren(frag);
    el.samplesSection.hidden = !(config.demo && samples.length > 0);
  }

  function matches(it, q) {
    if (!q) return true;
    const names = it.names && typeof it.names === "object" ? Object.values(it.names) : [];
    return [it.code, it.gtin, it.plu, it.category, it.category ? categoryName(it.category) : ""].concat(names)
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
    if (it.category) {
      const cat = make("span", "sim-category", categoryName(it.category));
      cat.dataset.category = String(it.category);
      meta.appendChild(cat);
    }

    const actions = make("div", "sim-actions");
    if (code) actions.appendChild(scanButton(code));
    if (code && !byWeight) {
      // The same code read by the simulated serial scanner: driver, framing and
      // all, as a shopper's scan at the lane would arrive.
      const via = make("button", "btn btn-outline sim-scan-device", t("sim.viaScanner"));
      via.type = "button";
      via.dataset.code = code;
      via.title = t("sim.viaScannerTitle");
      actions.appendChild(via);
    }
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
    const viaBtn = target.closest(".sim-scan-device");
    if (viaBtn) {
      scanWithScanner("scan", viaBtn.dataset.code || "");
      return;
    }
    const devBtn = target.closest(".device-action, .device-toggle");
    if (devBtn) {
      deviceClick(devBtn);
      return;
    }
    if (target.closest("#print-last")) {
      printLast();
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

  // ---- devices

  const ROLES = ["scanner", "scale.produce", "scale.bagging", "printer", "payment"];
  // What the simulated card terminal can do with the next card (zvtsim.ParseBehavior).
  const CARD_BEHAVIOURS = ["approve", "decline:05", "decline:51", "approve_offline", "timeout", "drop_reply",
    "lose_link:before", "lose_link:after", "printer_not_ready", "busy"];
  const SCALE_TOGGLES = [["motion", "motion"], ["overload", "over_capacity"], ["under_zero", "under_zero"]];
  // Switches of each simulator: [action, the fault or warning its driver reports].
  const TOGGLES = {
    scanner: [],
    "scale.produce": SCALE_TOGGLES,
    "scale.bagging": SCALE_TOGGLES,
    printer: [["paper_near_end", "paper_near_end"], ["paper_end", "paper_end"], ["cover_open", "cover_open"], ["offline", "offline"]],
    payment: []
  };

  let devices = null; // the last /api/devices list; null until loaded
  let devicesError = null;
  const cards = new Map(); // role → the card's elements
  // What each switch of a simulator is set to ("role/do" → bool), as this page
  // last set it or, when it changed elsewhere, as the driver last reported it.
  // Drivers poll, so a report may lag a click by a few seconds.
  const switches = new Map();
  const lastCodes = new Map(); // role → {connected, codes} of the previous report

  const roleName = (role) => (I.has("en", "dev." + role) ? t("dev." + role) : String(role));

  function codesOf(d) {
    return new Set([].concat(Array.isArray(d.faults) ? d.faults : [], Array.isArray(d.warnings) ? d.warnings : []).map(String));
  }

  // syncSwitches follows the driver's reports: a fault that appears turns its
  // switch on, one that goes away turns it off. An unplugged device reports
  // nothing else, so its other switches keep what they were.
  function syncSwitches(d) {
    const role = String(d.role);
    const connected = !!d.connected;
    const codes = codesOf(d);
    const prev = lastCodes.get(role);
    const cable = role + "/unplug";
    if (!switches.has(cable) || (prev && prev.connected !== connected)) switches.set(cable, !connected);
    if (connected) {
      for (const [action, code] of TOGGLES[role] || []) {
        const key = role + "/" + action;
        const now = codes.has(code);
        if (!switches.has(key)) switches.set(key, now);
        else if (prev && prev.connected && prev.codes.has(code) !== now) switches.set(key, now);
      }
    }
    lastCodes.set(role, { connected, codes });
  }

  function acceptDevices(list) {
    if (!Array.isArray(list)) return;
    devices = list.filter((d) => d && typeof d === "object" && typeof d.role === "string");
    devicesError = null;
    for (const d of devices) syncSwitches(d);
    renderDevices();
    renderBag();
  }

  let devBusy = false;
  let devAgain = false;
  let devTimer = 0;

  // refreshDevices reads the devices now and then every second (less often in
  // a background tab); calls while a read is under way join it.
  function refreshDevices() {
    if (!config.demo) return;
    if (devBusy) {
      devAgain = true;
      return;
    }
    devBusy = true;
    clearTimeout(devTimer);
    C.getJSON("/api/devices").then((d) => acceptDevices(d && d.devices), (err) => {
      devicesError = err;
      renderDevices();
    }).then(() => {
      devBusy = false;
      if (devAgain) {
        devAgain = false;
        refreshDevices();
      } else {
        devTimer = setTimeout(refreshDevices, document.hidden ? 5000 : 1000);
      }
    });
  }

  function button(className, role, action, key) {
    const b = make("button", "btn " + className);
    b.type = "button";
    b.dataset.role = role;
    b.dataset.do = action;
    if (key) b.setAttribute("data-i18n", key);
    return b;
  }

  function toggleButton(role, action) {
    const b = button("device-toggle", role, action, action === "unplug" ? "" : "dev." + action);
    b.setAttribute("aria-pressed", "false");
    return b;
  }

  function row(...children) {
    const r = make("div", "device-row");
    r.append(...children);
    return r;
  }

  function gramsInput(role) {
    const input = make("input", "device-grams-input");
    input.type = "number";
    input.id = "grams-" + role.replace(/^scale\./, "");
    input.min = "0";
    input.max = "100000";
    input.step = "1";
    input.value = role === "scale.produce" ? "1235" : "500";
    input.inputMode = "numeric";
    input.setAttribute("data-i18n-aria-label", "sim.grams");
    input.dataset.role = role;
    return input;
  }

  function buildCard(role) {
    const card = make("article", "device-card");
    card.dataset.role = role;
    const head = make("div", "device-head");
    const title = make("h3", "device-name");
    const state = make("span", "device-state");
    head.append(title, state);
    const chips = make("div", "device-chips");
    const refs = { card, title, state, chips, grams: null, toggles: [], img: null, receipt: null };
    card.append(head, chips);
    if (role.startsWith("scale.")) {
      refs.grams = make("p", "device-grams");
      card.appendChild(refs.grams);
    }
    const controls = make("div", "device-controls");
    if (role === "scanner") {
      const input = make("input", "device-code");
      input.type = "text";
      input.id = "scanner-input";
      input.autocomplete = "off";
      input.spellcheck = false;
      input.maxLength = 200;
      input.setAttribute("data-i18n-placeholder", "dev.codePlaceholder");
      input.setAttribute("data-i18n-aria-label", "dev.codePlaceholder");
      input.addEventListener("keydown", (e) => {
        if (e.key === "Enter") {
          e.preventDefault();
          scanWithScanner("scan", input.value.trim());
        }
      });
      const scanB = button("btn-primary device-action", role, "scan", "dev.scan");
      scanB.id = "scanner-scan";
      controls.append(
        row(input),
        row(scanB, button("btn-secondary device-action", role, "double", "dev.double"),
          button("btn-secondary device-action", role, "noise", "dev.noise")));
    } else if (role === "payment") {
      const sel = make("select", "device-card-next");
      sel.id = "card-next";
      sel.setAttribute("data-i18n-aria-label", "dev.cardNext");
      for (const b of CARD_BEHAVIOURS) {
        const o = make("option");
        o.value = b;
        o.setAttribute("data-i18n", "dev.card." + b.replace(":", "_"));
        sel.appendChild(o);
      }
      const next = button("btn-primary device-action", role, "next", "dev.cardNextButton");
      next.id = "card-next-button";
      controls.append(row(sel, next));
    } else if (role.startsWith("scale.")) {
      const put = button("btn-primary device-action", role, "set", "dev.set");
      const off = button("btn-secondary device-action", role, "set", "dev.takeOff");
      off.dataset.grams = "0";
      controls.append(row(gramsInput(role), make("span", "unit-small", "g"), put, off));
    }
    const toggles = make("div", "device-row device-toggles");
    for (const [action] of TOGGLES[role] || []) toggles.appendChild(toggleButton(role, action));
    const cable = toggleButton(role, "unplug");
    cable.classList.add("device-cable");
    toggles.appendChild(cable);
    refs.toggles = Array.from(toggles.querySelectorAll(".device-toggle"));
    controls.appendChild(toggles);
    if (role === "printer") {
      const print = make("button", "btn btn-primary");
      print.type = "button";
      print.id = "print-last";
      print.setAttribute("data-i18n", "dev.printLast");
      controls.appendChild(row(print));
      const fig = make("figure", "device-receipt");
      fig.dataset.state = "empty";
      const cap = make("figcaption");
      cap.setAttribute("data-i18n", "dev.receipt");
      const img = make("img");
      img.id = "receipt-img";
      img.hidden = true;
      img.setAttribute("data-i18n-alt", "dev.receipt");
      const none = make("p", "device-receipt-empty");
      none.setAttribute("data-i18n", "dev.noReceipt");
      const scroll = make("div", "device-receipt-scroll");
      scroll.hidden = true;
      scroll.appendChild(img);
      img.addEventListener("load", () => {
        img.hidden = false;
        scroll.hidden = false;
        none.hidden = true;
        fig.dataset.state = "shown";
      });
      img.addEventListener("error", () => {
        img.hidden = true;
        scroll.hidden = true;
        none.hidden = false;
        fig.dataset.state = "empty";
      });
      fig.append(cap, scroll, none);
      controls.appendChild(fig);
      refs.img = img;
      refs.receipt = fig;
    }
    card.appendChild(controls);
    I.apply(card, lang);
    if (refs.img) loadReceipt();
    return refs;
  }

  // loadReceipt shows the last receipt the simulated printer cut (none yet: a
  // 404 and the "nothing printed yet" line).
  function loadReceipt() {
    const refs = cards.get("printer");
    if (refs && refs.img) refs.img.src = "/api/sim/receipt.png?t=" + Date.now();
  }

  function chip(code, warning) {
    const c = make("span", "fault-chip" + (warning ? " is-warning" : ""), I.has("en", "fault." + code) ? t("fault." + code) : code);
    c.dataset.code = code;
    return c;
  }

  function updateCard(refs, d) {
    const role = String(d.role);
    const connected = !!d.connected;
    const faults = (Array.isArray(d.faults) ? d.faults : []).map(String).filter((f) => f !== "unplugged");
    const warnings = (Array.isArray(d.warnings) ? d.warnings : []).map(String);
    refs.card.dataset.connected = connected ? "true" : "false";
    refs.card.classList.toggle("has-fault", !connected || faults.length > 0);
    refs.card.classList.toggle("has-warning", warnings.length > 0);
    refs.title.textContent = roleName(role);
    refs.state.dataset.state = connected ? "connected" : "unplugged";
    refs.state.textContent = t(connected ? "dev.connected" : "dev.unplugged");
    const frag = document.createDocumentFragment();
    for (const f of faults) frag.appendChild(chip(f, false));
    for (const w of warnings) frag.appendChild(chip(w, true));
    if (!frag.childNodes.length) frag.appendChild(make("span", "ok-chip", connected ? t("dev.noFaults") : ""));
    refs.chips.replaceChildren(frag);
    if (refs.grams) {
      const g = Number(d.grams);
      refs.grams.textContent = t("dev.settled", { grams: I.formatInt(lang, Number.isFinite(g) ? g : 0) });
      refs.grams.dataset.grams = String(Number.isFinite(g) ? g : 0);
    }
    for (const b of refs.toggles) {
      const on = !!switches.get(role + "/" + b.dataset.do);
      b.setAttribute("aria-pressed", on ? "true" : "false");
      b.classList.toggle("on", on);
      if (b.dataset.do === "unplug") b.textContent = t(on ? "dev.replug" : "dev.unplug");
    }
  }

  function renderDevices() {
    el.devicesSection.hidden = !config.demo;
    if (!config.demo) return;
    const list = devices || [];
    const shown = new Set(list.map((d) => String(d.role)));
    for (const [role, refs] of cards) {
      if (!shown.has(role)) {
        refs.card.remove();
        cards.delete(role);
      }
    }
    const ordered = list.slice().sort((a, b) => {
      const ia = ROLES.indexOf(a.role);
      const ib = ROLES.indexOf(b.role);
      return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib) || String(a.role).localeCompare(String(b.role));
    });
    let prev = null;
    for (const d of ordered) {
      const role = String(d.role);
      let refs = cards.get(role);
      if (!refs) {
        refs = buildCard(role);
        cards.set(role, refs);
      }
      updateCard(refs, d);
      const want = prev ? prev.nextSibling : el.devices.firstChild;
      if (want !== refs.card) el.devices.insertBefore(refs.card, want);
      prev = refs.card;
    }
    el.devicesEmpty.hidden = list.length > 0;
    el.devicesEmpty.textContent = devicesError && !devices
      ? t("sim.error", { message: I.errorMessage(lang, devicesError.code, devicesError.message) })
      : devices ? t("sim.noDevices") : t("sim.loading");
    el.devicesEmpty.dataset.state = devicesError && !devices ? "error" : devices ? "none" : "loading";
    // Items can go "via scanner" only when there is a simulated scanner.
    el.grid.classList.toggle("has-scanner", shown.has("scanner"));
  }

  function errorText(err) {
    const code = err && err.code ? String(err.code) : "";
    const msg = err && err.message && err.message !== code ? String(err.message) : "";
    let text = I.errorMessage(lang, code, msg);
    if (code.startsWith("sim.") && msg && text !== msg) text += " (" + msg + ")";
    return t("sim.error", { message: text });
  }

  // device sends one action to a simulator; okText() describes it once done,
  // undo() takes back what the page assumed if the simulator refused it.
  async function device(body, okText, undo) {
    const refusedBefore = refusals;
    try {
      const res = await C.postJSON("/api/sim/device", body);
      if (res && Array.isArray(res.devices)) acceptDevices(res.devices);
      // The lane may refuse a scan before this answer arrives: the refusal
      // is the news, "sent" only goes to the log.
      if (refusals !== refusedBefore) logResult(true, okText());
      else showResult(true, okText());
    } catch (err) {
      if (undo) undo();
      showResult(false, errorText(err), err && err.code ? String(err.code) : "");
      renderDevices();
    }
    refreshDevices();
  }

  function scanWithScanner(action, code) {
    if (!code) {
      showResult(false, t("sim.error", { message: I.errorMessage(lang, "scan.empty") }), "scan.empty");
      return;
    }
    device({ device: "scanner", do: action, data: code },
      () => t(action === "double" ? "sim.okDouble" : "sim.okScanner", { code: visible(code) }));
  }

  function deviceClick(b) {
    const role = b.dataset.role || "";
    const action = b.dataset.do || "";
    const name = () => roleName(role);
    if (b.classList.contains("device-toggle")) {
      const key = role + "/" + action;
      const was = !!switches.get(key);
      const on = !was;
      const undo = () => switches.set(key, was);
      switches.set(key, on);
      if (action === "unplug") {
        device({ device: role, do: on ? "unplug" : "replug" },
          () => t(on ? "sim.okUnplug" : "sim.okReplug", { device: name() }), undo);
      } else {
        device({ device: role, do: action, on },
          () => t(on ? "sim.okOn" : "sim.okOff", { device: name(), what: t("dev." + action) }), undo);
      }
      renderDevices();
      return;
    }
    switch (action) {
      case "scan":
      case "double": {
        const input = $("scanner-input");
        scanWithScanner(action, input ? input.value.trim() : "");
        return;
      }
      case "noise":
        device({ device: role, do: "noise" }, () => t("sim.okNoise"));
        return;
      case "next": {
        const sel = $("card-next");
        const what = sel ? sel.value : "approve";
        device({ device: role, do: "next", data: what },
          () => t("sim.okCardNext", { what: t("dev.card." + what.replace(":", "_")) }));
        return;
      }
      case "set": {
        let raw = b.dataset.grams;
        if (raw === undefined) {
          const card = b.closest(".device-card");
          const input = card ? card.querySelector(".device-grams-input") : null;
          raw = input ? input.value : "";
        }
        const g = Math.round(Number(String(raw).trim().replace(",", ".")));
        if (String(raw).trim() === "" || !Number.isFinite(g) || g < 0 || g > 100000) {
          showResult(false, t("sim.error", { message: t("sim.gramsRange") }), "request.weight");
          return;
        }
        device({ device: role, do: "set", grams: g },
          () => (g === 0 ? t("sim.okTakeOff", { device: name() }) : t("sim.okSet", { device: name(), grams: I.formatInt(lang, g) })));
        return;
      }
    }
  }

  async function printLast() {
    const b = $("print-last");
    if (b) b.disabled = true;
    try {
      await C.postJSON("/api/sim/print", undefined, 35000);
      showResult(true, t("sim.okPrint"));
      loadReceipt();
    } catch (err) {
      showResult(false, errorText(err), err && err.code ? String(err.code) : "");
    }
    if (b) b.disabled = false;
    refreshDevices();
  }

  let refusals = 0; // scan_refused notices seen

  function onNotice(n) {
    if (n.kind === "scan_refused") {
      refusals++;
      const code = n.code ? String(n.code) : "";
      showResult(false, t("sim.scanRefused", { message: I.errorMessage(lang, code, n.message ? String(n.message) : "") }), code);
    } else if (n.kind === "scale") {
      refreshDevices();
    }
  }

  document.addEventListener("visibilitychange", () => {
    if (!document.hidden && config.demo) refreshDevices();
  });

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
    onNotice,
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
    if (config.demo) {
      loadItems();
      refreshDevices();
    }
  });
})();
