import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, wantsPrettyLogs } from '../../src/observability/index.js';
import { jsonLines } from '../helpers/log-capture.js';

/** Issue 15 item 7: readable logs at a developer's terminal, JSON everywhere else. */

function capture(pretty: boolean): { write: (message: string) => void; text: () => string } {
  const destination = new PassThrough();
  const chunks: string[] = [];
  destination.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')));
  const logger = createLogger({ level: 'info', destination, pretty });
  return {
    write: (message) => {
      logger.info({ database: 'sqlite' }, message);
    },
    text: () => chunks.join(''),
  };
}

describe('log format', () => {
  it.each([
    [true, 'development', true],
    [true, 'test', true],
    [true, 'production', false],
    [false, 'development', false],
    [undefined, 'development', false],
  ] as const)('stdout a TTY: %s, NODE_ENV=%s → pretty: %s', (isTTY, nodeEnv, expected) => {
    expect(wantsPrettyLogs(isTTY === undefined ? {} : { isTTY }, nodeEnv)).toBe(expected);
  });

  it('pretty: one human line with the level and message, no JSON', () => {
    const logs = capture(true);
    logs.write('AutoCognitix API ready');
    const line = logs.text().trim();
    expect(line).toMatch(/INFO.*AutoCognitix API ready/);
    expect(line).toContain('database');
    expect(() => JSON.parse(line) as unknown).toThrow();
  });

  it('pretty output still goes through the secret scrubber', () => {
    const logs = capture(true);
    logs.write('connecting to postgres://app:CANARYpretty@db:5432/app');
    expect(logs.text()).not.toContain('CANARYpretty');
  });

  it('JSON: one object per line', () => {
    const logs = capture(false);
    logs.write('AutoCognitix API ready');
    expect(jsonLines(logs.text())).toMatchObject([{ level: 30, msg: 'AutoCognitix API ready', database: 'sqlite' }]);
  });
});
