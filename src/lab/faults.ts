// Network faults on a running lab: isolate/heal a host (its links down/up) and cut/restore one flow with nftables.
import { join } from 'node:path';
import { GardenError } from '../errors.js';
import { linkIsUp, setLink } from './iproute2.js';
import { readManifest, writeManifest, type LabManifest } from './manifest.js';
import { addCut, CUT_TABLE, removeCut } from './nftables.js';
import { ipToInt, LAB_STATE_ROOT, parseLabName, parseSubnet, planLab, type LabHostPlan, type LabPlan } from './plan.js';
import { requireRoot } from './preflight.js';

export interface OpenLab {
  plan: LabPlan;
  manifest: LabManifest;
  manifestFile: string;
}

/** The running lab's plan and manifest; NOT_RUNNING when there is none of that name. */
export function openLab(name: string, stateRoot = LAB_STATE_ROOT): OpenLab {
  const manifestFile = join(stateRoot, parseLabName(name), 'manifest.json');
  const manifest = readManifest(manifestFile);
  if (!manifest) {
    throw new GardenError('NOT_RUNNING', `There is no lab ${name} (no ${manifestFile}).`, {
      hint: `start it with \`gardenos lab up --name ${name}\``,
    });
  }
  return {
    plan: planLab(manifest.name, manifest.hostCount, parseSubnet(manifest.subnet), stateRoot),
    manifest,
    manifestFile,
  };
}

function hostOf(lab: OpenLab, name: string): LabHostPlan {
  const host = lab.plan.hosts.find((h) => h.name === name);
  if (!host) {
    throw new GardenError('USAGE', `Lab ${lab.plan.name} has no host ${name}.`, {
      hint: `its hosts are ${lab.plan.hosts.map((h) => h.name).join(', ')}`,
    });
  }
  return host;
}

/** Sets the host's veth down on both ends: it reaches nothing, and neither the other hosts nor the machine reach it. */
export async function isolateHost(labName: string, hostName: string, stateRoot?: string): Promise<LabHostPlan> {
  requireRoot('gardenos lab isolate');
  const host = hostOf(openLab(labName, stateRoot), hostName);
  await setLink(host.veth, false);
  await setLink('eth0', false, host.namespace);
  return host;
}

export async function healHost(labName: string, hostName: string, stateRoot?: string): Promise<LabHostPlan> {
  requireRoot('gardenos lab heal');
  const host = hostOf(openLab(labName, stateRoot), hostName);
  await setLink(host.veth, true);
  await setLink('eth0', true, host.namespace);
  return host;
}

export async function isIsolated(labName: string, hostName: string, stateRoot?: string): Promise<boolean> {
  const host = hostOf(openLab(labName, stateRoot), hostName);
  return !(await linkIsUp(host.veth)) || !(await linkIsUp('eth0', host.namespace));
}

/** `to` is a host name, "machine" (the bridge address), or an IPv4 address. */
function destination(lab: OpenLab, to: string): string {
  if (to === 'machine') return lab.plan.bridgeAddress.split('/')[0]!;
  const host = lab.plan.hosts.find((h) => h.name === to);
  if (host) return host.address;
  if (ipToInt(to) !== undefined) return to;
  throw new GardenError('USAGE', `"${to}" is neither a host of lab ${lab.plan.name}, "machine", nor an IPv4 address.`, {
    hint: `use one of ${lab.plan.hosts.map((h) => h.name).join(', ')}, machine, or an address`,
  });
}

/**
 * Drops what `from` sends to `to` (only TCP to `port` when given), in from's own namespace. Replies
 * are dropped too, so connections fail in both directions; other flows are untouched.
 */
export async function cutFlow(
  labName: string,
  from: string,
  to: string,
  port?: number,
  stateRoot?: string,
): Promise<void> {
  requireRoot('a lab flow cut');
  const lab = openLab(labName, stateRoot);
  const host = hostOf(lab, from);
  await addCut(host.namespace, destination(lab, to), port);
  const tables = lab.manifest.created.nftTables;
  if (!tables.some((t) => t.namespace === host.namespace)) {
    tables.push({ namespace: host.namespace, family: CUT_TABLE.family, table: CUT_TABLE.name });
    writeManifest(lab.manifestFile, lab.manifest);
  }
}

/** Undoes cutFlow with the same arguments; false when there was no such cut. */
export async function restoreFlow(
  labName: string,
  from: string,
  to: string,
  port?: number,
  stateRoot?: string,
): Promise<boolean> {
  requireRoot('a lab flow restore');
  const lab = openLab(labName, stateRoot);
  return removeCut(hostOf(lab, from).namespace, destination(lab, to), port);
}
