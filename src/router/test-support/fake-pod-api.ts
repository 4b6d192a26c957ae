// An in-memory PodApi that behaves like the API server where the router depends on it: resourceVersion is
// enforced on every write (a stale one fails with 409 Conflict) and every write bumps it.
import type { PodApi, PodSummary } from '../k8s-label-route-target.js';

/** Shaped like @kubernetes/client-node's ApiException for a 409: a `code` and the API server's message. */
export class ConflictError extends Error {
  readonly code = 409;
  constructor(name: string) {
    super(
      `Operation cannot be fulfilled on pods "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    );
  }
}

/** Every call yields to the event loop first, so a concurrent reader really interleaves with a multi-step apply. */
const turn = () => new Promise<void>((r) => setImmediate(r));

export class FakePodApi implements PodApi {
  private version = 1000;
  private readonly pods = new Map<string, PodSummary>();
  readonly writes: { name: string; role: string; ok: boolean }[] = [];
  /** Runs once, right after the next listPods answered: another writer acting between our read and our write. */
  afterNextList: (() => void) | undefined;

  constructor(names: string[], roles: Record<string, string> = {}) {
    for (const name of names)
      this.pods.set(name, { name, role: roles[name], ready: true, resourceVersion: this.bump() });
  }

  async listPods(): Promise<PodSummary[]> {
    await turn();
    const list = [...this.pods.values()].map((p) => ({ ...p }));
    const hook = this.afterNextList;
    this.afterNextList = undefined;
    hook?.();
    return list;
  }

  async setRole(name: string, role: 'primary' | 'replica', resourceVersion: string): Promise<void> {
    await turn();
    const pod = this.pods.get(name);
    if (!pod) throw Object.assign(new Error(`pods "${name}" not found`), { code: 404 });
    const ok = pod.resourceVersion === resourceVersion;
    this.writes.push({ name, role, ok });
    if (!ok) throw new ConflictError(name);
    pod.role = role;
    pod.resourceVersion = this.bump();
  }

  /** A write by someone else (kubectl label, a second router): no precondition, bumps the version. */
  externalLabel(name: string, role: string): void {
    const pod = this.pods.get(name);
    if (!pod) throw new Error(`no pod ${name}`);
    pod.role = role;
    pod.resourceVersion = this.bump();
  }

  pod(name: string): PodSummary | undefined {
    const p = this.pods.get(name);
    return p && { ...p };
  }

  private bump(): string {
    return String(++this.version);
  }
}
