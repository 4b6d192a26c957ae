// The generated-file header of the hosts target, put on text the shared renderers make.
import { GENERATED_HEADER } from '../topology.js';
import { HOSTS_HEADER } from './paths.js';

/** The shared renderers' header says "run `gardenos up`", which is the local target's command. */
export function withHostsHeader(text: string, comment: '#' | ';' = '#'): string {
  const first = `${comment} ${GENERATED_HEADER}\n`;
  if (!text.startsWith(first)) throw new Error('withHostsHeader: the text does not start with the generated header');
  return `${comment} ${HOSTS_HEADER}\n${text.slice(first.length)}`;
}
