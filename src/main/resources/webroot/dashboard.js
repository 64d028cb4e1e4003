// Ferry's dashboard: polls GET /api/status every second, draws the cluster (balancers -> frontends -> pools ->
// servers) and the throughput of the last 5 minutes, and drains or enables servers through the admin API.
// Rates are computed here from the counters' deltas, so the balancer keeps no history for the page.
'use strict';
(() => {
  const POLL_MS = 1000;
  const WINDOW_MS = 5 * 60 * 1000;
  const TOKEN_KEY = 'ferry.adminToken';
  const $ = (id) => document.getElementById(id);

  let token = sessionStorage.getItem(TOKEN_KEY);
  let waitingForToken = false;
  let last = null;          // the previous sample: {t, totals: {frontend: {c, i, o}}}
  let rates = {};           // per frontend, from the last two samples: {c, i, o} per second
  const series = [];        // [{t, c, i, o}], all frontends together, WINDOW_MS of it
  let lastStatus = null;

  class ApiError extends Error {
    constructor(status, message) { super(message); this.status = status; }
  }

  async function api(method, path) {
    const headers = {};
    if (token) headers.Authorization = 'Bearer ' + token;
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), 5000);
    try {
      const r = await fetch(path, { method, headers, cache: 'no-store', signal: abort.signal });
      const body = await r.json().catch(() => ({}));
      if (r.status === 401) {
        askForToken(body.error);
        throw new ApiError(401, body.error || 'a token is needed');
      }
      if (!r.ok) throw new ApiError(r.status, body.error || 'HTTP ' + r.status);
      return body;
    } catch (e) {
      throw e instanceof ApiError ? e : new ApiError(0, e.name === 'AbortError' ? 'no answer within 5 s' : e.message);
    } finally {
      clearTimeout(timer);
    }
  }

  // The token is asked for once and kept for this tab only (sessionStorage), never in the page's address.
  function askForToken(reason) {
    waitingForToken = true;
    const form = $('token-form');
    form.hidden = false;
    setMessage(token ? 'the token was refused: ' + (reason || '') : 'this admin API needs a token', true);
    $('token').focus();
  }

  $('token-form').addEventListener('submit', (e) => {
    e.preventDefault();
    token = $('token').value.trim();
    sessionStorage.setItem(TOKEN_KEY, token);
    $('token-form').hidden = true;
    waitingForToken = false;
    setMessage('');
    schedule(0);
  });

  function setMessage(text, error) {
    const m = $('message');
    m.textContent = text;
    m.className = error ? 'error' : '';
  }

  // One poll at a time; a click asks for an early one.
  let timer = null;
  let inFlight = false;
  let again = false;
  function schedule(ms) {
    clearTimeout(timer);
    timer = setTimeout(tick, ms);
  }
  async function tick() {
    if (inFlight) { again = true; return; }
    inFlight = true;
    try {
      if (!waitingForToken) {
        const status = await api('GET', '/api/status');
        sample(status);
        render(status);
        if ($('message').className === 'error') setMessage('');
      }
    } catch (e) {
      if (e.status !== 401) setMessage('cannot read /api/status: ' + e.message, true);
    } finally {
      inFlight = false;
      schedule(again ? 0 : POLL_MS);
      again = false;
    }
  }

  // A counter that went back was reset: a frontend changed by a reload starts again at 0.
  const delta = (now, before) => (now >= before ? now - before : now);

  function sample(status) {
    const t = Date.now();
    const totals = {};
    for (const f of status.frontends) totals[f.name] = { c: f.totalConnections, i: f.bytesIn, o: f.bytesOut };
    if (last && t > last.t) {
      const dt = (t - last.t) / 1000;
      const sum = { t, c: 0, i: 0, o: 0 };
      rates = {};
      for (const [name, v] of Object.entries(totals)) {
        const p = last.totals[name] || { c: 0, i: 0, o: 0 };
        const r = { c: delta(v.c, p.c) / dt, i: delta(v.i, p.i) / dt, o: delta(v.o, p.o) / dt };
        rates[name] = r;
        sum.c += r.c; sum.i += r.i; sum.o += r.o;
      }
      series.push(sum);
      while (series.length && series[0].t < t - WINDOW_MS) series.shift();
    }
    last = { t, totals };
  }

  // ---- drawing the cluster ----

  function el(tag, className, text) {
    const e = document.createElement(tag);
    if (className) e.className = className;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  // Updates children in place, keyed, so an element (a button being clicked) outlives the refresh.
  function reconcile(container, items, keyOf, create, update) {
    const old = new Map();
    for (const child of Array.from(container.children)) old.set(child.dataset.key, child);
    items.forEach((item, i) => {
      const key = keyOf(item);
      let e = old.get(key);
      if (!e) {
        e = create(item);
        e.dataset.key = key;
      }
      old.delete(key);
      update(e, item);
      if (container.children[i] !== e) container.insertBefore(e, container.children[i] || null);
    });
    old.forEach((e) => e.remove());
  }

  function card(className) {
    const box = el('div', 'box ' + className);
    box.append(el('div', 'title'), el('div', 'sub'), el('div', 'stats'));
    return box;
  }

  function set(box, selector, text) {
    const e = box.querySelector(selector);
    if (e.textContent !== text) e.textContent = text;
  }

  function render(status) {
    lastStatus = status;
    const n = status.node;
    $('node').textContent = `${n.name} (${n.role}) · up ${duration(n.uptimeMs)} · cluster of ${n.clusterSize} member(s) · `
      + `updated ${new Date().toLocaleTimeString()}`;

    const balancers = status.nodes.filter((x) => x.role === 'balancer');
    if (!balancers.some((b) => b.name === n.name)) balancers.unshift({ name: n.name, role: 'balancer' });
    const active = status.frontends.reduce((a, f) => a + f.activeConnections, 0);
    reconcile($('balancers'), balancers, (b) => b.name, () => card('balancer'), (box, b) => {
      const self = b.name === n.name;
      box.classList.toggle('self', self);
      box.dataset.balancer = b.name;
      set(box, '.title', b.name);
      set(box, '.sub', self ? 'this balancer' : 'balancer');
      set(box, '.stats', self ? `${status.frontends.length} frontend(s), ${active} open connection(s)` : '');
    });

    reconcile($('frontends'), status.frontends, (f) => f.name, () => card('frontend'), (box, f) => {
      const r = rates[f.name] || { c: 0, i: 0, o: 0 };
      box.dataset.frontend = f.name;
      box.dataset.pool = f.pool;
      set(box, '.title', f.name);
      set(box, '.sub', `${f.address} · ${f.mode} · ${f.algorithm} → ${f.pool}`);
      set(box, '.stats', `${f.activeConnections} open · ${f.totalConnections} total · ${rate(r.c)}/s · `
        + `${bytes(r.i + r.o)}/s · ${f.connectFailures} connect failure(s)`
        + (f.queued || f.rejected || f.queueTimeouts
          ? ` · ${f.queued} queued · ${f.rejected} rejected · ${f.queueTimeouts} queue timeout(s)` : ''));
    });

    const pools = Object.entries(status.pools).map(([name, p]) => ({ name, servers: p.servers }));
    reconcile($('pools'), pools, (p) => p.name, createPool, updatePool);
    drawLinks();
    drawCharts();
  }

  function createPool() {
    const box = card('pool');
    box.append(el('div', 'servers'), el('div', 'empty'));
    return box;
  }

  function updatePool(box, pool) {
    const up = pool.servers.filter((s) => s.state === 'up').length;
    const users = lastStatus.frontends.filter((f) => f.pool === pool.name).map((f) => f.name);
    box.dataset.pool = pool.name;
    set(box, '.title', 'pool ' + pool.name);
    set(box, '.sub', `${up} of ${pool.servers.length} server(s) up` + (users.length ? ' · frontends ' + users.join(', ') : ''));
    set(box, '.empty', pool.servers.length ? '' : 'no servers in this pool');
    reconcile(box.querySelector('.servers'), pool.servers, (s) => s.name + '/' + s.service, createServer, updateServer);
  }

  function createServer(s) {
    const box = el('div', 'box server');
    box.append(el('div', 'title'), el('div', 'state'), el('div', 'sub'), el('div', 'stats'));
    const actions = el('div', 'actions');
    for (const action of ['drain', 'enable']) {
      const b = el('button', '', action === 'drain' ? 'Drain' : 'Enable');
      b.type = 'button';
      b.dataset.action = action;
      b.addEventListener('click', () => act(box.dataset.node, action, b));
      actions.append(b);
    }
    box.append(actions);
    return box;
  }

  function updateServer(box, s) {
    const drained = !!(s.override && s.override.state === 'draining');
    // data-node and data-state are the box's names for tests and assistive tools, not just for the CSS.
    box.dataset.node = s.name;
    box.dataset.service = s.service;
    box.dataset.state = s.state;
    box.setAttribute('aria-label', `server ${s.name}, ${s.service}, ${s.state}`);
    // Whatever health detail the status carries for the server, on hover.
    box.title = s.health ? 'health: ' + JSON.stringify(s.health) : '';
    set(box, '.title', s.name);
    set(box, '.state', s.state);
    set(box, '.sub', `${s.service} · ${s.address}`);
    const weight = s.override && s.override.weight !== null && s.override.weight !== undefined
      ? `weight ${s.weight} (set; announced ${s.announcedWeight})` : `weight ${s.weight}`;
    const open = s.maxconn ? `${s.clusterActiveConnections}/${s.maxconn} open (all balancers)` : `${s.activeConnections} open`;
    set(box, '.stats', `${open} · ${weight}` + (drained ? ' · drained by an operator' : ''));
    const drain = box.querySelector('[data-action="drain"]');
    const enable = box.querySelector('[data-action="enable"]');
    drain.disabled = drained;
    enable.disabled = !drained;
    drain.setAttribute('aria-label', 'Drain ' + s.name);
    enable.setAttribute('aria-label', 'Enable ' + s.name);
  }

  async function act(node, action, button) {
    button.disabled = true;
    try {
      await api('POST', `/api/nodes/${encodeURIComponent(node)}/${action}`);
      setMessage(action === 'drain' ? `${node}: draining on every balancer` : `${node}: enabled`);
    } catch (e) {
      if (e.status !== 401) setMessage(`${action} ${node} failed: ${e.message}`, true);
    } finally {
      schedule(0);
    }
  }

  // Lines from this balancer to its frontends and from each frontend to its pool.
  function drawLinks() {
    const svg = $('links');
    if (getComputedStyle(svg).display === 'none' || !lastStatus) return;
    const origin = $('diagram').getBoundingClientRect();
    const self = document.querySelector(`#balancers [data-key="${CSS.escape(lastStatus.node.name)}"]`);
    const paths = [];
    const link = (a, b) => {
      if (!a || !b) return;
      const ra = a.getBoundingClientRect();
      const rb = b.getBoundingClientRect();
      const x1 = ra.right - origin.left, y1 = ra.top + ra.height / 2 - origin.top;
      const x2 = rb.left - origin.left, y2 = rb.top + Math.min(rb.height / 2, 24) - origin.top;
      const p = document.createElementNS('http://www.w3.org/2000/svg', 'path');
      p.setAttribute('d', `M${x1},${y1} C${x1 + 28},${y1} ${x2 - 28},${y2} ${x2},${y2}`);
      paths.push(p);
    };
    for (const f of document.querySelectorAll('#frontends .frontend')) {
      link(self, f);
      link(f, document.querySelector(`#pools [data-key="${CSS.escape(f.dataset.pool)}"]`));
    }
    svg.replaceChildren(...paths);
  }

  // ---- charts ----

  function drawCharts() {
    const latest = series[series.length - 1] || { c: 0, i: 0, o: 0 };
    $('conn-now').textContent = `now ${rate(latest.c)}/s`;
    $('bytes-now').textContent = `now in ${bytes(latest.i)}/s, out ${bytes(latest.o)}/s`;
    FerryChart.draw($('conn-chart'), series, WINDOW_MS, [{ key: 'c', color: '#0f766e' }], rate, 1);
    FerryChart.draw($('bytes-chart'), series, WINDOW_MS, [{ key: 'i', color: '#2563eb' }, { key: 'o', color: '#9333ea' }],
      bytes, 1024);
  }

  // ---- numbers ----

  function rate(v) {
    if (v >= 100 || Number.isInteger(v)) return Math.round(v).toString();
    return v >= 10 ? v.toFixed(1) : String(Math.round(v * 100) / 100);
  }

  function bytes(v) {
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    let i = 0;
    while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
    return (v >= 100 || i === 0 ? Math.round(v) : v.toFixed(1)) + ' ' + units[i];
  }

  function duration(ms) {
    let s = Math.floor(ms / 1000);
    const d = Math.floor(s / 86400); s -= d * 86400;
    const h = Math.floor(s / 3600); s -= h * 3600;
    const m = Math.floor(s / 60); s -= m * 60;
    return d ? `${d}d ${h}h` : h ? `${h}h ${m}m` : m ? `${m}m ${s}s` : `${s}s`;
  }

  window.addEventListener('resize', () => { drawLinks(); drawCharts(); });
  schedule(0);
})();
