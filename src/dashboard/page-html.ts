// The dashboard page's markup: a static shell that page-script.ts fills from the event stream.
export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>GardenOS dashboard</title>
<link rel="stylesheet" href="/vendor/uplot.css">
<link rel="stylesheet" href="/app.css">
<script src="/vendor/uplot.js" defer></script>
<script src="/app.js" defer></script>
</head>
<body>
<header>
  <h1>GardenOS <span id="platform-name"></span></h1>
  <span id="health" class="badge">connecting…</span>
  <span id="stream" class="muted">connecting to the event stream…</span>
  <button id="switchover" type="button" disabled title="planned leader change (asks first)">Switchover…</button>
</header>
<p id="switchover-result" class="muted" data-testid="switchover-result"></p>
<main>
  <section class="card" id="cluster">
    <h2>Leader</h2>
    <p class="leader-line">
      <strong data-testid="leader" id="leader">–</strong>
      <span class="muted">writes through <span id="primary-endpoint"></span>:</span>
      <span id="writes" data-testid="writes" class="badge">–</span>
    </p>
    <h2>PostgreSQL (Patroni)</h2>
    <table>
      <thead><tr><th>member</th><th>role</th><th>state</th><th>timeline</th><th>lag</th><th>address</th></tr></thead>
      <tbody id="members"></tbody>
    </table>
    <h2>etcd</h2>
    <ul id="etcd" class="chips"></ul>
  </section>
  <section class="card" id="routing">
    <h2>Routes</h2>
    <table>
      <thead><tr><th>route</th><th>to</th><th>state</th></tr></thead>
      <tbody id="routes"></tbody>
    </table>
    <h2>Processes</h2>
    <ul id="processes" class="chips"></ul>
  </section>
  <section class="card" id="changes">
    <h2>Leader changes</h2>
    <p class="muted" id="changes-note"></p>
    <ol id="leader-changes" data-testid="leader-changes"></ol>
  </section>
  <section class="card wide" id="monitoring">
    <h2>Metrics <span id="monitoring-state" class="muted"></span></h2>
    <p id="monitoring-message" data-testid="monitoring-message" class="muted">waiting for Prometheus…</p>
    <div id="charts" class="charts"></div>
  </section>
  <section class="card" id="alerts-card">
    <h2>Firing alerts</h2>
    <ul id="alerts" data-testid="alerts"></ul>
  </section>
  <section class="card" id="doctor-card">
    <h2>Doctor</h2>
    <p class="muted" id="doctor-note"></p>
    <ul id="doctor" data-testid="doctor"></ul>
  </section>
</main>
</body>
</html>
`;
