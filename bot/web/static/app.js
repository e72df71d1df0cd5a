// The dashboard: plain canvas drawing, fed by the JSON API and server-sent events.
// No library, no build step, nothing loaded from anywhere but this server.
"use strict";

const API = "/api/v1";
const MAX_POINTS = 3600;
const S = {
  symbol: null, layer: "both", prices: [], clusters: [], positions: [], trades: new Map(),
  signals: [], equity: [], status: null, source: null, updates: 0, firstPaint: null,
  drawn: [], lastEquityAt: 0,
};
const $ = (id) => document.getElementById(id);
const css = (name) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();

// -- formatting --------------------------------------------------------------------------
function fmtPrice(p) {
  if (p === null || p === undefined) return "–";
  const a = Math.abs(p);
  const d = a >= 1000 ? 2 : a >= 1 ? 4 : 6;
  return p.toLocaleString("en-US", { minimumFractionDigits: d, maximumFractionDigits: d });
}
function fmtNum(v, d = 2) {
  return v === null || v === undefined ? "–"
    : v.toLocaleString("en-US", { minimumFractionDigits: d, maximumFractionDigits: d });
}
function fmtUsd(v) {
  if (v === null || v === undefined) return "–";
  const a = Math.abs(v);
  if (a >= 1e6) return (v / 1e6).toFixed(2) + "M";
  if (a >= 1e3) return (v / 1e3).toFixed(1) + "k";
  return v.toFixed(0);
}
const fmtTime = (ms) => new Date(ms).toISOString().slice(11, 19);

// -- data ----------------------------------------------------------------------------------
async function getJSON(path) {
  const r = await fetch(API + path, { headers: { Accept: "application/json" } });
  if (!r.ok) throw new Error(`${path}: HTTP ${r.status}`);
  return r.json();
}

function setPrices(points) {
  S.prices = points.map((p) => ({ t: Date.parse(p.time), p: p.price }));
}

function addPrice(t, p) {
  if (p === null || p === undefined) return;
  const last = S.prices[S.prices.length - 1];
  if (last && last.t >= t) return;
  S.prices.push({ t, p });
  if (S.prices.length > MAX_POINTS) S.prices.splice(0, S.prices.length - MAX_POINTS);
}

async function loadSymbol(symbol) {
  S.symbol = symbol;
  location.hash = symbol;
  $("chart-title").textContent = `${symbol} · price & liquidation levels`;
  S.clusters = [];
  S.prices = [];
  const [hist, heat] = await Promise.allSettled([
    getJSON(`/prices/${encodeURIComponent(symbol)}`),
    getJSON(`/heatmap/${encodeURIComponent(symbol)}?layer=both`),
  ]);
  if (hist.status === "fulfilled") setPrices(hist.value.points);
  if (heat.status === "fulfilled") onHeatmap(heat.value);
  openEvents();
  scheduleDraw();
}

function openEvents() {
  if (S.source) S.source.close();
  const q = S.symbol ? `?symbol=${encodeURIComponent(S.symbol)}` : "";
  const src = new EventSource(`${API}/events${q}`);
  src.addEventListener("status", (e) => { onStatus(JSON.parse(e.data)); bump(); });
  src.addEventListener("heatmap", (e) => { onHeatmap(JSON.parse(e.data)); bump(); });
  src.addEventListener("trade", (e) => { onTrade(JSON.parse(e.data)); bump(); });
  src.onerror = () => setStream(false, "event stream lost: reconnecting…");
  S.source = src;
}

function bump() {
  S.updates += 1;
  document.body.dataset.updates = String(S.updates);
}

function onStatus(st) {
  S.status = st;
  $("mode").textContent = st.mode + (st.live ? "" : " · journal");
  const now = Date.parse(st.server_time);
  const mine = st.symbols.find((s) => s.symbol === S.symbol);
  if (mine) addPrice(now, mine.price);
  S.positions = st.positions;
  if (st.equity !== null && now - S.lastEquityAt > 5000) {
    S.equity.push({ t: now, v: st.equity });
    S.lastEquityAt = now;
  }
  const paused = $("paused");
  paused.hidden = !st.entries_paused;
  paused.textContent = st.entries_paused ? `new entries paused: ${st.paused_reason}` : "";
  $("account").textContent = st.equity === null ? "" :
    `equity ${fmtNum(st.equity)} · balance ${fmtNum(st.balance)} USDT · closed ${st.closed_trades}`;
  $("control-state").textContent = st.control_enabled ? (st.kill_switch ? "kill switch ON" : "")
    : "read-only (no web.token)";
  setKillButton(st.kill_switch);
  renderHealth(st.stream);
  renderPositions();
  drawEquity();
  scheduleDraw();
}

