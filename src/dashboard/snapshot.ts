// What the page shows at one moment, built from the platform's status, the write probe and doctor (pure).
import type { PlatformStatus } from '../ops/index.js';
import type { Finding } from '../ops/doctor/index.js';
import { PROBE_INTERVAL_MS, TIMELINE_LENGTH, type LeaderChangeRecord, type WriteState } from './write-gap.js';

export type Health = 'up' | 'degraded' | 'down';

export interface MemberView {
  name: string;
  role: string;
  state: string;
  health: Health;
  timeline: number | null;
  lagBytes: number | null;
  address: string;
}

export interface DoctorView {
  /** When the findings were made (ISO), null before the first run finished. */
  at: string | null;
  findings: Pick<Finding, 'id' | 'layer' | 'severity' | 'title' | 'fix'>[];
  error: string | null;
}

export interface DashboardSnapshot {
  at: string;
  name: string;
  health: PlatformStatus['health'];
  problems: string[];
  /** Who Patroni says leads; the write probe's view is `writes`. */
  leader: string | null;
  etcd: { name: string; health: Health; isLeader: boolean }[];
  members: MemberView[];
  routes: {
    primary: string;
    replicas: string;
    haproxy: { backend: string; servers: { name: string; status: string }[] }[];
    poolers: { address: string; reachable: boolean; routedTo: string | null; clientsWaiting: number }[];
    router: { health: Health; routedTo: string | null; lastDecision: string | null } | null;
  };
  processes: { id: string; running: boolean }[];
  writes: WriteState & { probeIntervalMs: number };
  leaderChanges: LeaderChangeRecord[];
  timelineLength: number;
  doctor: DoctorView;
  /** A planned switchover can be asked for: a leader and a replica that is up. */
  canSwitchover: boolean;
  switchoverRunning: boolean;
}

const UP_STATES = new Set(['running', 'streaming']);
const DOWN_STATES = new Set(['unreachable', 'stopped', 'crashed', 'start failed', 'stopping']);

/** Patroni's member state as up, down, or on its way (starting, creating replica, in archive recovery). */
export function memberHealth(state: string): Health {
  if (UP_STATES.has(state)) return 'up';
  if (DOWN_STATES.has(state)) return 'down';
  return 'degraded';
}

export interface SnapshotInput {
  status: PlatformStatus;
  writes: WriteState;
  leaderChanges: LeaderChangeRecord[];
  doctor: DoctorView;
  switchoverRunning: boolean;
  now: number;
}

export function buildSnapshot(input: SnapshotInput): DashboardSnapshot {
  const { status } = input;
  const members: MemberView[] = status.postgres.members.map((m) => ({
    name: m.name,
    role: m.role,
    state: m.state,
    health: memberHealth(m.state),
    timeline: m.timeline,
    lagBytes: m.lagBytes,
    address: `${m.host}:${m.port}`,
  }));
  const leader = status.postgres.leader;
  const router = status.router;
  return {
    at: new Date(input.now).toISOString(),
    name: status.name,
    health: status.health,
    problems: status.problems,
    leader,
    etcd: status.etcd.members.map((e) => ({ name: e.name, health: e.healthy ? 'up' : 'down', isLeader: e.isLeader })),
    members,
    routes: {
      primary: `${status.endpoints.primary.host}:${status.endpoints.primary.port}`,
      replicas: `${status.endpoints.replicas.host}:${status.endpoints.replicas.port}`,
      haproxy: status.haproxy.backends.map((b) => ({ backend: b.name, servers: b.servers })),
      poolers: status.poolers.map((p) => ({
        address: `${p.host ?? status.endpoints.primary.host}:${p.port}`,
        reachable: p.reachable,
        routedTo: p.routedTo,
        clientsWaiting: p.clientsWaiting,
      })),
      router: router
        ? {
            health: !router.reachable ? 'down' : router.routedTo === leader ? 'up' : 'degraded',
            routedTo: router.routedTo,
            lastDecision: router.lastDecision,
          }
        : null,
    },
    processes: status.processes.map((p) => ({ id: p.id, running: p.running })),
    writes: { ...input.writes, probeIntervalMs: PROBE_INTERVAL_MS },
    leaderChanges: input.leaderChanges,
    timelineLength: TIMELINE_LENGTH,
    doctor: input.doctor,
    canSwitchover:
      leader !== null && members.some((m) => m.name !== leader && m.health === 'up') && !input.switchoverRunning,
    switchoverRunning: input.switchoverRunning,
  };
}

/** Doctor's report as the page lists it: what, where and the fix (evidence and cause stay in `gardenos doctor`). */
export function doctorView(findings: readonly Finding[], at: number): DoctorView {
  return {
    at: new Date(at).toISOString(),
    findings: findings.map((f) => ({ id: f.id, layer: f.layer, severity: f.severity, title: f.title, fix: f.fix })),
    error: null,
  };
}
