// The network lab: hosts as network namespaces with their own sshd, on one machine, for trying and testing the hosts target.
export { labUp, type LabUpOptions, type LabUpResult } from './up.js';
export { labDown, labDownPlan, type LabDownResult } from './down.js';
export { cutFlow, healHost, isIsolated, isolateHost, openLab, restoreFlow, type OpenLab } from './faults.js';
export {
  DEFAULT_HOSTS,
  DEFAULT_LAB_NAME,
  DEFAULT_SUBNET,
  LAB_STATE_ROOT,
  MAX_HOSTS,
  parseHostCount,
  parseLabName,
  planLab,
  sshTargetOf,
  type LabHostPlan,
  type LabPlan,
} from './plan.js';