function onHeatmap(h) {
  if (h.symbol !== S.symbol) return;
  S.clusters = h.clusters;
  if (h.price !== null && S.prices.length === 0) addPrice(Date.now(), h.price);
  scheduleDraw();
}

function onTrade(t) {
  S.trades.set(t.id, t);
  renderTrades();
  refreshSignals();
}

async function refreshSignals() {
  try { S.signals = await getJSON("/signals?limit=50"); renderSignals(); } catch (_) { /* next tick */ }
}

function setStream(ok, text) {
  $("stream-dot").className = "dot " + (ok ? "ok" : "bad");
  $("stream-text").textContent = text;
}

// -- tables --------------------------------------------------------------------------------
function row(cells, cls) {
  const tr = document.createElement("tr");
  cells.forEach((c, i) => {
    const td = document.createElement("td");
    if (c instanceof Node) td.appendChild(c); else td.textContent = c;
    if (cls && cls[i]) td.className = cls[i];
    tr.appendChild(td);
  });
  return tr;
}
function fill(id, rows, empty, width) {
  const body = $(id).querySelector("tbody");
  body.replaceChildren(...rows);
  if (!rows.length) {
    const tr = row([empty]); tr.className = "empty"; tr.firstChild.colSpan = width;
    body.appendChild(tr);
  }
}
const pnlClass = (v) => (v === null || v === undefined ? "" : v >= 0 ? "pos" : "neg");

function confirmButton(label, action) {
  // Two clicks within 4 s: no modal dialog, and no accident from one stray tap.
  const b = document.createElement("button");
  b.dataset.label = label;
  b.textContent = label;
  b.addEventListener("click", () => {
    if (b.dataset.armed) { delete b.dataset.armed; b.textContent = b.dataset.label; action(); return; }
    b.dataset.armed = "1"; b.textContent = "confirm?";
    setTimeout(() => { delete b.dataset.armed; b.textContent = b.dataset.label; }, 4000);
  });
  return b;
}

function setKillButton(on) {
  const b = $("kill");
  b.dataset.label = on ? "release kill switch" : "kill switch";
  if (!b.dataset.armed) b.textContent = b.dataset.label;
}

function renderPositions() {
  fill("positions", S.positions.map((p) => row([
    p.symbol, p.side, fmtNum(p.quantity, 4), fmtPrice(p.entry_price), fmtPrice(p.stop_price),
    fmtPrice(p.take_profit_price), fmtPrice(p.mark_price), fmtNum(p.unrealised_pnl),
    confirmButton("close", () => control(`/positions/${encodeURIComponent(p.symbol)}/close`)),
  ], [null, p.side, null, null, null, null, null, pnlClass(p.unrealised_pnl)])),
  "no open position", 9);
}

function renderTrades() {
  const list = [...S.trades.values()].sort((a, b) => b.id - a.id).slice(0, 50);
  fill("trades", list.map((t) => row([
    String(t.id), t.symbol, t.side, t.status, fmtPrice(t.entry_price), fmtPrice(t.exit_price),
    fmtNum(t.pnl), t.exit_reason || "",
  ], [null, null, t.side, null, null, null, pnlClass(t.pnl), "reason"])), "no trade yet", 8);
}

function renderSignals() {
  const list = [...S.signals].reverse();
  fill("signals", list.map((s) => row([
    fmtTime(Date.parse(s.time)), s.symbol, s.direction > 0 ? "long" : s.direction < 0 ? "short" : "–",
    fmtNum(s.strength), s.outcome, s.reason || "",
  ], [null, null, s.direction > 0 ? "long" : "short", null, null, "reason"])), "no signal yet", 6);
}

function renderHealth(h) {
  if (!h) return;
  const venues = Object.entries(h.venues);
  const ok = venues.length > 0 && venues.every(([, v]) => v.connected);
  setStream(ok, !h.live ? "journal only (no live stream)" :
    ok ? `stream connected · ${h.stream.messages} messages` : "stream disconnected");
  fill("venues", venues.map(([name, v]) => row([
    name, v.connected ? "connected" : "down", String(v.messages), String(v.parse_errors),
    String(v.reconnects), v.last_message_at ? fmtTime(Date.parse(v.last_message_at)) : "–",
  ], [null, v.connected ? "long" : "short"])), "no stream", 6);
}

