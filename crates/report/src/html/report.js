"use strict";
// Draws report.html from the JSON in #report-data: the runs table (sort,
// filter), parallel coordinates (brush), error by field, learning curves,
// heat maps, the confusion matrix and hyperparameter importance, as SVG.
(function () {
  const D = JSON.parse(document.getElementById("report-data").textContent);
  const NS = "http://www.w3.org/2000/svg";
  const $ = (id) => document.getElementById(id);
  const runs = D.runs;
  const fields = D.fields;
  const RELOAD_MS = 5000;
  let dragging = false;
  const STALE_MS = 10 * 60 * 1000;

  function svg(tag, attrs, parent) {
    const e = document.createElementNS(NS, tag);
    for (const k in attrs) e.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(e);
    return e;
  }
  function html(tag, attrs, content, parent) {
    const e = document.createElement(tag);
    for (const k in attrs) e.setAttribute(k, attrs[k]);
    if (content != null) e.textContent = content;
    if (parent) parent.appendChild(e);
    return e;
  }
  function label(parent, x, y, s, attrs) {
    const t = svg("text", Object.assign({ x: x, y: y }, attrs || {}), parent);
    t.textContent = s;
    return t;
  }
  function frame(parent, w, h) {
    return svg("svg", { width: w, height: h, viewBox: "0 0 " + w + " " + h }, parent);
  }
  const num = (x) => (x == null || !isFinite(x) ? "-" : String(+x.toPrecision(4)));
  const pct = (x) => (x == null ? "-" : x.toFixed(2) + "%");
  const finite = (xs) => xs.filter((x) => x != null && isFinite(x));
  const lowest = (xs) => xs.reduce((a, b) => Math.min(a, b), Infinity);
  const highest = (xs) => xs.reduce((a, b) => Math.max(a, b), -Infinity);

  // A scale maps a value to 0..1 along an axis and names its ticks.
  function scaleOf(kind, values, levels) {
    const xs = finite(values);
    const lo = lowest(xs);
    const hi = highest(xs);
    const log = kind === "log" && lo > 0;
    const f = log ? Math.log : (x) => x;
    const s = { kind: kind, lo: lo, hi: hi, levels: levels };
    s.pos = function (v) {
      if (v == null || !isFinite(v)) return NaN;
      if (levels) return levels.length > 1 ? v / (levels.length - 1) : 0.5;
      return hi > lo ? (f(v) - f(lo)) / (f(hi) - f(lo)) : 0.5;
    };
    s.text = (v) => (levels ? levels[v] : num(v));
    s.ticks = function () {
      if (levels) {
        const step = Math.ceil(levels.length / 12);
        return levels.map((l, i) => i).filter((i) => i % step === 0);
      }
      if (!(hi > lo)) return [lo];
      if (log) {
        const out = [];
        for (let k = Math.floor(Math.log10(lo)); k <= Math.ceil(Math.log10(hi)); k++) {
          for (const m of [1, 2, 5]) {
            const t = m * Math.pow(10, k);
            if (t >= lo * (1 - 1e-9) && t <= hi * (1 + 1e-9)) out.push(+t.toPrecision(3));
          }
        }
        return out.length >= 2 ? out : [lo, hi];
      }
      const raw = (hi - lo) / 5;
      const mag = Math.pow(10, Math.floor(Math.log10(raw)));
      const step = [1, 2, 5, 10].map((m) => m * mag).find((st) => st >= raw) || raw;
      const out = [];
      for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) out.push(+t.toPrecision(6));
      return out;
    };
    return s;
  }
  const scales = fields.map((f, j) => scaleOf(f.scale, runs.map((r) => r.v[j]), f.levels));
  const errScale = scaleOf("linear", runs.map((r) => r.err), null);
  const colour = function (err) {
    const t = errScale.pos(err);
    if (!isFinite(t)) return "#8c959f";
    const mix = (a, b) => Math.round(a + (b - a) * t);
    return "rgb(" + mix(31, 214) + "," + mix(119, 39) + "," + mix(180, 40) + ")";
  };
  const best = runs.filter((r) => r.stopped == null && r.err != null).sort((a, b) => a.rank - b.rank)[0];

  // What the reader chose: kept across the reloads of a live page.
  const storeKey = "mlp-report:" + location.pathname;
  let state = { sort: { col: "rank", dir: 1 }, filters: {}, brushes: {}, chosen: null, y: 0 };
  // Filters and brushes are kept by name: a page of other fields ignores them.
  const isObject = (x) => x != null && typeof x === "object" && !Array.isArray(x);
  try {
    const saved = JSON.parse(sessionStorage.getItem(storeKey) || "null");
    if (isObject(saved)) {
      if (isObject(saved.sort) && typeof saved.sort.col === "string") state.sort = { col: saved.sort.col, dir: saved.sort.dir < 0 ? -1 : 1 };
      if (isObject(saved.filters)) state.filters = saved.filters;
      if (isObject(saved.brushes)) state.brushes = saved.brushes;
      if (typeof saved.chosen === "string") state.chosen = saved.chosen;
      if (typeof saved.y === "number") state.y = saved.y;
    }
  } catch (e) {
    // Storage may be off for pages opened from files: start afresh.
  }
  if (location.hash.indexOf("#run-") === 0) {
    try {
      state.chosen = decodeURIComponent(location.hash.slice(5));
    } catch (e) {
      // A mangled address names no run.
    }
  }
  function save() {
    try {
      state.y = window.scrollY;
      sessionStorage.setItem(storeKey, JSON.stringify(state));
    } catch (e) {
      // Not kept: the reader's choices reset at the next reload.
    }
  }

  // The status line, and the reload of a live page.
  (function status() {
    const el = $("status");
    const written = new Date(D.written * 1000);
    const when = written.toLocaleString();
    if (D.live) {
      const live = D.live;
      const stale = Date.now() - written.getTime() > STALE_MS;
      el.textContent =
        (stale ? "The sweep stopped updating this page at " + when + " (interrupted?): " : "Sweep running: ") +
        live.done + " runs done, " + live.running + " running, " + live.left + " left" +
        (stale ? "." : " · written " + when + ", reloads every " + RELOAD_MS / 1000 + " s");
      if (!stale) {
        el.className = "live";
        const reload = function () {
          // Not while the reader types in a box or drags a brush.
          if (document.activeElement instanceof HTMLInputElement || dragging) return setTimeout(reload, 1000);
          save();
          location.reload();
        };
        setTimeout(reload, RELOAD_MS);
      }
    } else {
      el.textContent = runs.length + " runs, ranked by " + D.what + (D.written ? " · the last finished " + when : "");
    }
  })();

  // The runs table.
  const columns = [
    { id: "rank", name: "rank", get: (r) => r.rank, num: true },
    { id: "run", name: "run", get: (r) => r.label },
  ];
  fields.forEach(function (f, j) {
    columns.push({ id: "field:" + f.name, name: f.name, get: (r) => r.v[j], show: (r) => scales[j].text(r.v[j]), field: j, num: !f.levels });
  });
  if (D.what === "validation error") columns.push({ id: "err", name: "validation error", get: (r) => r.err, show: (r) => pct(r.err), num: true });
  columns.push({ id: "test", name: "test error", get: (r) => r.test, show: (r) => pct(r.test), num: true });
  columns.push({ id: "epochs", name: "epochs", get: (r) => r.epochs, show: (r) => r.epochs + (r.stopped != null ? " (stopped)" : ""), num: true });
  columns.push({ id: "secs", name: "train s", get: (r) => r.secs, show: (r) => num(r.secs), num: true });
  const shown = (c, r) => String(c.show ? c.show(r) : c.get(r));

  function passes(c, r, query) {
    const q = query.trim();
    if (!q) return true;
    const m = /^(<=|>=|<|>|=)?\s*(-?\d*\.?\d+(?:e[-+]?\d+)?)$/i.exec(q);
    const text = shown(c, r);
    const x = parseFloat(text);
    if (m && isFinite(x)) {
      const y = parseFloat(m[2]);
      switch (m[1]) {
        case "<": return x < y;
        case ">": return x > y;
        case "<=": return x <= y;
        case ">=": return x >= y;
        default: return Math.abs(x - y) <= 1e-12 * Math.max(1, Math.abs(y));
      }
    }
    return text.toLowerCase().indexOf(q.toLowerCase()) >= 0;
  }
  const fieldIndex = (name) => fields.findIndex((f) => f.name === name);
  function inBrushes(r) {
    for (const k in state.brushes) {
      const b = state.brushes[k];
      const j = fieldIndex(k);
      if (!Array.isArray(b) || (k !== "err" && j < 0)) continue;
      const p = k === "err" ? errScale.pos(r.err) : scales[j].pos(r.v[j]);
      if (!(p >= b[0] - 1e-9 && p <= b[1] + 1e-9)) return false;
    }
    return true;
  }
  function selected(r) {
    for (const c of columns) if (!passes(c, r, state.filters[c.id] || "")) return false;
    return inBrushes(r);
  }

  const table = $("runs");
  const body = html("tbody");
  function drawTable() {
    if (!runs.length) return;
    $("runs-section").hidden = false;
    const head = html("thead", {}, null, table);
    const names = html("tr", {}, null, head);
    const boxes = html("tr", { class: "filters" }, null, head);
    columns.forEach(function (c) {
      const th = html("th", { "data-col": c.id, title: "sort by " + c.name }, c.name, names);
      th.addEventListener("click", function () {
        state.sort = { col: c.id, dir: state.sort.col === c.id ? -state.sort.dir : 1 };
        update();
      });
      const input = html("input", { type: "search", "aria-label": "filter " + c.name, placeholder: "filter" }, null, html("th", {}, null, boxes));
      input.value = state.filters[c.id] || "";
      input.addEventListener("input", function () {
        state.filters[c.id] = input.value;
        update();
      });
    });
    table.appendChild(body);
  }
  function fillTable() {
    if (!runs.length) return;
    const c = columns.find((col) => col.id === state.sort.col) || columns[0];
    for (const th of table.querySelectorAll("tr:first-child th")) {
      th.setAttribute("aria-sort", th.dataset.col === c.id ? (state.sort.dir > 0 ? "ascending" : "descending") : "none");
    }
    const key = (r) => c.get(r);
    const rows = runs.filter(selected).sort(function (a, b) {
      const x = key(a);
      const y = key(b);
      const missing = (v) => v == null || (typeof v === "number" && !isFinite(v));
      if (missing(x) || missing(y)) return missing(x) - missing(y) || a.rank - b.rank;
      const order = typeof x === "number" ? x - y : String(x).localeCompare(String(y), undefined, { numeric: true });
      return state.sort.dir * order || a.rank - b.rank;
    });
    body.textContent = "";
    for (const r of rows) {
      const tr = html("tr", { id: "row-" + r.rank }, null, body);
      if (r.stopped != null) tr.classList.add("stopped");
      if (r.key === state.chosen) tr.classList.add("chosen");
      for (const col of columns) {
        const td = html("td", col.num ? { class: "num" } : {}, null, tr);
        if (col.id === "run") {
          const a = html("a", { href: "#run-" + encodeURIComponent(r.key), title: r.key }, r.label, td);
          a.addEventListener("click", function (e) {
            e.preventDefault();
            choose(r.key);
          });
        } else {
          td.textContent = shown(col, r);
        }
      }
    }
    $("runs-count").textContent = rows.length === runs.length ? runs.length + " runs." : rows.length + " of " + runs.length + " runs shown.";
  }
  function choose(key) {
    state.chosen = key;
    history.replaceState(null, "", "#run-" + encodeURIComponent(key));
    update();
    if (!$("curves-section").hidden) $("curves-section").scrollIntoView({ block: "start" });
  }

  // Parallel coordinates with a brush on every axis.
  const lines = [];
  function drawParallel() {
    if (runs.length < 2 || !fields.length) return;
    $("parallel-section").hidden = false;
    const axes = fields.map((f, j) => ({ id: f.name, name: f.name, scale: scales[j], at: (r) => r.v[j] }));
    axes.push({ id: "err", name: D.what, scale: errScale, at: (r) => r.err });
    const W = Math.max(900, Math.min(1300, 220 * axes.length));
    const H = 380;
    const top = 36;
    const h = H - top - 30;
    const x = (k) => 60 + (k * (W - 150)) / Math.max(1, axes.length - 1);
    const y = (p) => top + (1 - p) * h;
    const g = frame($("parallel"), W, H);
    const order = runs.slice().sort((a, b) => b.rank - a.rank);
    for (const r of order) {
      const points = axes.map((a, k) => x(k) + "," + y(a.scale.pos(a.at(r)))).filter((p) => p.indexOf("NaN") < 0);
      const line = svg("polyline", { class: "run", points: points.join(" "), stroke: colour(r.err) }, g);
      svg("title", {}, line).textContent = r.label + ": " + pct(r.err);
      lines.push({ run: r, el: line });
    }
    axes.forEach(function (a, k) {
      const ax = svg("g", { class: "axis" }, g);
      svg("line", { x1: x(k), x2: x(k), y1: top, y2: top + h }, ax);
      label(ax, x(k), top - 14, a.name + (a.scale.kind === "log" ? " (log)" : ""), { "text-anchor": "middle", class: "title" });
      for (const t of a.scale.ticks()) {
        const yy = y(a.scale.pos(t));
        svg("line", { x1: x(k) - 4, x2: x(k), y1: yy, y2: yy }, ax);
        label(ax, x(k) - 7, yy + 4, a.scale.text(t), { "text-anchor": "end" });
      }
      const brush = svg("rect", { class: "brush", x: x(k) - 9, width: 18, y: 0, height: 0, visibility: "hidden" }, g);
      const show = function (b) {
        if (!b) return brush.setAttribute("visibility", "hidden");
        brush.setAttribute("visibility", "visible");
        brush.setAttribute("y", y(b[1]));
        brush.setAttribute("height", Math.max(1, y(b[0]) - y(b[1])));
      };
      show(Array.isArray(state.brushes[a.id]) ? state.brushes[a.id] : null);
      const hit = svg("rect", { class: "hit", x: x(k) - 14, width: 28, y: top - 6, height: h + 12, "data-axis": a.id }, g);
      let from = null;
      const at = (e) => {
        const box = g.getBoundingClientRect();
        const py = ((e.clientY - box.top) * H) / box.height;
        return Math.min(1, Math.max(0, 1 - (py - top) / h));
      };
      hit.addEventListener("pointerdown", function (e) {
        from = at(e);
        dragging = true;
        hit.setPointerCapture(e.pointerId);
      });
      hit.addEventListener("pointermove", function (e) {
        if (from == null) return;
        const p = at(e);
        show([Math.min(from, p), Math.max(from, p)]);
      });
      hit.addEventListener("pointerup", function (e) {
        if (from == null) return;
        const p = at(e);
        if (Math.abs(p - from) < 0.01) delete state.brushes[a.id];
        else state.brushes[a.id] = [Math.min(from, p), Math.max(from, p)];
        from = null;
        dragging = false;
        show(state.brushes[a.id]);
        update();
      });
    });
  }

  // The error against each field, one small plot per field.
  function axisPlot(parent, title, xs, ys, points) {
    const W = 340;
    const H = 240;
    const l = 52;
    const b = 34;
    const g = frame(parent, W, H);
    const px = (p) => l + p * (W - l - 14);
    const py = (p) => H - b - p * (H - b - 26);
    label(g, l, 14, title, { class: "title" });
    const ax = svg("g", { class: "axis" }, g);
    svg("line", { x1: l, x2: W - 14, y1: H - b, y2: H - b }, ax);
    svg("line", { x1: l, x2: l, y1: 26, y2: H - b }, ax);
    for (const t of xs.ticks()) {
      const xx = px(xs.pos(t));
      svg("line", { x1: xx, x2: xx, y1: H - b, y2: H - b + 4 }, ax);
      label(ax, xx, H - b + 16, xs.text(t), { "text-anchor": "middle" });
    }
    for (const t of ys.ticks()) {
      const yy = py(ys.pos(t));
      svg("line", { class: "gridline", x1: l, x2: W - 14, y1: yy, y2: yy }, g);
      label(ax, l - 5, yy + 4, ys.text(t) + "%", { "text-anchor": "end" });
    }
    for (const p of points) {
      if (!isFinite(p.x) || !isFinite(p.y)) continue;
      const c = svg("circle", { cx: px(p.x), cy: py(p.y), r: 3.5, fill: p.hollow ? "#fff" : p.colour, stroke: p.colour }, g);
      svg("title", {}, c).textContent = p.tip;
    }
    return g;
  }
  function drawFields() {
    if (!fields.length || !runs.length) return;
    $("fields-section").hidden = false;
    fields.forEach(function (f, j) {
      const points = runs
        .filter((r) => r.err != null)
        .map((r) => ({
          x: scales[j].pos(r.v[j]) * 0.96 + 0.02,
          y: errScale.pos(r.err),
          colour: colour(r.err),
          hollow: r.stopped != null,
          tip: r.label + ": " + pct(r.err) + (r.stopped != null ? " (stopped at epoch " + r.stopped + ")" : ""),
        }));
      axisPlot($("fields"), D.what + " by " + f.name + (f.scale === "log" ? " (log scale)" : ""), scales[j], errScale, points);
    });
  }

  // Learning curves: the best run, the stopped runs and the chosen one.
  const curvesBox = $("curves");
  function drawCurves() {
    curvesBox.textContent = "";
    const chosen = runs.find((r) => r.key === state.chosen);
    const stopped = runs.filter((r) => r.stopped != null);
    const drawn = stopped.slice();
    if (best) drawn.push(best);
    if (chosen && drawn.indexOf(chosen) < 0) drawn.push(chosen);
    const all = [].concat.apply([], drawn.map((r) => r.curve[1]));
    if (!all.length) return;
    $("curves-section").hidden = false;
    const maxEpoch = highest([].concat.apply([], drawn.map((r) => r.curve[0])));
    const ys = scaleOf(highest(all) > 20 * lowest(all) && lowest(all) > 0 ? "log" : "linear", all, null);
    const xs = scaleOf("linear", [1, Math.max(2, maxEpoch)], null);
    const W = 900;
    const H = 340;
    const l = 56;
    const b = 36;
    const g = frame(curvesBox, W, H);
    const px = (e) => l + xs.pos(e) * (W - l - 20);
    const py = (v) => H - b - ys.pos(v) * (H - b - 20);
    const ax = svg("g", { class: "axis" }, g);
    svg("line", { x1: l, x2: W - 20, y1: H - b, y2: H - b }, ax);
    svg("line", { x1: l, x2: l, y1: 20, y2: H - b }, ax);
    for (const t of xs.ticks().filter((t) => Number.isInteger(t))) {
      label(ax, px(t), H - b + 16, String(t), { "text-anchor": "middle" });
    }
    label(ax, (W + l) / 2, H - 4, "epoch", { "text-anchor": "middle" });
    for (const t of ys.ticks()) {
      svg("line", { class: "gridline", x1: l, x2: W - 20, y1: py(t), y2: py(t) }, g);
      label(ax, l - 5, py(t) + 4, ys.text(t) + "%", { "text-anchor": "end" });
    }
    for (const r of drawn) {
      const style = r === chosen ? ["#e36209", 2.5, 1] : r === best ? [colour(r.err), 2.5, 1] : ["#d62728", 1, 0.35];
      const pts = r.curve[0].map((e, i) => px(e) + "," + py(r.curve[1][i]));
      const line = svg("polyline", { fill: "none", stroke: style[0], "stroke-width": style[1], opacity: style[2], points: pts.join(" ") }, g);
      svg("title", {}, line).textContent = r.label + (r.stopped != null ? ", stopped at epoch " + r.stopped : "");
    }
    const parts = [];
    if (best) parts.push("the best run, " + best.label + " (" + pct(best.err) + ", thick)");
    if (stopped.length) parts.push(stopped.length + " runs stopped by successive halving (thin red)");
    if (chosen) parts.push("the chosen run, " + chosen.label + " (orange)");
    $("curves-caption").textContent = D.what.charAt(0).toUpperCase() + D.what.slice(1) + " after each epoch: " + parts.join("; ") + ". Click a run in the table to add it.";
  }

  // Heat maps: the lowest error of the selected runs in each cell of two fields.
  function bins(j) {
    const s = scales[j];
    if (s.levels) return { names: s.levels, of: (r) => r.v[j] };
    const n = 6;
    const edge = (k) => (s.kind === "log" ? s.lo * Math.pow(s.hi / s.lo, k / n) : s.lo + ((s.hi - s.lo) * k) / n);
    const names = [];
    const short = (x) => String(+x.toPrecision(2));
    for (let k = 0; k < n; k++) names.push(short(edge(k)) + "–" + short(edge(k + 1)));
    return { names: names, of: (r) => Math.min(n - 1, Math.floor(s.pos(r.v[j]) * n)) };
  }
  function drawHeatmaps() {
    const box = $("heatmaps");
    box.textContent = "";
    if (fields.length < 2 || !runs.length) return;
    $("heatmaps-section").hidden = false;
    const rank = D.importance ? D.importance[0].map((s) => fields.findIndex((f) => f.name === s.name)) : fields.map((f, j) => j);
    const pairs = [];
    for (let a = 0; a < rank.length; a++) for (let b = a + 1; b < rank.length; b++) pairs.push([rank[a], rank[b]]);
    const picked = runs.filter((r) => r.err != null && selected(r));
    for (const [j, k] of pairs.slice(0, 6)) {
      const bx = bins(j);
      const by = bins(k);
      const cells = by.names.map(() => bx.names.map(() => Infinity));
      for (const r of picked) {
        const cx = bx.of(r);
        const cy = by.of(r);
        if (cells[cy] && cx >= 0 && cx < bx.names.length) cells[cy][cx] = Math.min(cells[cy][cx], r.err);
      }
      const values = finite([].concat.apply([], cells).filter((v) => v !== Infinity));
      const lo = lowest(values);
      const hi = highest(values);
      const cw = 76;
      const ch = 26;
      const l = 96;
      const t = 26;
      const W = l + cw * bx.names.length + 10;
      const H = t + ch * by.names.length + 40;
      const g = frame(box, W, H);
      label(g, 0, 14, D.what + " over " + fields[j].name + " × " + fields[k].name, { class: "title" });
      cells.forEach(function (row, cy) {
        const yy = t + ch * (by.names.length - 1 - cy);
        label(g, l - 6, yy + ch / 2 + 4, by.names[cy], { "text-anchor": "end" });
        row.forEach(function (v, cx) {
          const shade = v === Infinity ? "#f6f8fa" : "hsl(" + (210 - 210 * (hi > lo ? (v - lo) / (hi - lo) : 0)) + ",65%,72%)";
          svg("rect", { x: l + cx * cw, y: yy, width: cw - 2, height: ch - 2, fill: shade }, g);
          if (v !== Infinity) label(g, l + cx * cw + cw / 2, yy + ch / 2 + 4, v.toFixed(2), { "text-anchor": "middle" });
        });
      });
      bx.names.forEach((n, cx) => label(g, l + cx * cw + cw / 2, t + ch * by.names.length + 14, n, { "text-anchor": "middle" }));
      label(g, l + (cw * bx.names.length) / 2, H - 4, fields[j].name, { "text-anchor": "middle" });
    }
  }

  function drawConfusion() {
    const c = D.confusion;
    if (!c) return;
    $("confusion-section").hidden = false;
    $("confusion-caption").textContent = c.heading + ". Rows are true classes, columns predicted; shade is the share of the row.";
    const n = c.classes.length;
    const cell = n > 20 ? 14 : 38;
    const l = 70;
    const t = 40;
    const g = frame($("confusion"), l + n * cell + 10, t + n * cell + 10);
    label(g, l + (n * cell) / 2, 12, "predicted", { "text-anchor": "middle" });
    c.counts.forEach(function (row, i) {
      const total = row.reduce((a, b) => a + b, 0) || 1;
      label(g, l - 6, t + i * cell + cell / 2 + 4, c.classes[i], { "text-anchor": "end" });
      row.forEach(function (v, j) {
        const share = v / total;
        const fill = i === j ? "hsl(210,70%," + (96 - 50 * share) + "%)" : v ? "hsl(0,75%," + (96 - 300 * Math.min(share, 0.15)) + "%)" : "#fff";
        const rect = svg("rect", { x: l + j * cell, y: t + i * cell, width: cell - 1, height: cell - 1, fill: fill, stroke: "#eaeef2" }, g);
        svg("title", {}, rect).textContent = "true " + c.classes[i] + ", predicted " + c.classes[j] + ": " + v;
        if (cell > 20 && v) label(g, l + j * cell + cell / 2, t + i * cell + cell / 2 + 4, String(v), { "text-anchor": "middle" });
      });
      if (cell > 20) label(g, l + i * cell + cell / 2, t - 6, c.classes[i], { "text-anchor": "middle" });
    });
  }

  function drawImportance() {
    if (!D.importance) return;
    const shares = D.importance[0];
    $("importance-section").hidden = false;
    const rest = Math.max(0, 1 - shares.reduce((a, s) => a + s.share, 0));
    $("importance-caption").textContent =
      "The share of the variance of the " + D.what + " that each field explains on its own, by functional ANOVA over a random forest of regression trees " +
      "(fANOVA: Hutter, Hoos and Leyton-Brown, ICML 2014), over the " + D.importance[1] + " runs that trained to their end. The rest, " +
      (100 * rest).toFixed(0) + "%, is explained by fields together.";
    const bars = shares.concat([{ name: "interactions", share: rest }]);
    const l = 150;
    const W = 720;
    const g = frame($("importance"), W, bars.length * 26 + 10);
    bars.forEach(function (s, i) {
      const yy = 4 + i * 26;
      label(g, l - 8, yy + 15, s.name, { "text-anchor": "end" });
      const rect = svg("rect", { x: l, y: yy, width: Math.max(1, s.share * (W - l - 70)), height: 20, fill: s.name === "interactions" ? "#afb8c1" : "#1f77b4", class: "bar" }, g);
      svg("title", {}, rect).textContent = s.name + ": " + (100 * s.share).toFixed(1) + "%";
      label(g, l + s.share * (W - l - 70) + 6, yy + 15, (100 * s.share).toFixed(1) + "%");
    });
  }

  function update() {
    fillTable();
    for (const line of lines) line.el.classList.toggle("out", !selected(line.run));
    drawCurves();
    drawHeatmaps();
    save();
  }

  // A line of links to the page's sections, under the title.
  function drawContents() {
    const nav = $("contents");
    const heads = [...document.querySelectorAll("main h2")].filter((h) => !h.closest("section[hidden]"));
    heads.forEach(function (h, i) {
      if (!h.id) h.id = "s-" + i + "-" + h.textContent.toLowerCase().replace(/[^a-z0-9]+/g, "-");
      if (i) nav.appendChild(document.createTextNode(" · "));
      html("a", { href: "#" + h.id }, h.textContent, nav);
    });
  }

  const scrolledTo = state.y;
  drawImportance();
  drawTable();
  drawParallel();
  drawFields();
  drawConfusion();
  update();
  drawContents();
  if (scrolledTo) window.scrollTo(0, scrolledTo);
})();
