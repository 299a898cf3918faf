// @backend-independent: the server process gets no REDIS_URL / DATABASE_URL, so it runs on the embedded default on either run
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { generatedSecret } from '../helpers/backends.js';
import { freePort, startTypeScriptProcess, waitForHttp, type RunningProcess } from '../helpers/process.js';

const running: RunningProcess[] = [];

afterEach(() => {
  for (const server of running.splice(0)) server.child.kill('SIGKILL');
});

describe('METRICS_PORT: a private listener started and stopped by the server process', () => {
  it('serves /metrics without a token on METRICS_HOST:METRICS_PORT while the API port serves none, and closes on SIGTERM', async () => {
    const [port, metricsPort] = [await freePort(), await freePort()];
    const server = startTypeScriptProcess('src/main.ts', [], {
      NODE_ENV: 'production',
      COOKIE_SECURE: 'true',
      JWT_SECRET_KEY: generatedSecret(),
      SMTP_URL: 'smtp://127.0.0.1:2525',
      DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'autocognitix-metrics-listener-')),
      PORT: String(port),
      METRICS_PORT: String(metricsPort),
      METRICS_HOST: '127.0.0.1',
    });
    running.push(server);
    expect((await waitForHttp(`http://127.0.0.1:${port}/health`)).status).toBe(200);

    const privateScrape = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    expect(privateScrape.status).toBe(200);
    const body = await privateScrape.text();
    expect(body).toContain('# TYPE security_tokens_blacklisted_total counter');
    expect(body).toContain('http_request_duration_seconds_count{route="/health",method="GET",status_code="200"}');

    const publicScrape = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(publicScrape.status).toBe(404);
    expect(await publicScrape.text()).not.toContain('# HELP');
    // The listener serves nothing else.
    expect((await fetch(`http://127.0.0.1:${metricsPort}/health`)).status).toBe(404);

    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    const afterShutdown = await fetch(`http://127.0.0.1:${metricsPort}/metrics`).then(
      (response) => String(response.status),
      (error: unknown) => (error as { cause?: { code?: string } }).cause?.code ?? 'unknown',
    );
    expect(afterShutdown).toBe('ECONNREFUSED');
    expect(server.output()).toContain('metrics listener ready');
  });
});