// -- control -------------------------------------------------------------------------------
async function control(path, method = "POST") {
  const token = $("token").value.trim();
  sessionStorage.setItem("bot-token", token);
  const msg = $("control-msg");
  try {
    const r = await fetch(API + path, {
      method, headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
      body: method === "POST" ? JSON.stringify({ reason: "dashboard" }) : undefined,
    });
    const body = await r.json().catch(() => ({}));
    msg.textContent = r.ok ? `✓ ${body.detail}` : `✗ HTTP ${r.status}: ${body.detail || ""}`;
    msg.dataset.result = r.ok ? "ok" : String(r.status);
  } catch (e) {
    msg.textContent = `✗ ${e}`;
  }
}

// -- the price chart -----------------------------------------------------------------------
let drawPending = false;
function scheduleDraw() {
  if (drawPending) return;
  drawPending = true;
  requestAnimationFrame(() => { drawPending = false; drawChart(); });
}

function sizeCanvas(canvas) {
  const dpr = window.devicePixelRatio || 1;
  const w = canvas.clientWidth, h = canvas.clientHeight;
  if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
    canvas.width = Math.round(w * dpr); canvas.height = Math.round(h * dpr);
  }
  const ctx = canvas.getContext("2d");
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  return [ctx, w, h];
}

function niceTicks(lo, hi, n) {
  const span = hi - lo, raw = span / n, mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) || raw;
  const ticks = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi; v += step) ticks.push(v);
  return ticks;
}

function visibleClusters() {
  return S.clusters.filter((c) => S.layer === "both" || c.kind === S.layer);
}

function yRange(price, levels) {
  let lo = Infinity, hi = -Infinity;
  for (const p of S.prices) { lo = Math.min(lo, p.p); hi = Math.max(hi, p.p); }
  for (const v of levels) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  if (!isFinite(lo)) return null;
  const pad = Math.max((hi - lo) * 0.06, (price || hi) * 0.002);
  return [lo - pad, hi + pad];
}

