// The dashboard page's code, served as is to the browser (no build step): renders each pushed snapshot.
export const PAGE_SCRIPT = String.raw`'use strict';
(function () {
  var $ = function (id) { return document.getElementById(id); };
  var charts = {};
  var lastSnapshotAt = 0;

  function el(tag, opts, children) {
    var e = document.createElement(tag);
    opts = opts || {};
    if (opts.text !== undefined) e.textContent = String(opts.text);
    if (opts.cls) e.className = opts.cls;
    if (opts.data) for (var k in opts.data) e.setAttribute('data-' + k, opts.data[k]);
    (children || []).forEach(function (c) { e.appendChild(c); });
    return e;
  }
  function fill(parent, nodes) {
    parent.replaceChildren.apply(parent, nodes);
  }
  function time(iso) { return iso ? new Date(iso).toLocaleTimeString() : '–'; }
  function bytes(n) {
    if (n === null || n === undefined) return '–';
    if (n < 1024) return n + ' B';
    if (n < 1048576) return (n / 1024).toFixed(1) + ' KiB';
    return (n / 1048576).toFixed(1) + ' MiB';
  }
  function cell(text, cls, testid) {
    return el('td', { text: text, cls: cls, data: testid ? { testid: testid } : undefined });
  }

  function renderSnapshot(s) {
    lastSnapshotAt = Date.now();
    $('platform-name').textContent = s.name;
    var health = $('health');
    health.textContent = s.health;
    health.className = 'badge ' + (s.health === 'healthy' ? 'up' : s.health);
    health.title = s.problems.join('\n');
    $('leader').textContent = s.leader || 'no leader';
    $('primary-endpoint').textContent = s.routes.primary;
    var w = $('writes');
    w.textContent = s.writes.writable
      ? 'writable on ' + s.writes.member + ' since ' + time(s.writes.since)
      : 'no writes since ' + time(s.writes.since) + (s.writes.error ? ' (' + s.writes.error + ')' : '');
    w.className = 'badge ' + (s.writes.writable ? 'up' : 'down');

    fill($('members'), s.members.map(function (m) {
      return el('tr', { data: { testid: 'member-' + m.name, health: m.health, role: m.role } }, [
        cell(m.name),
        cell(m.role),
        cell(m.health === 'down' ? 'down (' + m.state + ')' : m.state, m.health, 'state-' + m.name),
        cell(m.timeline === null ? '–' : m.timeline),
        cell(m.role === 'leader' ? '' : bytes(m.lagBytes)),
        cell(m.address, 'muted'),
      ]);
    }));
    fill($('etcd'), s.etcd.map(function (e) {
      return el('li', { cls: e.health, text: e.name + (e.isLeader ? ' (raft leader)' : '') + (e.health === 'down' ? ' down' : '') });
    }));

    var rows = [];
    s.routes.haproxy.forEach(function (b) {
      b.servers.forEach(function (srv) {
        var up = srv.status.indexOf('UP') === 0;
        rows.push(el('tr', {}, [cell('HAProxy ' + b.backend), cell(srv.name), cell(srv.status, up ? 'up' : 'muted')]));
      });
    });
    s.routes.poolers.forEach(function (p) {
      rows.push(el('tr', {}, [
        cell('PgBouncer ' + p.address),
        cell(p.routedTo || '–'),
        cell(p.reachable ? (p.clientsWaiting > 0 ? p.clientsWaiting + ' waiting' : 'up') : 'down', p.reachable ? (p.clientsWaiting > 0 ? 'degraded' : 'up') : 'down'),
      ]));
    });
    if (s.routes.router) {
      var r = s.routes.router;
      var row = el('tr', {}, [cell('router'), cell(r.routedTo || '–'), cell(r.health === 'up' ? 'up' : r.health === 'down' ? 'down' : 'not on the leader', r.health)]);
      row.title = r.lastDecision || '';
      rows.push(row);
    }
    fill($('routes'), rows);
    fill($('processes'), s.processes.map(function (p) {
      return el('li', { cls: p.running ? 'up' : 'down', text: p.id + (p.running ? '' : ' stopped') });
    }));

    $('changes-note').textContent = 'Measured by this dashboard: a probe through the primary endpoint every ' +
      s.writes.probeIntervalMs + ' ms; the gap is from the last write on the old leader to the first on the new ' +
      '(at most about two probe intervals long). The last ' + s.timelineLength + ' changes, in memory only.';
    fill($('leader-changes'), s.leaderChanges.length === 0
      ? [el('li', { cls: 'muted', text: 'no leader change since this dashboard started' })]
      : s.leaderChanges.map(function (c) {
        return el('li', { data: { testid: 'leader-change' } }, [
          el('span', { text: time(c.firstWriteAt) + ': ' + c.from + ' → ' + c.to + ', write gap ' }),
          el('span', { cls: 'gap', text: (c.gapMs / 1000).toFixed(2) + ' s', data: { testid: 'gap' } }),
        ]);
      }));

    $('doctor-note').textContent = s.doctor.error ? s.doctor.error
      : s.doctor.at ? 'as of ' + time(s.doctor.at) + ' (doctor runs every 30 s)' : 'doctor is running…';
    fill($('doctor'), s.doctor.at && s.doctor.findings.length === 0
      ? [el('li', { cls: 'up', text: 'no problems found' })]
      : s.doctor.findings.map(function (f) {
        var li = el('li', { cls: f.severity, text: f.severity + ' [' + f.layer + '] ' + f.title });
        li.title = 'fix: ' + f.fix;
        return li;
      }));

    var btn = $('switchover');
    btn.disabled = !s.canSwitchover;
    btn.textContent = s.switchoverRunning ? 'Switchover running…' : 'Switchover…';
    btn.dataset.leader = s.leader || '';
  }

  function renderMetrics(v) {
    $('monitoring-state').textContent = v.state === 'ok' ? '' : '(' + v.state + ')';
    $('monitoring-message').textContent = v.message;
    $('monitoring-message').className = v.state === 'ok' ? 'muted' : 'degraded';
    if (v.state !== 'ok') {
      fill($('charts'), []);
      charts = {};
      fill($('alerts'), [el('li', { cls: 'muted', text: v.state === 'off' ? 'monitoring off: no alerts' : 'unknown: Prometheus does not answer' })]);
      return;
    }
    fill($('alerts'), v.alerts.length === 0
      ? [el('li', { cls: 'up', text: 'none firing' })]
      : v.alerts.map(function (a) {
        return el('li', { cls: a.severity === 'critical' ? 'error' : 'warning', text: a.name + ' (' + a.severity + ') ' + a.summary + ' since ' + time(a.since) });
      }));
    v.charts.forEach(function (c) {
      var key = c.id + ':' + c.members.join(',');
      var existing = charts[c.id];
      if (existing && existing.key === key) { existing.plot.setData(c.data); return; }
      if (existing) { existing.plot.destroy(); existing.fig.remove(); }
      var fig = el('figure', { data: { testid: 'chart-' + c.id } }, [el('figcaption', { text: c.title + (c.unit ? ' (' + c.unit + ')' : '') })]);
      $('charts').appendChild(fig);
      var palette = ['#58a6ff', '#3fb950', '#d29922', '#f778ba', '#a371f7'];
      var opts = {
        width: 380, height: 180,
        series: [{}].concat(c.members.map(function (m, i) { return { label: m, stroke: palette[i % palette.length], spanGaps: true }; })),
        axes: [{ stroke: '#8b98a5' }, { stroke: '#8b98a5' }],
      };
      charts[c.id] = { key: key, fig: fig, plot: new uPlot(opts, c.data, fig) };
    });
  }

  function connect() {
    var es = new EventSource('/events');
    es.onopen = function () { $('stream').textContent = 'live'; };
    es.onerror = function () { $('stream').textContent = 'event stream lost, reconnecting…'; };
    es.addEventListener('snapshot', function (e) { renderSnapshot(JSON.parse(e.data)); });
    es.addEventListener('metrics', function (e) { renderMetrics(JSON.parse(e.data)); });
  }

  setInterval(function () {
    if (lastSnapshotAt && Date.now() - lastSnapshotAt > 3000) $('stream').textContent = 'no update for ' + Math.round((Date.now() - lastSnapshotAt) / 1000) + ' s';
    else if (lastSnapshotAt) $('stream').textContent = 'live';
  }, 1000);

  $('switchover').addEventListener('click', function () {
    var leader = this.dataset.leader;
    if (!window.confirm('Switch over: demote ' + leader + ' and promote a replica? Writes pause for about a second.')) return;
    var out = $('switchover-result');
    out.textContent = 'switchover asked…';
    fetch('/api/switchover', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ confirm: 'switchover' }),
    }).then(function (r) { return r.json(); }).then(function (b) {
      out.textContent = b.error ? 'switchover refused: ' + b.error + ' (' + b.hint + ')'
        : 'switched over from ' + b.from + ' to ' + b.to + ' in ' + (b.elapsedMs / 1000).toFixed(2) + ' s';
    }, function (err) { out.textContent = 'switchover request failed: ' + err; });
  });

  connect();
})();
`;
