// staff.js — the staff handheld: login, the live alert list of the store's
// lanes (Server-Sent Events), one alert with its actions, and a lane's basket.
//
// Every URL is relative: the page runs at / on the kiosk's LAN listener and at
// /staff/ on the kiosk's own screen (attendant mode: ?lane=ID&kiosk=1, where
// "leave" or 60 s untouched logs out and returns to the shopper screen).
// Everything from the server (product names, codes, device text) reaches the
// page through textContent or attributes, never innerHTML.
"use strict";

(function () {
  const I = window.KioskI18n;
  const $ = (id) => document.getElementById(id);
  const params = new URLSearchParams(location.search);
  const KIOSK = params.get("kiosk") === "1";
  const KIOSK_LANE = params.get("lane") || "";
  let idleMs = 60000; // GET api/config: attendantTimeoutS
  const LANG_KEY = "kiosk.staff.lang";

  const st = {
    lang: "en",
    csrf: "",
    me: null,
    alerts: new Map(), // "lane/id" → alert (with shownAt: local ms when waited was 0)
    lanes: new Map(), // id → LaneStatus
    screen: "loading",
    alertKey: "", // the alert shown
    lane: "", // the lane shown
    laneView: null,
    line: 0, // the basket line picked
    es: null,
    confirm: "" // the id of a button waiting for its second tap
  };

  function t(key, vars) {
    return I.t(st.lang, key, vars);
  }

  function setLang(lang) {
    st.lang = I.norm(lang);
    try {
      localStorage.setItem(LANG_KEY, st.lang);
    } catch (e) { /* private mode */ }
    document.documentElement.lang = st.lang;
    I.apply(document, st.lang);
    document.querySelectorAll(".lang").forEach((b) => b.setAttribute("aria-pressed", String(b.dataset.lang === st.lang)));
    renderAll();
  }

  // ------------------------------------------------------------------ API

  function uuid() {
    if (window.crypto && typeof crypto.randomUUID === "function") {
      try {
        return crypto.randomUUID();
      } catch (e) { /* not a secure context */ }
    }
    const b = new Uint8Array(16);
    crypto.getRandomValues(b);
    return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  }

  class ApiError extends Error {
    constructor(status, code, message) {
      super(message || code);
      this.status = status;
      this.code = code;
    }
  }

  async function api(method, path, body) {
    const headers = {};
    const init = { method, headers, cache: "no-store", credentials: "same-origin" };
    if (method !== "GET") {
      headers["Content-Type"] = "application/json";
      if (st.csrf) headers["X-CSRF-Token"] = st.csrf;
      headers["Idempotency-Key"] = uuid();
      init.body = JSON.stringify(body || {});
    }
    let res;
    try {
      res = await fetch(path, init);
    } catch (e) {
      throw new ApiError(0, "net", t("staff.err.net"));
    }
    const text = await res.text();
    let data = null;
    try {
      data = text ? JSON.parse(text) : null;
    } catch (e) { /* not JSON */ }
    if (!res.ok) {
      const err = data && data.error ? data.error : {};
      if (res.status === 401 && err.code === "staff.login") {
        showLogin();
      }
      throw new ApiError(res.status, String(err.code || "http." + res.status), String(err.message || ""));
    }
    return data;
  }

  function errText(e) {
    if (e && e.code && I.has(st.lang, "staff.err." + e.code)) return t("staff.err." + e.code);
    if (e && e.status === 403) return t("staff.err.forbidden") + (e.message ? " (" + e.message + ")" : "");
    return I.errorMessage(st.lang, e && e.code, e && e.message);
  }

  // ---------------------------------------------------------------- screens

  function show(name) {
    st.screen = name;
    st.confirm = "";
    document.body.dataset.screen = name;
    for (const s of document.querySelectorAll(".screen")) s.hidden = s.id !== "screen-" + name;
    const h = document.querySelector("#screen-" + name + " h1");
    if (h) h.focus({ preventScroll: false });
    renderAll();
  }

  function showLogin() {
    closeStream();
    st.me = null;
    st.csrf = "";
    $("me").hidden = true;
    show("login");
  }

  // ---------------------------------------------------------------- HQ sync
  //
  // How far the lane's journal is from HQ: "up to date", or how many events
  // wait and since when (the lane sells on offline; HQ's figures are late).
  let syncTimer = 0;
  async function pollSync() {
    clearTimeout(syncTimer);
    if (!st.me) return;
    const el = $("sync");
    try {
      const d = await api("GET", "api/sync");
      if (!d || !d.configured) {
        el.textContent = t("staff.sync.off");
      } else {
        const s = d.status || {};
        const n = Number(s.backlog) || 0;
        if (n === 0) {
          el.textContent = t("staff.sync.ok");
          el.dataset.late = "false";
        } else {
          const since = s.oldest ? Math.max(0, Math.round((Date.now() - Date.parse(s.oldest)) / 60000)) : 0;
          el.textContent = t("staff.sync.behind", { n: I.formatInt(st.lang, n), min: I.formatInt(st.lang, since) });
          el.dataset.late = String(since >= 60);
        }
      }
      el.hidden = false;
    } catch (e) { /* the next poll tries again */ }
    syncTimer = setTimeout(pollSync, 15000);
  }

  function loggedIn(data) {
    st.csrf = data.csrf;
    st.me = data.staff;
    const me = $("me");
    me.textContent = t("staff.me", { name: st.me.name || st.me.id, role: t("staff.role." + st.me.role) });
    me.hidden = false;
    openStream();
    pollSync();
    if (KIOSK && KIOSK_LANE) {
      openLane(KIOSK_LANE);
    } else {
      show("list");
    }
  }

  // ---------------------------------------------------------------- stream

  function key(a) {
    return a.lane + "/" + a.id;
  }

  function put(a) {
    a.shownAt = Date.now() - (a.waitedS || 0) * 1000;
    st.alerts.set(key(a), a);
  }

  function openStream() {
    closeStream();
    const es = new EventSource("api/events");
    st.es = es;
    setConn("connecting");
    const on = (name, fn) => es.addEventListener(name, (ev) => {
      let d;
      try {
        d = JSON.parse(ev.data);
      } catch (e) {
        return;
      }
      fn(d);
      if (st.screen === "lane" && d && (d.lane === st.lane || d.id === st.lane)) reloadLane();
      renderAll();
    });
    on("alerts", (d) => {
      setConn("online");
      st.alerts.clear();
      (d.alerts || []).forEach(put);
      st.lanes.clear();
      (d.lanes || []).forEach((l) => st.lanes.set(l.id, l));
    });
    for (const kind of ["raised", "acked", "escalated", "updated"]) on(kind, put);
    on("resolved", (d) => st.alerts.delete(d.lane + "/" + d.id));
    on("lane", (d) => st.lanes.set(d.id, d));
    on("lane_up", (d) => st.lanes.set(d.id, d));
    on("lane_down", (d) => {
      const l = st.lanes.get(d.lane);
      if (l) l.reachable = false;
    });
    es.onopen = () => setConn("online");
    es.onerror = () => {
      setConn("offline");
      // A stream refused for want of a session closes for good: ask who we
      // are. Still logged in, it was refused as too many (503): try again
      // in a while, not at once and for ever.
      if (es.readyState === EventSource.CLOSED) {
        api("GET", "api/me").then(() => setTimeout(() => { if (st.es === es) openStream(); }, 3000), () => {});
      }
    };
  }

  function closeStream() {
    if (st.es) st.es.close();
    st.es = null;
  }

  function setConn(state) {
    const c = $("conn");
    c.dataset.conn = state;
    c.textContent = t("staff.conn." + state);
  }

  // ---------------------------------------------------------------- render

  function sorted() {
    return Array.from(st.alerts.values()).sort((x, y) =>
      (y.level || 0) - (x.level || 0) ||
      (x.blocking === y.blocking ? 0 : x.blocking ? -1 : 1) ||
      Date.parse(x.raisedAt) - Date.parse(y.raisedAt) ||
      (x.lane < y.lane ? -1 : x.lane > y.lane ? 1 : x.id - y.id));
  }

  function clock(a) {
    const s = Math.max(0, Math.floor((Date.now() - a.shownAt) / 1000));
    return Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
  }

  function detail(a) {
    const d = a.detail && typeof a.detail === "object" ? a.detail : {};
    const parts = [];
    if (d.code) parts.push(t("staff.detail.code", { code: d.code }));
    if (d.line) parts.push(t("staff.detail.line", { line: d.line }));
    if (d.minAge) parts.push(t("staff.detail.age", { age: d.minAge }));
    // Bagging: what the scanned item should weigh, and the change on the scale.
    if (d.expectedG) parts.push(t("staff.detail.expectedG", { g: d.expectedG }));
    if (d.deltaG) parts.push(t("staff.detail.deltaG", { g: (d.deltaG > 0 ? "+" : "") + d.deltaG }));
    if (d.device) parts.push(d.device + (d.fault ? ": " + d.fault : ""));
    if (d.amount) parts.push(d.amount);
    if (d.reason) parts.push(I.has(st.lang, "err." + d.reason) ? t("err." + d.reason) : d.reason);
    return parts.join(" · ");
  }

  function typeName(type) {
    return I.has(st.lang, "staff.type." + type) ? t("staff.type." + type) : type;
  }

  function laneName(id) {
    return t("header.lane", { lane: id });
  }

  function badges(a, el) {
    el.replaceChildren();
    const add = (cls, text) => {
      const b = document.createElement("span");
      b.className = "badge " + cls;
      b.textContent = text;
      el.append(b);
    };
    if (a.blocking) add("blocking", t("staff.badge.blocking"));
    add("role", t("staff.role." + a.role));
    if (a.level > 0) add("escalated", t("staff.badge.escalated", { n: a.level }));
    add("presence", t(a.presence === "remote" ? "staff.badge.remote" : "staff.badge.lane"));
    const l = st.lanes.get(a.lane);
    if (l && !l.reachable) add("down", t("staff.badge.down"));
  }

  function renderList() {
    const ul = $("alerts");
    const items = sorted();
    $("alerts-empty").hidden = items.length > 0;
    ul.replaceChildren(...items.map((a) => {
      const li = document.createElement("li");
      const b = document.createElement("button");
      b.type = "button";
      b.className = "alert-item" + (a.blocking ? " blocking" : "") + (a.level > 0 ? " escalated" : "");
      b.dataset.lane = a.lane;
      b.dataset.id = String(a.id);
      b.dataset.type = a.type;
      const top = document.createElement("span");
      top.className = "alert-top";
      const lane = document.createElement("span");
      lane.className = "alert-lane";
      lane.textContent = laneName(a.lane);
      const c = document.createElement("span");
      c.className = "clock";
      c.dataset.key = key(a);
      c.textContent = clock(a);
      top.append(lane, c);
      const what = document.createElement("span");
      what.className = "alert-what";
      what.textContent = typeName(a.type);
      const det = document.createElement("span");
      det.className = "alert-detail";
      det.textContent = detail(a);
      const bs = document.createElement("span");
      bs.className = "badges";
      badges(a, bs);
      b.append(top, what, det, bs);
      if (a.ackedBy) {
        const ack = document.createElement("span");
        ack.className = "acked";
        ack.textContent = t("staff.acked", { name: a.ackedBy });
        b.append(ack);
      }
      b.addEventListener("click", () => openAlert(key(a)));
      li.append(b);
      return li;
    }));
    const lanes = Array.from(st.lanes.values()).sort((x, y) => (x.id < y.id ? -1 : 1));
    $("lanes").replaceChildren(...lanes.map((l) => {
      const li = document.createElement("li");
      const b = document.createElement("button");
      b.type = "button";
      b.className = "lane-item" + (l.reachable ? "" : " down");
      b.dataset.lane = l.id;
      b.textContent = laneName(l.id) + " · " + laneState(l);
      b.addEventListener("click", () => openLane(l.id));
      li.append(b);
      return li;
    }));
  }

  function laneState(l) {
    if (!l.reachable) return t("staff.lane.down");
    if (l.closed) return t("staff.state.closed");
    return I.has(st.lang, "staff.state." + l.state) ? t("staff.state." + l.state) : String(l.state || "");
  }

  // The actions each alert type offers besides "on my way" (and "show the basket").
  const APPROVE = new Set(["age_check", "void_request", "cancel_request", "typed_label", "cash_payment", "payment_unknown"]);

  function renderAlert() {
    const a = st.alerts.get(st.alertKey);
    if (!a) {
      $("alert-title").textContent = t("staff.alert.gone");
      $("alert-actions").hidden = true;
      $("alert-lane").textContent = "";
      $("alert-detail").textContent = "";
      $("alert-badges").replaceChildren();
      $("alert-acked").textContent = "";
      return;
    }
    $("alert-actions").hidden = false;
    $("alert-title").textContent = typeName(a.type);
    $("alert-lane").textContent = laneName(a.lane);
    $("alert-detail").textContent = detail(a);
    $("alert-clock").textContent = clock(a);
    badges(a, $("alert-badges"));
    $("alert-acked").textContent = a.ackedBy ? t("staff.acked", { name: a.ackedBy }) : "";
    $("act-ack").hidden = !!a.ackedBy;
    $("sell-box").hidden = a.type !== "item_not_found";
    $("act-approve").hidden = !APPROVE.has(a.type);
    $("act-reject").hidden = !APPROVE.has(a.type);
    $("act-done").hidden = APPROVE.has(a.type);
  }

  function renderLane() {
    const v = st.laneView;
    $("lane-title").textContent = laneName(st.lane);
    const l = st.lanes.get(st.lane);
    if (!v) {
      $("lane-state").textContent = "";
      $("basket-lines").replaceChildren();
      return;
    }
    const closed = !!v.closed || v.state === "closed";
    $("lane-state").textContent = l ? laneState(Object.assign({}, l, { state: v.state, closed })) :
      (I.has(st.lang, "staff.state." + v.state) ? t("staff.state." + v.state) : v.state);
    const lines = (v.lines || []).filter((x) => !x.voided);
    $("lane-empty").hidden = lines.length > 0;
    $("basket-lines").replaceChildren(...lines.map((x) => {
      const tr = document.createElement("tr");
      tr.className = "line";
      tr.dataset.no = String(x.no);
      const name = document.createElement("td");
      name.className = "line-name";
      name.textContent = I.name(st.lang, x.names, x.gtin);
      const qty = document.createElement("td");
      qty.textContent = x.weightG ? I.weightKg(st.lang, x.weightG) : I.formatInt(st.lang, x.qty);
      const amt = document.createElement("td");
      amt.textContent = I.money(st.lang, v.currency, x.amount);
      const act = document.createElement("td");
      const b = document.createElement("button");
      b.type = "button";
      b.className = "btn small line-edit";
      b.textContent = t("staff.line.edit");
      b.setAttribute("aria-label", t("staff.line.editName", { name: name.textContent }));
      b.addEventListener("click", () => {
        st.line = x.no;
        $("line-box").hidden = false;
        $("line-title").textContent = name.textContent;
        $("line-qty").value = "";
        $("line-price").value = "";
        $("line-qty").focus();
      });
      act.append(b);
      tr.append(name, qty, amt, act);
      return tr;
    }));
    $("lane-total").textContent = v.totals ? I.money(st.lang, v.currency, v.totals.total) : "";
    if (!lines.some((x) => x.no === st.line)) $("line-box").hidden = true;
    $("act-close").hidden = closed;
    $("act-open").hidden = !closed;
    $("act-cancel").hidden = !v.txn;
    $("act-cash").hidden = !(v.payment && v.payment.method === "attendant");
  }

  function renderAll() {
    if (st.screen === "list") renderList();
    if (st.screen === "alert") renderAlert();
    if (st.screen === "lane") renderLane();
    for (const b of document.querySelectorAll("[data-confirm]")) {
      if (b.id !== st.confirm) {
        b.removeAttribute("data-confirm");
        I.apply(b.parentElement, st.lang);
      }
    }
  }

  // Wait clocks tick every second.
  setInterval(() => {
    document.querySelectorAll("#alerts .clock").forEach((c) => {
      const a = st.alerts.get(c.dataset.key);
      if (a) c.textContent = clock(a);
    });
    if (st.screen === "alert") {
      const a = st.alerts.get(st.alertKey);
      if (a) $("alert-clock").textContent = clock(a);
    }
  }, 1000);

  // ---------------------------------------------------------------- actions

  function openAlert(k) {
    st.alertKey = k;
    $("reason").value = "";
    $("sell-price").value = "";
    $("sell-weight").value = "";
    $("alert-error").textContent = "";
    show("alert");
  }

  async function openLane(id) {
    st.lane = id;
    st.laneView = null;
    st.line = 0;
    $("line-box").hidden = true;
    $("lane-error").textContent = "";
    show("lane");
    await loadLane();
  }

  async function loadLane() {
    try {
      st.laneView = await api("GET", "api/lanes/" + encodeURIComponent(st.lane));
    } catch (e) {
      $("lane-error").textContent = errText(e);
    }
    renderAll();
  }

  // reloadLane reads the lane shown again, at most once at a time.
  let reloading = null;
  function reloadLane() {
    if (!reloading) reloading = loadLane().finally(() => { reloading = null; });
  }

  // act runs a staff action on a lane; errorEl shows a refusal.
  async function act(lane, action, errorEl, after) {
    errorEl.textContent = "";
    $("status").textContent = "";
    try {
      const res = await api("POST", "api/lanes/" + encodeURIComponent(lane) + "/actions", action);
      $("status").textContent = t("staff.done");
      if (res && res.view && st.lane === lane) st.laneView = res.view.partial ? st.laneView : res.view;
      if (after) after(res);
      renderAll();
    } catch (e) {
      errorEl.textContent = errText(e);
    }
  }

  // twoTap makes a button ask for a second tap before it acts.
  function twoTap(btn, fn) {
    btn.addEventListener("click", () => {
      if (st.confirm !== btn.id) {
        renderAll();
        st.confirm = btn.id;
        btn.dataset.confirm = "1";
        btn.textContent = t("staff.confirm");
        return;
      }
      st.confirm = "";
      btn.removeAttribute("data-confirm");
      I.apply(btn.parentElement, st.lang);
      fn();
    });
  }

  function alertAction(op, extra) {
    const a = st.alerts.get(st.alertKey);
    if (!a) return;
    const action = Object.assign({ op, alertId: a.id }, extra || {});
    act(a.lane, action, $("alert-error"), () => {
      if (op !== "ack") show("list");
    });
  }

  function reason() {
    return $("reason").value.trim();
  }

  function outcome(o) {
    const r = reason();
    alertAction("resolve", r ? { outcome: o, reason: r } : { outcome: o });
  }

  function wire() {
    document.querySelectorAll(".lang").forEach((b) => b.addEventListener("click", () => setLang(b.dataset.lang)));
    $("login-form").addEventListener("submit", async (ev) => {
      ev.preventDefault();
      $("login-error").textContent = "";
      try {
        const d = await api("POST", "api/login", { id: $("login-id").value.trim(), pin: $("login-pin").value });
        $("login-pin").value = "";
        loggedIn(d);
      } catch (e) {
        $("login-pin").value = "";
        $("login-error").textContent = errText(e);
      }
    });
    $("badge-form").addEventListener("submit", async (ev) => {
      ev.preventDefault();
      $("login-error").textContent = "";
      try {
        const d = await api("POST", "api/login/badge", { badge: $("login-badge").value.trim() });
        $("login-badge").value = "";
        loggedIn(d);
      } catch (e) {
        $("login-badge").value = "";
        $("login-error").textContent = errText(e);
      }
    });
    $("logout").addEventListener("click", logout);
    $("leave").addEventListener("click", leave);
    $("alert-back").addEventListener("click", () => show("list"));
    $("lane-back").addEventListener("click", () => show("list"));
    $("act-ack").addEventListener("click", () => alertAction("ack"));
    $("act-approve").addEventListener("click", () => outcome("approved"));
    $("act-reject").addEventListener("click", () => outcome("rejected"));
    $("act-done").addEventListener("click", () => outcome("done"));
    $("act-sell").addEventListener("click", () => {
      const price = $("sell-price").value.trim().replace(",", ".");
      const w = parseInt($("sell-weight").value, 10);
      const extra = { price };
      if (w > 0) extra.weightG = w;
      alertAction("sell_unknown", extra);
    });
    $("alert-lane-view").addEventListener("click", () => {
      const a = st.alerts.get(st.alertKey);
      if (a) openLane(a.lane);
    });
    $("act-void").addEventListener("click", () => {
      const q = parseInt($("line-qty").value, 10);
      act(st.lane, { op: "staff_void", line: st.line, qty: q > 0 ? q : 0 }, $("lane-error"), loadLane);
    });
    $("act-price").addEventListener("click", () => {
      act(st.lane, { op: "price_override", line: st.line, price: $("line-price").value.trim().replace(",", ".") }, $("lane-error"), loadLane);
    });
    $("act-cash").addEventListener("click", () => act(st.lane, { op: "cash_taken" }, $("lane-error"), loadLane));
    twoTap($("act-cancel"), () => act(st.lane, { op: "staff_cancel" }, $("lane-error"), loadLane));
    twoTap($("act-close"), () => act(st.lane, { op: "lane_close" }, $("lane-error"), loadLane));
    $("act-open").addEventListener("click", () => act(st.lane, { op: "lane_open" }, $("lane-error"), loadLane));
    $("act-reprint").addEventListener("click", async () => {
      $("lane-error").textContent = "";
      try {
        await api("POST", "api/lanes/" + encodeURIComponent(st.lane) + "/reprint", { txn: "" });
        $("status").textContent = t("staff.done");
      } catch (e) {
        $("lane-error").textContent = errText(e);
      }
    });
  }

  async function logout() {
    try {
      await api("POST", "api/logout", {});
    } catch (e) { /* the session is gone either way */ }
    showLogin();
  }

  // leave ends attendant mode on the kiosk's screen: log out, back to the shopper.
  async function leave() {
    await logout();
    location.href = "/";
  }

  // Attendant mode leaves by itself after idleMs without a touch.
  let idleTimer = 0;
  function touched() {
    if (!KIOSK) return;
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => {
      if (st.me) leave();
    }, idleMs);
  }

  async function start() {
    let lang = "en";
    try {
      lang = params.get("lang") || localStorage.getItem(LANG_KEY) || (navigator.language || "en").slice(0, 2);
    } catch (e) { /* keep en */ }
    wire();
    $("kiosk-bar").hidden = !KIOSK;
    try {
      const cfg = await api("GET", "api/config");
      if (cfg && cfg.attendantTimeoutS > 0) idleMs = cfg.attendantTimeoutS * 1000;
    } catch (e) { /* keep the default */ }
    if (KIOSK) {
      for (const ev of ["pointerdown", "keydown", "touchstart"]) document.addEventListener(ev, touched, { passive: true });
      touched();
    }
    setLang(lang);
    // The shopper screen hands over a staff badge its scanner read (attendant
    // mode): log in with it at once, and keep it out of the history.
    const badge = params.get("badge");
    if (badge) {
      params.delete("badge");
      history.replaceState(null, "", location.pathname + "?" + params.toString());
      try {
        loggedIn(await api("POST", "api/login/badge", { badge }));
        return;
      } catch (e) {
        showLogin();
        $("login-error").textContent = errText(e);
        return;
      }
    }
    try {
      loggedIn(await api("GET", "api/me"));
    } catch (e) {
      showLogin();
    }
  }

  window.KioskStaff = { state: st };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
