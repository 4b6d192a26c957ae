// Operations on a running platform: status, switchover, failover.
export { collectStatus, type PlatformStatus } from './status.js';
export { switchover, failover, type LeaderChange } from './leader-change.js';
export { planDcsReset, applyDcsReset, writeDcsBackup, livePatroniMembers, type DcsResetPlan } from './dcs-reset.js';
export {
  verify,
  openVerifyEnv,
  parseFaults,
  parseRounds,
  FAULTS,
  type VerifyReport,
  type RoundResult,
  type FaultName,
} from './verify/index.js';
