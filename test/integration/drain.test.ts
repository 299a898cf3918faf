import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { manualClock } from '../helpers/time.js';

/** GET /health over `agent`; resolves with the Connection header once the body has been read. */
function connectionHeaderOfHealth(port: number, agent: http.Agent): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: '/health', agent }, (response) => {
        response.resume();
        response.once('end', () => {
          resolve(response.headers.connection);
        });
      })
      .once('error', reject);
  });
}

function openConnections(testApp: TestApp): Promise<number> {
  return new Promise((resolve, reject) => {
    testApp.app.server.getConnections((error, count) => {
      if (error) reject(error);
      else resolve(count);
    });
  });
}

/** A drain (shutdown) is a one-way switch, so every test gets its own listening app. */
describe('graceful drain before shutdown', () => {
  const clock = manualClock();
  const started: TestApp[] = [];
  const agents: http.Agent[] = [];

  async function listeningApp(): Promise<{ testApp: TestApp; port: number; agent: http.Agent }> {
    const testApp = await startTestApp({ clock });
    started.push(testApp);
    await testApp.app.listen({ host: '127.0.0.1', port: 0 });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    agents.push(agent);
    return { testApp, port: (testApp.app.server.address() as AddressInfo).port, agent };
  }

  beforeAll(() => {
    clock.set(Date.now());
  });
  afterEach(() => {
    vi.useRealTimers();
  });
  afterAll(async () => {
    for (const agent of agents) agent.destroy();
    for (const testApp of started) await testApp.close();
  });

  it('answers with Connection: close while draining, and ends as soon as the last socket has gone', async () => {
    const { testApp, port, agent } = await listeningApp();
    expect(await connectionHeaderOfHealth(port, agent)).toBe('keep-alive');
    // The clock never moves here: only the socket closing can end this drain.
    const drained = testApp.app.drain(60_000);
    expect(await connectionHeaderOfHealth(port, agent)).toBe('close');
    await drained;
    expect(await openConnections(testApp)).toBe(0);
  });

  it('gives up at its deadline by the app clock while a keep-alive socket stays open', async () => {
    const { testApp, port, agent } = await listeningApp();
    expect(await connectionHeaderOfHealth(port, agent)).toBe('keep-alive');
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    let finished = false;
    const drained = testApp.app.drain(1_000).then(() => {
      finished = true;
    });
    await vi.advanceTimersByTimeAsync(100);
    expect(finished).toBe(false);
    clock.advance(999);
    await vi.advanceTimersByTimeAsync(100);
    expect(finished).toBe(false);
    clock.advance(1);
    await vi.advanceTimersByTimeAsync(25);
    expect(finished).toBe(true);
    await drained;
    // The idle socket was not cut: the drain only waited for it.
    expect(await openConnections(testApp)).toBe(1);
  });
});
