// Flow cuts inside a lab host's network namespace: one nftables table whose output chain drops chosen destinations.
import { mustRun, run } from './run.js';

export const CUT_TABLE = { family: 'inet', name: 'gdn_lab' } as const;
const CHAIN = 'out';

function nft(ns: string, args: string[]): string[] {
  return ['netns', 'exec', ns, 'nft', ...args];
}

/** A rule's comment names the cut, so restoring finds exactly the rules it added. */
export function cutComment(address: string, port?: number): string {
  return port === undefined ? `gdn-cut ${address}` : `gdn-cut ${address}:${port}`;
}

export async function cutTableExists(ns: string): Promise<boolean> {
  return (await run('ip', nft(ns, ['list', 'table', CUT_TABLE.family, CUT_TABLE.name]))).code === 0;
}

/** Drops packets from this namespace to address (and only TCP to port, when given). Adding the same cut twice adds it once. */
export async function addCut(ns: string, address: string, port?: number): Promise<void> {
  const comment = cutComment(address, port);
  await mustRun('ip', nft(ns, ['-f', '-']), `create the nftables table ${CUT_TABLE.name} in ${ns}`, {
    input:
      `add table ${CUT_TABLE.family} ${CUT_TABLE.name}\n` +
      `add chain ${CUT_TABLE.family} ${CUT_TABLE.name} ${CHAIN} { type filter hook output priority 0; policy accept; }\n`,
  });
  if ((await cutHandles(ns, comment)).length > 0) return;
  const match = ['ip', 'daddr', address, ...(port === undefined ? [] : ['tcp', 'dport', String(port)])];
  await mustRun(
    'ip',
    nft(ns, [
      'add',
      'rule',
      CUT_TABLE.family,
      CUT_TABLE.name,
      CHAIN,
      ...match,
      'counter',
      'drop',
      'comment',
      `"${comment}"`,
    ]),
    `cut ${ns} -> ${address}${port === undefined ? '' : `:${port}`}`,
  );
}

async function cutHandles(ns: string, comment: string): Promise<number[]> {
  const r = await run('ip', nft(ns, ['-j', '-a', 'list', 'chain', CUT_TABLE.family, CUT_TABLE.name, CHAIN]));
  if (r.code !== 0) return [];
  const items = (JSON.parse(r.stdout) as { nftables: { rule?: { handle: number; comment?: string } }[] }).nftables;
  return items.flatMap((i) => (i.rule && i.rule.comment === comment ? [i.rule.handle] : []));
}

/** Removes the cut's rules; true when there was one. */
export async function removeCut(ns: string, address: string, port?: number): Promise<boolean> {
  const handles = await cutHandles(ns, cutComment(address, port));
  for (const handle of handles) {
    await mustRun(
      'ip',
      nft(ns, ['delete', 'rule', CUT_TABLE.family, CUT_TABLE.name, CHAIN, 'handle', String(handle)]),
      `restore ${ns} -> ${address}`,
    );
  }
  return handles.length > 0;
}

export async function deleteCutTable(ns: string): Promise<boolean> {
  return (await run('ip', nft(ns, ['delete', 'table', CUT_TABLE.family, CUT_TABLE.name]))).code === 0;
}
