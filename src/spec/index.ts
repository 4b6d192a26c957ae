// The spec layer: schema, defaults, loading with line-accurate problems, cross-field rules.
export { specSchema, type SpecInput } from './schema.js';
export {
  resolveSpec,
  listPorts,
  hostPorts,
  hostsWithRole,
  specTarget,
  HOST_PORTS,
  HOSTS_BACKUP_REPO,
  runsPgbackrestServer,
  PORT_SPAN,
  type Spec,
  type NodeConfig,
  type EtcdMemberConfig,
  type HostConfig,
} from './resolve.js';
export { monitoringOn } from './hosts-monitoring.js';
export { checkRules, isValidCidr, type SpecProblem, type SpecPath } from './rules.js';
export { loadSpec, SpecError, formatPath, formatProblem, type LoadOptions, type SpecOverrides } from './load.js';
export { specJsonSchema, maskSecrets, renderEffectiveSpec } from './present.js';
export { ROLE_NAMES, SUPABASE_ROLE_NAMES } from './roles.js';
export { MAX_SPEC_BYTES } from './limits.js';
export { loadSpecMemoized } from './memo.js';
export { hostsWarnings } from './hosts-rules.js';
export { HOST_ROLES, type HostRole } from './hosts-schema.js';
export {
  DEFAULT_IMAGES,
  SUPABASE_SERVICES,
  type K8sSettings,
  type SupabaseSettings,
  type ServiceSettings,
  type RoutingSettings,
} from './app-schema.js';
export { SUPABASE_PREFIXES } from './app-rules.js';