function drawChart() {
  const canvas = $("chart");
  const [ctx, w, h] = sizeCanvas(canvas);
  ctx.clearRect(0, 0, w, h);
  const L = 8, R = 74, T = 8, B = 22, pw = w - L - R, ph = h - T - B;
  const price = S.prices.length ? S.prices[S.prices.length - 1].p : null;
  const clusters = visibleClusters().filter((c) => !price || Math.abs(c.price_level / price - 1) < 0.12);
  const pos = S.positions.find((p) => p.symbol === S.symbol);
  const levels = clusters.flatMap((c) => [c.price_low, c.price_high]);
  if (pos) levels.push(...[pos.entry_price, pos.stop_price, pos.take_profit_price].filter((v) => v));
  const yr = yRange(price, levels);
  S.drawn = [];
  if (!yr) {
    ctx.fillStyle = css("--muted"); ctx.font = "13px system-ui";
    ctx.fillText(S.status && !S.status.live ? "no live heatmap behind a journal" : "waiting for prices…", L + 10, T + 24);
    document.body.dataset.clusters = "0";
    return;
  }
  const now = S.prices.length ? S.prices[S.prices.length - 1].t : Date.now();
  const t0 = S.prices.length > 1 ? S.prices[0].t : now - 60000;
  const X = (t) => L + ((t - t0) / Math.max(1, now - t0)) * pw;
  const Y = (v) => T + (1 - (v - yr[0]) / (yr[1] - yr[0])) * ph;

  // grid and price axis
  ctx.font = "11px system-ui"; ctx.textBaseline = "middle";
  for (const v of niceTicks(yr[0], yr[1], 6)) {
    ctx.strokeStyle = "#21262d"; ctx.lineWidth = 1;
    ctx.beginPath(); ctx.moveTo(L, Y(v)); ctx.lineTo(L + pw, Y(v)); ctx.stroke();
    ctx.fillStyle = css("--muted"); ctx.fillText(fmtPrice(v), L + pw + 6, Y(v));
  }
  // liquidation levels as horizontal bands: colour = side, intensity = strength
  for (const c of [...clusters].sort((a, b) => a.strength - b.strength)) {
    const rgb = css(c.side === "long" ? "--long" : "--short");
    let y1 = Y(c.price_high), y2 = Y(c.price_low);
    if (y2 - y1 < 4) { const m = Y(c.price_level); y1 = m - 2; y2 = m + 2; }
    const a = (0.15 + 0.75 * Math.max(0, Math.min(1, c.strength))) * (c.kind === "projected" ? 0.6 : 1);
    // Heat fades from the level (the notional-weighted mean) to the cluster's bounds.
    const ym = Math.min(Math.max(Y(c.price_level), y1), y2);
    const g = ctx.createLinearGradient(0, y1, 0, y2);
    const mid = (ym - y1) / Math.max(1, y2 - y1);
    g.addColorStop(0, `rgba(${rgb}, ${a * 0.15})`);
    g.addColorStop(mid, `rgba(${rgb}, ${a})`);
    g.addColorStop(1, `rgba(${rgb}, ${a * 0.15})`);
    ctx.fillStyle = g;
    ctx.fillRect(L, y1, pw, y2 - y1);
    if (c.kind === "projected") {
      ctx.setLineDash([4, 3]); ctx.strokeStyle = `rgba(${css("--proj")}, 0.9)`;
      ctx.strokeRect(L + 0.5, y1 + 0.5, pw - 1, y2 - y1 - 1); ctx.setLineDash([]);
    }
    ctx.fillStyle = `rgba(${rgb}, ${Math.min(1, a + 0.3)})`;
    ctx.fillRect(L, Y(c.price_level) - 0.5, pw, 1);
    S.drawn.push({ c, y1, y2 });
  }
  document.body.dataset.clusters = String(S.drawn.length);
  // position levels
  document.body.dataset.positionLines = pos ? "3" : "0";
  if (pos) {
    const lines = [["entry", pos.entry_price, css("--entry")], ["stop", pos.stop_price, css("--stop")],
      ["target", pos.take_profit_price, css("--tp")]];
    for (const [name, v, colour] of lines) {
      if (!v) continue;
      ctx.strokeStyle = colour; ctx.lineWidth = 1.2; ctx.setLineDash(name === "entry" ? [] : [6, 4]);
      ctx.beginPath(); ctx.moveTo(L, Y(v)); ctx.lineTo(L + pw, Y(v)); ctx.stroke(); ctx.setLineDash([]);
      // A dark pill under the label keeps it readable over any band.
      const label = `${name} ${fmtPrice(v)}`, tw = ctx.measureText(label).width;
      ctx.fillStyle = "rgba(13, 17, 23, 0.85)"; ctx.fillRect(L + 4, Y(v) - 16, tw + 8, 14);
      ctx.fillStyle = colour; ctx.fillText(label, L + 8, Y(v) - 9);
    }
  }
  // price line
  if (S.prices.length > 1) {
    ctx.strokeStyle = "#e6edf3"; ctx.lineWidth = 1.5; ctx.beginPath();
    S.prices.forEach((p, i) => (i ? ctx.lineTo(X(p.t), Y(p.p)) : ctx.moveTo(X(p.t), Y(p.p))));
    ctx.stroke();
  }
  if (price !== null) {
    const y = Y(price);
    ctx.fillStyle = "#e6edf3"; ctx.fillRect(L + pw + 2, y - 9, R - 4, 18);
    ctx.fillStyle = "#0d1117"; ctx.fillText(fmtPrice(price), L + pw + 6, y);
    if (S.firstPaint === null) {
      S.firstPaint = performance.now();
      document.body.dataset.firstPaint = String(Math.round(S.firstPaint));
    }
  }
  // time axis
  ctx.fillStyle = css("--muted"); ctx.textBaseline = "alphabetic";
  const n = Math.max(1, Math.min(Math.floor(pw / 110), Math.floor((now - t0) / 1000)));
  const labels = new Set();
  for (let i = 0; i <= n; i++) {
    const t = t0 + ((now - t0) * i) / n, x = X(t), label = fmtTime(t);
    if (labels.has(label)) continue;
    labels.add(label);
    const tw = ctx.measureText(label).width;
    ctx.fillText(label, Math.min(Math.max(L, x - tw / 2), L + pw - tw), h - 6);
  }
  renderFigures(price, clusters);
}

function renderFigures(price, clusters) {
  const strongest = clusters[0];
  const parts = [["price", fmtPrice(price)], ["levels", String(clusters.length)]];
  if (strongest) parts.push(["strongest", `${strongest.side} @ ${fmtPrice(strongest.price_level)} (${fmtNum(strongest.strength)})`]);
  const box = $("figures");
  box.replaceChildren(...parts.map(([k, v]) => {
    const span = document.createElement("span"), b = document.createElement("b");
    span.textContent = k + " "; b.textContent = v; span.appendChild(b); return span;
  }));
}

