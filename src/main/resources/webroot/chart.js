// The dashboard's time-series chart on a <canvas>: the last windowMs of samples [{t, KEY: value}], one line per
// key, a y axis scaled to a round maximum, and a minute grid. No library: a few canvas calls.
'use strict';
window.FerryChart = (() => {
  function draw(canvas, series, windowMs, lines, format, floor) {
    const dpr = window.devicePixelRatio || 1;
    const w = canvas.clientWidth;
    const h = canvas.clientHeight;
    if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
      canvas.width = Math.round(w * dpr);
      canvas.height = Math.round(h * dpr);
    }
    const g = canvas.getContext('2d');
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, w, h);
    const left = 70, right = 10, top = 10, bottom = 22;
    const now = Date.now();
    let max = floor;
    for (const p of series) for (const l of lines) max = Math.max(max, p[l.key]);
    max = niceCeiling(max);
    const x = (t) => left + (1 - (now - t) / windowMs) * (w - left - right);
    const y = (v) => top + (1 - v / max) * (h - top - bottom);

    g.font = '11px system-ui, sans-serif';
    g.fillStyle = '#5b6475';
    g.strokeStyle = '#dde2ea';
    g.lineWidth = 1;
    g.textAlign = 'right';
    g.textBaseline = 'middle';
    for (let i = 0; i <= 4; i++) {
      const v = (max * i) / 4;
      g.beginPath(); g.moveTo(left, y(v)); g.lineTo(w - right, y(v)); g.stroke();
      g.fillText(format(v), left - 6, y(v));
    }
    g.textAlign = 'center';
    g.textBaseline = 'top';
    for (let m = 0; m <= 5; m++) {
      const t = now - m * 60000;
      g.beginPath(); g.moveTo(x(t), top); g.lineTo(x(t), h - bottom); g.stroke();
      g.fillText(m === 0 ? 'now' : `-${m} min`, Math.min(Math.max(x(t), left + 16), w - right - 14), h - bottom + 5);
    }
    g.lineWidth = 2;
    for (const l of lines) {
      g.strokeStyle = l.color;
      g.beginPath();
      series.forEach((p, i) => (i === 0 ? g.moveTo(x(p.t), y(p[l.key])) : g.lineTo(x(p.t), y(p[l.key]))));
      g.stroke();
    }
  }

  function niceCeiling(v) {
    const p = Math.pow(10, Math.floor(Math.log10(v)));
    for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
    return 10 * p;
  }

  return { draw };
})();
