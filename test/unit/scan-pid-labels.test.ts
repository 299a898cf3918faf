import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CANONICAL_PIDS } from '../../src/garage/scans/pids.js';
import { projectRoot } from '../helpers/process.js';

/** The web app's names for a scan's PIDs (web/src/i18n/pidLabels.ts), loaded as the browser test's page would use them. */
interface PidLabels {
  readonly LABELLED_PIDS: Readonly<Record<string, readonly string[]>>;
  readonly pidLabel: (name: string, language: 'hu' | 'en') => string;
}

async function labels(): Promise<PidLabels> {
  return (await import(pathToFileURL(path.join(projectRoot, 'web/src/i18n/pidLabels.ts')).href)) as PidLabels;
}

describe('the web names of scan PIDs', () => {
  it('name every canonical PID in Hungarian and English, and nothing else', async () => {
    const { LABELLED_PIDS } = await labels();
    const canonical = CANONICAL_PIDS.map((pid) => pid.name).sort();
    expect([...(LABELLED_PIDS.en ?? [])].sort()).toEqual(canonical);
    expect([...(LABELLED_PIDS.hu ?? [])].sort()).toEqual(canonical);
  });

  it('word a PID in the language asked for', async () => {
    const { pidLabel } = await labels();
    expect(pidLabel('engine_rpm', 'hu')).toBe('Fordulatszám');
    expect(pidLabel('engine_rpm', 'en')).toBe('Engine speed');
    for (const { name } of CANONICAL_PIDS) expect(pidLabel(name, 'hu'), name).not.toBe(pidLabel(name, 'en'));
  });

  it('leave a column of the user\'s own log as it was written, even one named like an Object property', async () => {
    const { pidLabel } = await labels();
    expect(pidLabel('Turbo Boost & Vacuum Gauge', 'hu')).toBe('Turbo Boost & Vacuum Gauge');
    expect(pidLabel('constructor', 'en')).toBe('constructor');
    expect(pidLabel('__proto__', 'hu')).toBe('__proto__');
  });
});
