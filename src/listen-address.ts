import { isIP } from 'node:net';

export interface ListenAddress {
  /** Where a browser on this machine reaches the server, e.g. `http://127.0.0.1:8000/`. */
  readonly url: string;
  /** Who else can reach it, in words: said at start-up because HOST defaults to loopback. */
  readonly reach: string;
}

const LOOPBACK = /^(?:127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|localhost)$/i;
const ANY = new Set(['0.0.0.0', '::']);

/**
 * The URL the start-up line prints for HOST and the port actually bound.
 * HOST=0.0.0.0 or :: listen on every interface: the URL then names loopback,
 * which always works from the machine itself.
 */
export function describeListenAddress(host: string, port: number, protocol: 'http' | 'https'): ListenAddress {
  const shown = ANY.has(host) ? (host === '::' ? '::1' : '127.0.0.1') : host;
  const url = `${protocol}://${isIP(shown) === 6 ? `[${shown}]` : shown}:${String(port)}/`;
  if (ANY.has(host)) return { url, reach: 'listening on every interface: reachable from other machines on this port' };
  if (LOOPBACK.test(host)) return { url, reach: 'reachable from this machine only (HOST is loopback; set HOST=0.0.0.0 or put a reverse proxy in front)' };
  return { url, reach: `listening on ${host} only` };
}
