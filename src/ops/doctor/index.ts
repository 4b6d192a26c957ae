// gardenos doctor: checks by layer, each a small `{ id, layer, run(ctx) }`, run against a DoctorEnv.
export { CHECKS, HOSTS_CHECKS } from './registry.js';
export { runDoctor, type DoctorReport, type CheckOutcome } from './run.js';
export { liveEnv, type LiveEnvOptions } from './live-env.js';
export { LAYERS, type Check, type DoctorContext, type DoctorEnv, type Finding, type Layer } from './types.js';
