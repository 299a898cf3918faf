import { describe, expect, it } from 'vitest';
import { describeListenAddress } from '../../src/listen-address.js';

/** Issue 15 item 3: the start-up line says where the server is and who can reach it (HOST defaults to 127.0.0.1). */
describe('the reachable URL logged at start', () => {
  it.each([
    ['127.0.0.1', 8000, 'http', 'http://127.0.0.1:8000/', /this machine only.*HOST=0\.0\.0\.0/],
    ['0.0.0.0', 8000, 'http', 'http://127.0.0.1:8000/', /every interface/],
    ['::', 8443, 'https', 'https://[::1]:8443/', /every interface/],
    ['::1', 8000, 'http', 'http://[::1]:8000/', /this machine only/],
    ['10.0.3.17', 8000, 'http', 'http://10.0.3.17:8000/', /on 10\.0\.3\.17 only/],
  ] as const)('HOST=%s port %d (%s) → %s', (host, port, protocol, url, reach) => {
    const described = describeListenAddress(host, port, protocol);
    expect(described.url).toBe(url);
    expect(described.reach).toMatch(reach);
  });
});