function onHover(ev) {
  const tip = $("tip"), rect = $("chart").getBoundingClientRect();
  const y = ev.clientY - rect.top;
  const hit = S.drawn.filter((d) => y >= d.y1 - 3 && y <= d.y2 + 3).sort((a, b) => b.c.strength - a.c.strength)[0];
  if (!hit) { tip.hidden = true; return; }
  const c = hit.c;
  const venues = Object.entries(c.venue_notional).map(([v, n]) => `${v} ${fmtUsd(n)}`).join(" · ");
  tip.replaceChildren(...[
    `${c.kind} · ${c.side === "long" ? "longs" : "shorts"} liquidated`,
    `level ${fmtPrice(c.price_level)} (${fmtPrice(c.price_low)} – ${fmtPrice(c.price_high)})`,
    `strength ${fmtNum(c.strength)} · ${c.liquidation_count} liquidations · ${fmtUsd(c.total_notional)} USDT`,
    `distance ${c.distance_from_price === null ? "–" : fmtNum(c.distance_from_price) + " %"}`,
    `venues: ${venues}`,
  ].map((t) => { const d = document.createElement("div"); d.textContent = t; return d; }));
  tip.hidden = false;
  const x = ev.clientX - rect.left;
  tip.style.left = Math.min(x + 12, rect.width - tip.offsetWidth - 4) + "px";
  tip.style.top = Math.max(0, y - tip.offsetHeight - 8) + "px";
}

// -- the equity chart ----------------------------------------------------------------------
function drawEquity() {
  const [ctx, w, h] = sizeCanvas($("equity"));
  ctx.clearRect(0, 0, w, h);
  const pts = S.equity;
  if (pts.length < 2) {
    ctx.fillStyle = css("--muted"); ctx.font = "12px system-ui";
    ctx.fillText("equity curve: waiting for snapshots…", 8, 20); return;
  }
  const lo = Math.min(...pts.map((p) => p.v)), hi = Math.max(...pts.map((p) => p.v));
  const pad = Math.max((hi - lo) * 0.1, Math.abs(hi) * 0.0005, 0.01);
  const t0 = pts[0].t, t1 = pts[pts.length - 1].t, R = 70;
  const X = (t) => ((t - t0) / Math.max(1, t1 - t0)) * (w - R);
  const Y = (v) => 6 + (1 - (v - lo + pad) / (hi - lo + 2 * pad)) * (h - 12);
  const up = pts[pts.length - 1].v >= pts[0].v;
  const rgb = css(up ? "--short" : "--long");
  ctx.beginPath(); pts.forEach((p, i) => (i ? ctx.lineTo(X(p.t), Y(p.v)) : ctx.moveTo(X(p.t), Y(p.v))));
  ctx.strokeStyle = `rgb(${rgb})`; ctx.lineWidth = 1.5; ctx.stroke();
  ctx.lineTo(X(t1), h); ctx.lineTo(X(t0), h); ctx.closePath();
  ctx.fillStyle = `rgba(${rgb}, 0.12)`; ctx.fill();
  ctx.fillStyle = css("--muted"); ctx.font = "11px system-ui"; ctx.textBaseline = "middle";
  ctx.fillText(fmtNum(hi), w - R + 6, Y(hi)); ctx.fillText(fmtNum(lo), w - R + 6, Y(lo));
}

// -- start ---------------------------------------------------------------------------------
async function start() {
  $("token").value = sessionStorage.getItem("bot-token") || "";
  $("pause").addEventListener("click", () => control("/pause"));
  $("resume").addEventListener("click", () => control("/resume"));
  const kill = confirmButton("kill switch", () =>
    control("/kill-switch", S.status && S.status.kill_switch ? "DELETE" : "POST"));
  kill.id = "kill"; kill.className = "danger"; $("kill").replaceWith(kill);
  $("layer").addEventListener("change", (e) => { S.layer = e.target.value; scheduleDraw(); });
  $("symbol").addEventListener("change", (e) => loadSymbol(e.target.value));
  $("chart").addEventListener("mousemove", onHover);
  $("chart").addEventListener("mouseleave", () => { $("tip").hidden = true; });
  window.addEventListener("resize", () => { scheduleDraw(); drawEquity(); });
  const [status, trades, equity] = await Promise.all([
    getJSON("/status"), getJSON("/trades?limit=50"), getJSON("/equity?limit=2000")]);
  trades.forEach((t) => S.trades.set(t.id, t));
  S.equity = equity.map((e) => ({ t: Date.parse(e.time), v: e.equity }));
  const select = $("symbol");
  select.replaceChildren(...status.symbols.map((s) => new Option(s.symbol, s.symbol)));
  const wanted = decodeURIComponent(location.hash.slice(1));
  const first = status.symbols.some((s) => s.symbol === wanted) ? wanted
    : status.symbols.length ? status.symbols[0].symbol : null;
  if (first) select.value = first;
  onStatus(status);
  renderTrades();
  refreshSignals();
  if (first) await loadSymbol(first); else openEvents();
}

start().catch((e) => setStream(false, `cannot load: ${e.message}`));
