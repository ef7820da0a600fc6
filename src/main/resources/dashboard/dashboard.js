
  // The operator signs in with the form below; the session lives in an HttpOnly cookie this script never sees.
  const $ = id => document.getElementById(id);
  let timer = null;
  function showSignIn(message) {
    if (timer) { clearInterval(timer); timer = null; }
    $('dashboard').hidden = true; $('sign-out').hidden = true; $('sign-in').hidden = false;
    $('sign-in-error').textContent = message || '';
    $('status').textContent = 'signed out';
  }
  function showDashboard() {
    $('sign-in').hidden = true; $('dashboard').hidden = false; $('sign-out').hidden = false;
    if (!timer) timer = setInterval(refresh, 1000);
  }
  $('sign-in-form').addEventListener('submit', async ev => {
    ev.preventDefault();
    const r = await fetch('/admin/session', {method: 'POST', headers: {'content-type': 'application/json'},
      body: JSON.stringify({token: $('token').value.trim()}), cache: 'no-store'});
    $('token').value = '';
    if (!r.ok) {
      const body = await r.json().catch(() => ({}));
      showSignIn('sign-in refused: ' + ((body.error && body.error.message) || r.status));
      return;
    }
    showDashboard();
    refresh();
  });
  $('sign-out').addEventListener('click', async () => {
    await fetch('/admin/session', {method: 'DELETE', cache: 'no-store'});
    showSignIn('signed out');
  });
  function rowsOf(items, cells, warnAt) {
    return items.map(item => {
      const tr = document.createElement('tr');
      cells(item).forEach((text, i) => {
        const td = document.createElement('td');
        td.textContent = text;
        if (warnAt && warnAt(item, i)) td.className = 'warn';
        tr.appendChild(td);
      });
      return tr;
    });
  }
  function fill(id, rows, empty) {
    if (rows.length) { $(id).replaceChildren(...rows); return; }
    const tr = document.createElement('tr'), td = document.createElement('td');
    td.colSpan = 4; td.textContent = empty; tr.appendChild(td); $(id).replaceChildren(tr);
  }
  const fmt = n => (n === null || n === undefined) ? '–' : Number(n).toLocaleString('en-US');
  function chart(id, points, key, color) {
    const c = document.getElementById(id), g = c.getContext('2d');
    const w = c.width, h = c.height, pad = 24;
    g.clearRect(0, 0, w, h);
    const max = Math.max(1, ...points.map(p => p[key]));
    g.strokeStyle = '#223'; g.beginPath(); g.moveTo(pad, h - pad); g.lineTo(w - 4, h - pad); g.stroke();
    g.fillStyle = '#8b98a5'; g.font = '11px system-ui'; g.fillText(fmt(max), 2, 12);
    g.strokeStyle = color; g.lineWidth = 2; g.beginPath();
    points.forEach((p, i) => {
      const x = pad + i * (w - pad - 8) / Math.max(1, points.length - 1);
      const y = h - pad - (p[key] / max) * (h - pad - 16);
      i ? g.lineTo(x, y) : g.moveTo(x, y);
    });
    g.stroke();
  }
  async function refresh() {
    try {
      const r = await fetch('/admin/stats', {cache: 'no-store'});
      if (r.status === 401 || r.status === 403) { showSignIn(r.status === 403 ? 'that token is not an admin' : ''); return; }
      if (!r.ok) { $('status').textContent = 'stats answered ' + r.status; return; }
      showDashboard();
      const s = await r.json();
      const lag = (s.kafka && s.kafka.consumerLag) || [], dlqs = (s.kafka && s.kafka.dlq) || [];
      const totalLag = lag.reduce((a, g) => a + g.lag, 0);
      $('lag').textContent = fmt(totalLag); $('lag').className = 'value' + (totalLag > 1000 ? ' warn' : '');
      $('outbox').textContent = fmt(s.outbox && s.outbox.backlog);
      $('outbox-age').textContent = fmt(s.outbox && s.outbox.oldestSeconds);
      $('outbox-age').className = 'value' + (s.outbox && s.outbox.oldestSeconds > 30 ? ' bad' : '');
      $('breaker').textContent = s.paymentBreaker || '–';
      $('breaker').className = 'value' + (s.paymentBreaker && s.paymentBreaker !== 'CLOSED' ? ' bad' : '');
      fill('lag-rows', rowsOf(lag, g => [g.group, fmt(g.lag)], (g, i) => i === 1 && g.lag > 1000), 'no consumer group');
      fill('dlq-rows', rowsOf(dlqs, d => [d.topic, fmt(d.depth)], (d, i) => i === 1 && d.depth > 0), 'no dead letters');
      document.getElementById('orders-minute').textContent = fmt(s.ordersLastMinute);
      document.getElementById('krw-minute').textContent = fmt(s.krwLastMinute);
      document.getElementById('orders-total').textContent = fmt(s.ordersInWindow);
      document.getElementById('rps').textContent = fmt(s.requestsPerSecond);
      const drift = document.getElementById('drift');
      drift.textContent = fmt(s.driftUnits); drift.className = 'value' + (s.driftUnits > 0 ? ' warn' : '');
      const dlq = document.getElementById('dlq');
      dlq.textContent = fmt(s.dlqDepth); dlq.className = 'value' + (s.dlqDepth > 0 ? ' bad' : '');
      chart('orders-chart', s.window, 'orders', '#4c9aff');
      chart('krw-chart', s.window, 'krw', '#36b37e');
      // Product names are shopper-visible data an admin typed: build cells as text, never as HTML.
      const rows = s.stock.map(p => {
        const d = (p.redisAvailable ?? 0) + (p.redisHeld ?? 0) - p.pg;
        const tr = document.createElement('tr');
        [p.productId, p.name, fmt(p.pg), fmt(p.redisAvailable), fmt(p.redisHeld), fmt(d)].forEach((text, i) => {
          const td = document.createElement('td');
          td.textContent = text;
          if (i === 5 && d) td.className = 'warn';
          tr.appendChild(td);
        });
        return tr;
      });
      document.getElementById('stock').replaceChildren(...rows);
      const queues = (s.queues || []).map(q => {
        const tr = document.createElement('tr');
        [q.eventId, q.paused ? 'paused' : 'admitting', fmt(q.waiting), fmt(q.admittedLastMinute), fmt(q.admitPerMinute),
         fmt(q.active), q.maxActive ? fmt(q.maxActive) : 'no cap', fmt(q.estimatedWaitSeconds)].forEach((text, i) => {
          const td = document.createElement('td');
          td.textContent = text;
          if (i === 1 && q.paused) td.className = 'warn';
          tr.appendChild(td);
        });
        return tr;
      });
      if (queues.length) document.getElementById('queues').replaceChildren(...queues);
      const unresolved = document.getElementById('unresolved');
      unresolved.textContent = fmt(s.unresolvedPayments);
      unresolved.className = 'value' + (s.unresolvedPayments > 0 ? ' warn' : '');
      document.getElementById('status').textContent = 'updated ' + new Date(s.at).toLocaleTimeString();
    } catch (e) {
      document.getElementById('status').textContent = 'offline: ' + e;
    }
  }
  refresh();
