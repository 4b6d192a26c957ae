// The dashboard page's stylesheet.
export const PAGE_STYLE = `
:root { --bg: #0f1419; --card: #182029; --fg: #e6edf3; --muted: #8b98a5; --up: #3fb950; --down: #f85149; --warn: #d29922; --accent: #58a6ff; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); font: 14px/1.4 system-ui, sans-serif; }
header { display: flex; gap: 1rem; align-items: center; padding: .75rem 1.25rem; border-bottom: 1px solid #253040; }
h1 { font-size: 1.2rem; margin: 0; }
h2 { font-size: .95rem; margin: .75rem 0 .4rem; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; }
main { display: grid; grid-template-columns: repeat(auto-fit, minmax(380px, 1fr)); gap: 1rem; padding: 1rem 1.25rem; }
.card { background: var(--card); border-radius: 8px; padding: .5rem 1rem 1rem; min-width: 0; overflow-x: auto; }
.wide { grid-column: 1 / -1; }
table { width: 100%; border-collapse: collapse; }
th, td { text-align: left; padding: .25rem .4rem; border-bottom: 1px solid #253040; white-space: nowrap; }
th { color: var(--muted); font-weight: 500; }
.muted { color: var(--muted); }
.badge { display: inline-block; padding: .05rem .5rem; border-radius: 999px; background: #253040; font-size: .85rem; }
.up { color: var(--up); } .down { color: var(--down); } .degraded { color: var(--warn); }
.badge.up, .badge.healthy { background: #12361d; color: var(--up); }
.badge.down { background: #4a1515; color: var(--down); }
.badge.degraded { background: #3d2e0a; color: var(--warn); }
.chips { list-style: none; padding: 0; margin: 0; display: flex; flex-wrap: wrap; gap: .4rem; }
.chips li { background: #253040; border-radius: 6px; padding: .15rem .5rem; }
.leader-line { font-size: 1.1rem; display: flex; gap: .6rem; align-items: baseline; flex-wrap: wrap; }
#leader { font-size: 1.5rem; color: var(--accent); }
ol, ul { padding-left: 1.2rem; margin: .25rem 0; }
#leader-changes li { margin-bottom: .3rem; }
.gap { font-weight: 600; color: var(--warn); }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(360px, 1fr)); gap: 1rem; }
.charts figure { margin: 0; }
.charts figcaption { color: var(--muted); margin-bottom: .2rem; }
.error { color: var(--down); } .warning { color: var(--warn); }
button { background: #21262d; color: var(--fg); border: 1px solid #3d444d; border-radius: 6px; padding: .3rem .8rem; cursor: pointer; margin-left: auto; }
button:disabled { opacity: .45; cursor: not-allowed; }
.u-legend { color: var(--fg); }
`;
