// The primary router: leader source -> wanted routes -> route targets (HAProxy, Kubernetes).
// The Kubernetes client (k8s-pod-api.ts) is imported lazily by whoever needs it: it costs ~60 MB of heap.
export { Router, type RouterOptions, type RouterView } from './router.js';
export { EtcdLeaderSource } from './etcd-leader-source.js';
export { PatroniPollingLeaderSource } from './patroni-polling-leader-source.js';
export { HaproxyRouteTarget, parseServersState } from './haproxy-route-target.js';
export { PgbouncerRouteTarget } from './pgbouncer-route-target.js';
export { ChainedRouteTarget } from './chained-route-target.js';
export { NftablesRouteTarget, nftRunner, type KernelRouteSettings } from './nftables-route-target.js';
export { DcsSwitchoverWatch } from './dcs-switchover-watch.js';
export { K8sLabelRouteTarget, type PodApi, type PodSummary } from './k8s-label-route-target.js';
export { patroniConfirmer, dcsApiUrls } from './patroni-confirmer.js';
export { createRouterMetrics, type RouterMetrics } from './metrics.js';
export { startRouterServer } from './server.js';
export { jsonLog } from './json-log.js';
export { routerSettingsFromFlags, type FlagValues, type RouterSettings } from './settings.js';
export type { LeaderSource, RouteTarget, LeaderObservation, PrimaryRoute, ActualRoutes, DecisionLog } from './types.js';
