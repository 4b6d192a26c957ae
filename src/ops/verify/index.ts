// verify: proves a running local platform survives faults (writer, prober, one fault per round).
export { verify, injectorFor, type VerifyOptions, type VerifyReport } from './verify.js';
export { openVerifyEnv } from './live-env.js';
export { FAULTS, parseFaults, parseRounds, planRounds, type FaultName } from './faults.js';
export type { RoundResult } from './round.js';
export type { VerifyEnv, FaultInjector, RoundWriter, RoundProber } from './env.js';
