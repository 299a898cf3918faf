import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseScan, ScanParseError, type ScanFormat } from '../../src/garage/scans/index.js';
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

/** The Hungarian wording of the parsers' reasons (web/src/i18n/scanReasonTexts.ts). */
interface ReasonTexts {
  readonly scanReasonText: (reason: string, language: 'hu' | 'en') => { readonly text: string; readonly translated: boolean };
}

async function* chunksOf(text: string): AsyncGenerator<string> {
  yield await Promise.resolve(text);
}

async function reasonOf(format: ScanFormat, text: string): Promise<string> {
  try {
    await parseScan(format, chunksOf(text));
  } catch (error) {
    if (error instanceof ScanParseError) return error.reason;
    throw error;
  }
  throw new Error(`the ${format} input was accepted`);
}

describe('the Hungarian wording of why a scan was refused', () => {
  it('matches what the parsers really say (a parser that rewords a reason fails here)', async () => {
    const { scanReasonText } = (await import(pathToFileURL(path.join(projectRoot, 'web/src/i18n/scanReasonTexts.ts')).href)) as ReasonTexts;
    const cases: readonly (readonly [ScanFormat, string, string])[] = [
      ['torque-csv', 'Time,Engine RPM(rpm)\n1,8x20\n', 'Fordulatszám: „8x20” nem szám'],
      ['torque-csv', 'Time,Engine RPM(rpm)\nyesterday,800\n', '„yesterday” nem időpont'],
      ['torque-csv', 'Time,Engine RPM(rpm)\n1,800,5\n', 'a sorban 3 mező van, a fejlécsorban 2'],
      ['torque-csv', 'Engine RPM(rpm),Speed (OBD)(km/h)\n800,0\n', 'a fejlécsorban nincs időoszlop (Device Time, GPS Time, Time vagy Seconds)'],
      ['torque-csv', 'Time,Engine RPM(rpm)\n1,"800\n', 'egy idézőjelbe tett mező nem záródik be a saját sorában'],
      ['torque-csv', 'Time,,Engine RPM(rpm)\n1,2,3\n', 'a(z) 2. oszlopnak nincs neve'],
      ['torque-csv', 'Time,Engine RPM(rpm)\n1,"800"x\n', 'egy idézőjelbe tett mező után szöveg áll a következő elválasztójel előtt'],
      ['torque-csv', '', 'a napló üres, nincs fejlécsora'],
      ['elm327', '>03\n43 01 ZZ\n', 'a sor „43” válasszal kezdődik, de nem csak hexadecimális bájtokból áll'],
      ['elm327', '>03\n43 01 7\n', '„7” nem hexadecimális bájt'],
      ['json', '{"format": ]\n', 'váratlan „]” ott, ahol értéknek kellene állnia'],
      ['json', '{"format": "autocognitix-scan", "version": 1, "codes": [], "x": "abc\n', 'egy szöveg nincs lezárva'],
      ['json', '{"format": "autocognitix-scan", "version": 1, "codes": [], "colour": 1}\n', 'colour: ismeretlen mező'],
      ['json', '{"format": "autocognitix-scan", "version": 1}\n', 'a dokumentum: hiányzik a(z) „codes” mező'],
      ['json', '{"format": "autocognitix-scan", \n', 'itt idézőjelek közötti mezőnévnek kellene állnia'],
      ['json', '{"format": ', 'a JSON-dokumentum idő előtt véget ér'],
    ];
    for (const [format, input, hungarian] of cases) {
      const reason = await reasonOf(format, input);
      expect(scanReasonText(reason, 'hu'), reason).toEqual({ text: hungarian, translated: true });
      expect(scanReasonText(reason, 'en')).toEqual({ text: reason, translated: true });
    }
  });

  it('leaves a reason it does not know as the server wrote it, marked as English', async () => {
    const { scanReasonText } = (await import(pathToFileURL(path.join(projectRoot, 'web/src/i18n/scanReasonTexts.ts')).href)) as ReasonTexts;
    expect(scanReasonText('frame 2: came where frame 1: was due', 'hu')).toEqual({ text: 'frame 2: came where frame 1: was due', translated: false });
  });
});
