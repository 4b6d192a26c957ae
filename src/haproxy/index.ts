// HAProxy at runtime: its admin-socket API.
export { runtimeCommand, parseShowStat, showServers, type ServerStat } from './runtime-api.js';
