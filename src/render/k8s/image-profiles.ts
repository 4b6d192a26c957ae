// Who each image runs as, and what it writes once its root filesystem is read-only: the one table of
// both, and the securityContexts and emptyDirs built from it. A path an image writes that is missing
// here fails at the first write (EROFS), so each entry says what writes there; an image that writes
// nothing has no entry, rather than a /tmp "just in case" that would hide what it really needs.
import type { Spec } from '../../spec/index.js';
import { PG_SOCKET_DIR } from './meta.js';

export interface WritablePath {
  /** The emptyDir's volume name in the pod. */
  volume: string;
  mountPath: string;
  /** What writes there: whoever wants to drop an entry needs to know what breaks. */
  writer: string;
  /** tmpfs (counted against the container's memory limit) instead of the node's disk. */
  memory?: { sizeLimit: string };
}

export interface ImageProfile {
  uid: number;
  gid: number;
  /** Group the kubelet gives the pod's persistent volume, so this uid can write a volume made by root. */
  fsGroup?: number;
  /** emptyDirs; the persistent data volumes are the renderers' own (pgdata, Storage's files). */
  writable: WritablePath[];
}

export type ImageKind = 'patroni' | 'dataDirOwner' | 'router' | 'bootstrap' | 'auth' | 'rest' | 'storage' | 'service';

const tmp = (writer: string): WritablePath => ({ volume: 'tmp', mountPath: '/tmp', writer });

export function imageProfiles(spec: Spec): Record<ImageKind, ImageProfile> {
  const postgres = { uid: spec.k8s.postgresUid, gid: spec.k8s.postgresGid };
  return {
    // Spilo's postgres user (k8s.postgresUid/Gid, 101:103), running `patroni` itself, not Spilo's root
    // entrypoint. Besides the data dir on the pgdata volume (PostgreSQL, pg_rewind, pg_basebackup and
    // Patroni's patroni.dynamic.json) it writes the paths below. PostgreSQL logs to stderr (no collector).
    patroni: {
      ...postgres,
      // The pgdata volume writable by the postgres group; the init container's script (postgres.ts)
      // keeps the data dir 0700, and OnRootMismatch skips the kubelet's pass once the volume's root fits.
      fsGroup: postgres.gid,
      writable: [
        {
          volume: 'run',
          mountPath: PG_SOCKET_DIR,
          writer: "PostgreSQL's Unix socket and its lock file (unix_socket_directories)",
        },
        tmp("Patroni's pgpass (postgresql.pgpass), written before it runs pg_basebackup or pg_rewind"),
        {
          volume: 'shm',
          mountPath: '/dev/shm',
          writer: "PostgreSQL's dynamic shared memory (parallel queries); the runtime's own /dev/shm is 64 MiB",
          memory: { sizeLimit: '256Mi' },
        },
      ],
    },
    // busybox, as the postgres user: mkdir and chmod on the pgdata volume only.
    dataDirOwner: { ...postgres, writable: [] },
    // The gardenos image's nonroot user. The router keeps its state in memory and logs to stdout. The
    // image must ship bin/gardenos.js's bundle prebuilt (node_modules/.cache/gardenos): one built at start
    // would be written to the read-only root.
    router: { uid: 65532, gid: 65532, writable: [] },
    // postgres:17 (Debian): its postgres user is 999:999. `psql -f` writes no history; HOME is not written.
    bootstrap: { uid: 999, gid: 999, writable: [] },
    // supabase/gotrue: the image's `supabase` user (adduser -u 1000). A Go binary that reads its
    // migrations from the image and logs to stdout.
    auth: { uid: 1000, gid: 1000, writable: [] },
    // postgrest/postgrest: the image's USER 1000 (a static binary; the schema cache lives in memory).
    rest: { uid: 1000, gid: 1000, writable: [] },
    // supabase/storage-api sets no USER (it would run as root): node:alpine's `node` user, 1000:1000. Its
    // file backend writes the objects to the data volume (FILE_STORAGE_BACKEND_PATH), which fsGroup makes
    // writable; /tmp is Node's os.tmpdir(), where upload parsing may spool (not traced in its source).
    storage: {
      uid: 1000,
      gid: 1000,
      fsGroup: 1000,
      writable: [tmp("Node's os.tmpdir(): upload parsing may spool there")],
    },
    // The user's own images: the spec names no uid, so the conventional nonroot 65532 (any image whose
    // files are world-readable runs as it). /tmp is where Node, Python, Go and JVM programs put
    // temporary files and multipart uploads; anything else an app writes needs a spec field (none yet).
    service: {
      uid: 65532,
      gid: 65532,
      writable: [tmp("the runtime's temporary files (os.tmpdir(), tempfile, os.TempDir, multipart uploads)")],
    },
  };
}

/** The restricted container securityContext (Pod Security Standards "restricted") for the profile. */
export function containerSecurityContext(p: ImageProfile) {
  return {
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
    readOnlyRootFilesystem: true,
    runAsGroup: p.gid,
    runAsNonRoot: true,
    runAsUser: p.uid,
  };
}

/** The pod-level part: fsGroup exists only there. hardenPods adds the seccomp profile. */
export function podSecurityContext(p: ImageProfile) {
  return {
    runAsNonRoot: true,
    ...(p.fsGroup !== undefined ? { fsGroup: p.fsGroup, fsGroupChangePolicy: 'OnRootMismatch' } : {}),
  };
}

export function writableMounts(p: ImageProfile): { name: string; mountPath: string }[] {
  return p.writable.map((w) => ({ name: w.volume, mountPath: w.mountPath }));
}

export function writableVolumes(
  p: ImageProfile,
): { name: string; emptyDir: { medium?: string; sizeLimit?: string } }[] {
  return p.writable.map((w) => ({
    name: w.volume,
    emptyDir: w.memory ? { medium: 'Memory', sizeLimit: w.memory.sizeLimit } : {},
  }));
}
