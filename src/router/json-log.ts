// DecisionLog as JSON lines: one sentence per decision, with structured fields beside it.
import type { DecisionLog } from './types.js';

export function jsonLog(write: (line: string) => void, component = 'router'): DecisionLog {
  const emit = (level: string, msg: string, fields?: Record<string, unknown>) =>
    write(JSON.stringify({ ts: new Date().toISOString(), level, component, msg, ...fields }) + '\n');
  return {
    decision: (msg, fields) => emit('info', msg, fields),
    warn: (msg, fields) => emit('warn', msg, fields),
  };
}
