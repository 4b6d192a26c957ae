// RouteTarget on PgBouncer: one route file names the server every pooled connection goes to. RELOAD
// loads it, and PgBouncer then closes each server connection to the old destination as it is released
// (idle ones at once), so no transaction starts on the old leader once the route has moved.
import { renameSync, writeFileSync } from 'node:fs';
import { renderPgbouncerRoute, type PoolerRoute } from '../render/pgbouncer.js';
import { memberOfRow, type PoolerAdmin, type PoolerMember } from '../pooler/index.js';
import type { ActualRoutes, PrimaryRoute, RouteTarget } from './types.js';

export class PgbouncerRouteTarget implements RouteTarget {
  readonly name = 'pgbouncer';

  constructor(
    private readonly admin: PoolerAdmin,
    private readonly routeFile: string,
    private readonly at: readonly PoolerMember[],
  ) {}

  /** Every database PgBouncer has loaded, mapped back to members: one member once a route is loaded. */
  async actual(): Promise<ActualRoutes> {
    const rows = await this.admin.show('DATABASES');
    const routed = new Set<string>();
    for (const row of rows) {
      if (row.name === 'pgbouncer') continue;
      const member = memberOfRow(row, this.at);
      if (member) routed.add(member);
    }
    const ready = [...routed].sort();
    // PgBouncer has no health checks of its own: what it routes to is what it reaches.
    return { ready, routable: ready, members: this.at.map((m) => m.name) };
  }

  async apply(wanted: PrimaryRoute): Promise<void> {
    const route = wanted.primary === null ? null : this.at.find((m) => m.name === wanted.primary);
    if (route === undefined) throw new Error(`PgBouncer knows no member ${wanted.primary}`);
    // The file is renamed into place, so a concurrent router or a crash never leaves half a route.
    const tmp = `${this.routeFile}.${process.pid}.tmp`;
    const text = renderPgbouncerRoute(
      route && ({ member: route.name, host: route.host, port: route.port } satisfies PoolerRoute),
    );
    // No secret in it (a socket directory and a port); PgBouncer's user must be able to read it.
    writeFileSync(tmp, text, { mode: 0o644 });
    renameSync(tmp, this.routeFile);
    // One destination at a time: RELOAD switches every database at once. No RECONNECT after it: the
    // reload already retires the old destination's connections, and a RECONNECT racing a RESUME (a
    // paused switchover) left PgBouncer 1.18's queued clients hanging until their timeout.
    await this.admin.run('RELOAD');
    // RELOAD answers OK even when PgBouncer could not read a file (it logs that and keeps the old
    // config), so the loaded route is read back before anyone is told it moved.
    const loaded = (await this.actual()).ready;
    const expected = route ? [route.name] : [];
    if (loaded.join() !== expected.join()) {
      throw new Error(
        `PgBouncer did not load the new route (it routes to ${loaded.join(', ') || 'nobody'}, not ${expected.join('') || 'nobody'}): see its log for why it could not read ${this.routeFile}`,
      );
    }
  }
}
