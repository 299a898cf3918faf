// @backend-independent: pure rules
import { createReadStream, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SCAN_RULE_THRESHOLDS, SCAN_RULES } from '../../src/garage/scans/analysis.js';
import { analyzeScanFreezeFrames, parseScan, SCAN_FINDING_RULE_IDS, type Scan, type ScanFinding, type ScanFindingRuleId, type ScanValue } from '../../src/garage/scans/index.js';
import { projectRoot } from '../helpers/process.js';

const folder = path.resolve(import.meta.dirname, '../fixtures/scans/analysis');
const load = (name: string): Promise<Scan> => parseScan('json', createReadStream(path.join(folder, name)));

const pct = (value: number): ScanValue => ({ value, unit: '%' });
const rpm = (value: number): ScanValue => ({ value, unit: 'rpm' });
const degC = (value: number): ScanValue => ({ value, unit: '°C' });
const kmh = (value: number): ScanValue => ({ value, unit: 'km/h' });
const kPa = (value: number): ScanValue => ({ value, unit: 'kPa' });
const gs = (value: number): ScanValue => ({ value, unit: 'g/s' });
const volt = (value: number): ScanValue => ({ value, unit: 'V' });

/** What each rule's fixture `<rule>.json` must give: that rule's findings, exactly. */
const EXPECTED: Readonly<Record<ScanFindingRuleId, readonly ScanFinding[]>> = {
  lean_at_idle: [{ rule: 'lean_at_idle', code: 'P0171', severity: 'warning', evidence: { ltft_bank1: pct(8.6), stft_bank1: pct(3.1), engine_rpm: rpm(780), engine_load: pct(24) } }],
  lean_under_load: [{ rule: 'lean_under_load', code: 'P0174', severity: 'warning', evidence: { ltft_bank2: pct(9.4), stft_bank2: pct(4.7), engine_rpm: rpm(2600), engine_load: pct(68) } }],
  lean_trims: [{ rule: 'lean_trims', code: 'P0171', severity: 'warning', evidence: { ltft_bank1: pct(14.8), engine_rpm: rpm(1500), engine_load: pct(35) } }],
  lean_both_banks: [{ rule: 'lean_both_banks', code: null, severity: 'info', evidence: { ltft_bank1: pct(12.5), stft_bank1: pct(1.6), ltft_bank2: pct(11.7) } }],
  rich_trims: [{ rule: 'rich_trims', code: 'P0172', severity: 'warning', evidence: { ltft_bank1: pct(-13.3), stft_bank1: pct(-2.3), engine_rpm: rpm(820), engine_load: pct(21) } }],
  lean_misfire: [{ rule: 'lean_misfire', code: 'P0300', severity: 'warning', evidence: { ltft_bank1: pct(11.7), stft_bank1: pct(2.3) } }],
  misfire_at_idle: [{ rule: 'misfire_at_idle', code: 'P0302', severity: 'warning', evidence: { engine_rpm: rpm(690), engine_load: pct(19), vehicle_speed: kmh(0) } }],
  misfire_under_load: [{ rule: 'misfire_under_load', code: 'P0304', severity: 'critical', evidence: { engine_rpm: rpm(2900), engine_load: pct(78), vehicle_speed: kmh(92) } }],
  catalyst_fix_fueling_first: [{ rule: 'catalyst_fix_fueling_first', code: 'P0420', severity: 'warning', evidence: { ltft_bank1: pct(-14.1), stft_bank1: pct(1.6) } }],
  maf_reading_low: [{ rule: 'maf_reading_low', code: 'P0101', severity: 'warning', evidence: { maf: gs(1.2), engine_rpm: rpm(2500), intake_map: kPa(55), engine_load: pct(18) } }],
  maf_reading_high: [{ rule: 'maf_reading_high', code: 'P0103', severity: 'warning', evidence: { maf: gs(60), engine_rpm: rpm(800), intake_map: kPa(35) } }],
  // The fixture gives the coolant in °F (150.8 °F): the rule reads canonical °C.
  thermostat_stuck_open: [{ rule: 'thermostat_stuck_open', code: 'P0128', severity: 'info', evidence: { coolant_temp: degC(66), run_time: { value: 1260, unit: 's' }, ambient_air_temp: degC(4) } }],
  overheating: [{ rule: 'overheating', code: 'P0217', severity: 'critical', evidence: { coolant_temp: degC(118), engine_rpm: rpm(900), vehicle_speed: kmh(0) } }],
  temp_sensor_open_circuit: [{ rule: 'temp_sensor_open_circuit', code: 'P0113', severity: 'warning', evidence: { intake_air_temp: degC(-40), ambient_air_temp: degC(12) } }],
  idle_rpm_high: [{ rule: 'idle_rpm_high', code: 'P0507', severity: 'info', evidence: { engine_rpm: rpm(1350), coolant_temp: degC(91), vehicle_speed: kmh(0) } }],
  idle_rpm_low: [{ rule: 'idle_rpm_low', code: 'P0506', severity: 'info', evidence: { engine_rpm: rpm(520), vehicle_speed: kmh(0), engine_load: pct(38) } }],
  low_voltage_many_codes: [{ rule: 'low_voltage_many_codes', code: null, severity: 'warning', evidence: { module_voltage: volt(10.9) } }],
  charging_voltage_high: [{ rule: 'charging_voltage_high', code: 'P0563', severity: 'warning', evidence: { module_voltage: volt(15.8), engine_rpm: rpm(1800) } }],
};

const ofRule = (findings: readonly ScanFinding[], rule: string): ScanFinding[] => findings.filter((finding) => finding.rule === rule);

/** A scan of one freeze frame. */
const frameScan = (code: string | null, values: Record<string, ScanValue>, codes: readonly string[] = code === null ? [] : [code]): Scan => ({
  codes: codes.map((entry) => ({ code: entry, status: 'stored' as const })),
  freezeFrames: [{ code, values }],
  series: {},
  unknownColumns: [],
});
const rulesOf = (scan: Scan): string[] => analyzeScanFreezeFrames(scan).map((finding) => finding.rule);

describe('freeze-frame rules', () => {
  it('has at least ten rules, each with a unique id, listed in the order they run', () => {
    expect(SCAN_FINDING_RULE_IDS.length).toBeGreaterThanOrEqual(10);
    expect(new Set(SCAN_FINDING_RULE_IDS).size).toBe(SCAN_FINDING_RULE_IDS.length);
    expect(SCAN_RULES.map((rule) => rule.id)).toEqual([...SCAN_FINDING_RULE_IDS]);
    for (const id of SCAN_FINDING_RULE_IDS) expect(id).toMatch(/^[a-z0-9]+(_[a-z0-9]+)*$/);
  });

  it('has a fixture and a negative fixture for every rule, and no fixture without a rule', () => {
    const files = readdirSync(folder).filter((name) => name.endsWith('.json')).sort();
    expect(files).toEqual(SCAN_FINDING_RULE_IDS.flatMap((id) => [`${id}.json`, `${id}.negative.json`]).sort());
  });

  describe.each(SCAN_FINDING_RULE_IDS)('%s', (id) => {
    it('finds it in its fixture scan', async () => {
      const findings = analyzeScanFreezeFrames(await load(`${id}.json`));
      expect(ofRule(findings, id)).toEqual(EXPECTED[id]);
    });

    it('finds nothing when the values are just inside its threshold', async () => {
      const findings = analyzeScanFreezeFrames(await load(`${id}.negative.json`));
      expect(ofRule(findings, id)).toEqual([]);
    });
  });

  it('finds nothing in a scan without freeze frames, or in a healthy warm idle', () => {
    expect(analyzeScanFreezeFrames({ codes: [{ code: 'P0171', status: 'stored' }], freezeFrames: [], series: {}, unknownColumns: [] })).toEqual([]);
    const healthy = { ltft_bank1: pct(2.3), stft_bank1: pct(-1.6), engine_rpm: rpm(760), engine_load: pct(22), coolant_temp: degC(90), module_voltage: volt(14.1), maf: gs(2.9), intake_map: kPa(33) };
    for (const code of ['P0171', 'P0172', 'P0174', 'P0420', 'P0101', 'P0128', 'P0507', 'P0506', null]) expect(rulesOf(frameScan(code, healthy))).toEqual([]);
  });

  it('splits a lean code by where it was set: idle, raised RPM or load, or in between', () => {
    const lean = { ltft_bank1: pct(12), stft_bank1: pct(1) };
    expect(rulesOf(frameScan('P0171', { ...lean, engine_rpm: rpm(1100), engine_load: pct(40) }))).toEqual(['lean_at_idle']);
    expect(rulesOf(frameScan('P0171', { ...lean, engine_rpm: rpm(1101), engine_load: pct(30) }))).toEqual(['lean_trims']);
    expect(rulesOf(frameScan('P0171', { ...lean, engine_rpm: rpm(900), engine_load: pct(40.5) }))).toEqual(['lean_trims']);
    expect(rulesOf(frameScan('P0171', { ...lean, engine_rpm: rpm(2000), engine_load: pct(30) }))).toEqual(['lean_under_load']);
    expect(rulesOf(frameScan('P0171', { ...lean, engine_rpm: rpm(1500), engine_load: pct(50) }))).toEqual(['lean_under_load']);
    // Without RPM or load the operating point is unknown.
    expect(rulesOf(frameScan('P0171', lean))).toEqual(['lean_trims']);
    // P0171 reads bank 1, P0174 bank 2: a lean bank 2 with P0171 says nothing.
    expect(rulesOf(frameScan('P0171', { ltft_bank2: pct(15), engine_rpm: rpm(800) }))).toEqual([]);
    expect(rulesOf(frameScan('P0174', { ltft_bank2: pct(15), engine_rpm: rpm(800), engine_load: pct(20) }))).toEqual(['lean_at_idle']);
    // STFT alone is a moment's correction: without LTFT there is no trim finding.
    expect(rulesOf(frameScan('P0171', { stft_bank1: pct(25), engine_rpm: rpm(800) }))).toEqual([]);
  });

  it('reads a frame only for the codes of its rule', () => {
    expect(rulesOf(frameScan('P0172', { ltft_bank1: pct(15), engine_rpm: rpm(800) }))).toEqual([]);
    expect(rulesOf(frameScan(null, { ltft_bank1: pct(15), engine_rpm: rpm(800) }))).toEqual([]);
    expect(rulesOf(frameScan('P0313', { engine_rpm: rpm(700), engine_load: pct(15) }))).toEqual([]);
    expect(rulesOf(frameScan('P0312', { engine_rpm: rpm(700), engine_load: pct(15) }))).toEqual(['misfire_at_idle']);
    expect(rulesOf(frameScan('P0301', { ltft_bank1: pct(15), engine_rpm: rpm(3000), engine_load: pct(45) }))).toEqual([]);
    // A rule on any frame reads a frame without a code too.
    expect(rulesOf(frameScan(null, { coolant_temp: degC(121) }))).toEqual(['overheating']);
  });

  it('keeps the thermostat rule to a warmed-up engine and the idle rules to a standing, warm car', () => {
    expect(rulesOf(frameScan('P0128', { coolant_temp: degC(55), run_time: { value: 299, unit: 's' } }))).toEqual([]);
    expect(rulesOf(frameScan('P0128', { coolant_temp: degC(55), run_time: { value: 300, unit: 's' } }))).toEqual(['thermostat_stuck_open']);
    expect(rulesOf(frameScan('P0128', { coolant_temp: degC(69) }))).toEqual(['thermostat_stuck_open']);
    expect(rulesOf(frameScan('P0507', { engine_rpm: rpm(1400), coolant_temp: degC(69) }))).toEqual([]);
    expect(rulesOf(frameScan('P0507', { engine_rpm: rpm(1400), vehicle_speed: kmh(3) }))).toEqual([]);
    expect(rulesOf(frameScan('P0507', { engine_rpm: rpm(1400), vehicle_speed: kmh(2) }))).toEqual(['idle_rpm_high']);
    expect(rulesOf(frameScan('P0506', { engine_rpm: rpm(450), vehicle_speed: kmh(30) }))).toEqual([]);
  });

  it('judges the MAF against what the engine breathes at its RPM and MAP, and assumes the widest MAP without one', () => {
    // At 800 RPM and 30 kPa the bounds are 0.72 and 16.8 g/s.
    expect(rulesOf(frameScan('P0101', { maf: gs(0.7), engine_rpm: rpm(800), intake_map: kPa(30) }))).toEqual(['maf_reading_low']);
    expect(rulesOf(frameScan('P0101', { maf: gs(0.8), engine_rpm: rpm(800), intake_map: kPa(30) }))).toEqual([]);
    expect(rulesOf(frameScan('P0101', { maf: gs(16.9), engine_rpm: rpm(800), intake_map: kPa(30) }))).toEqual(['maf_reading_high']);
    // Without MAP: low below 0.6 g/s per 1000 RPM, high above 175.
    expect(rulesOf(frameScan('P0102', { maf: gs(0.4), engine_rpm: rpm(800) }))).toEqual(['maf_reading_low']);
    expect(rulesOf(frameScan('P0102', { maf: gs(0.5), engine_rpm: rpm(800) }))).toEqual([]);
    expect(rulesOf(frameScan('P0103', { maf: gs(141), engine_rpm: rpm(800) }))).toEqual(['maf_reading_high']);
    // An engine that is not running says nothing about the MAF.
    expect(rulesOf(frameScan('P0101', { maf: gs(0), engine_rpm: rpm(499) }))).toEqual([]);
    expect(SCAN_RULE_THRESHOLDS.runningMinRpm).toBe(500);
  });

  it('asks for network codes or many codes before blaming low voltage, and reads the lowest voltage of the scan', () => {
    const codes = ['P0171', 'P0300', 'P0420', 'P0128'];
    expect(rulesOf(frameScan('P0128', { module_voltage: volt(11) }, codes))).toEqual([]);
    expect(rulesOf(frameScan('P0128', { module_voltage: volt(11) }, [...codes, 'P0562']))).toEqual(['low_voltage_many_codes']);
    expect(rulesOf(frameScan(null, { module_voltage: volt(11.4) }, ['U0140']))).toEqual(['low_voltage_many_codes']);
    const scan: Scan = {
      codes: [{ code: 'U0100', status: 'stored' }],
      freezeFrames: [
        { code: null, values: { module_voltage: volt(12.4) } },
        { code: null, values: { module_voltage: volt(11.2) } },
      ],
      series: {},
      unknownColumns: [],
    };
    expect(analyzeScanFreezeFrames(scan)).toEqual([{ rule: 'low_voltage_many_codes', code: null, severity: 'warning', evidence: { module_voltage: volt(11.2) } }]);
    expect(rulesOf(frameScan(null, { module_voltage: volt(16), engine_rpm: rpm(0) }))).toEqual([]);
  });

  it('gives findings in rule order, then in the order of the frames', () => {
    const scan: Scan = {
      codes: ['P0300', 'P0171', 'P0174', 'P0420'].map((code) => ({ code, status: 'stored' as const })),
      freezeFrames: [
        { code: 'P0420', values: { ltft_bank1: pct(18), coolant_temp: degC(115) } },
        { code: 'P0174', values: { ltft_bank2: pct(16), engine_rpm: rpm(3000), engine_load: pct(70) } },
        { code: 'P0171', values: { ltft_bank1: pct(18), engine_rpm: rpm(800), engine_load: pct(20) } },
        { code: 'P0300', ecu: '7E8', values: { ltft_bank1: pct(18), engine_rpm: rpm(800), engine_load: pct(20) } },
        { code: 'P0171', ecu: '7E9', values: { ltft_bank1: pct(11), engine_rpm: rpm(820), engine_load: pct(20) } },
      ],
      series: {},
      unknownColumns: [],
    };
    const findings = analyzeScanFreezeFrames(scan);
    expect(findings.map((finding) => `${finding.rule}:${finding.code ?? '-'}`)).toEqual([
      'lean_at_idle:P0171',
      'lean_at_idle:P0171',
      'lean_under_load:P0174',
      'lean_both_banks:-',
      'lean_misfire:P0300',
      'misfire_at_idle:P0300',
      'catalyst_fix_fueling_first:P0420',
      'overheating:P0420',
    ]);
    expect(findings[1]?.evidence.ltft_bank1).toEqual(pct(11));
    expect(analyzeScanFreezeFrames(scan)).toEqual(findings);
  });

  it('reads only a frame\'s own values: a PID named like an Object property is no value', () => {
    expect(rulesOf(frameScan('P0171', Object.assign(Object.create({ ltft_bank1: pct(30) }) as Record<string, ScanValue>, { engine_rpm: rpm(800) })))).toEqual([]);
  });
});

describe('docs/API.md "Freeze-frame rules"', () => {
  it('lists every rule, in order, and no other', () => {
    const docs = readFileSync(path.join(projectRoot, 'docs/API.md'), 'utf8');
    const start = docs.indexOf('#### Freeze-frame rules');
    expect(start).toBeGreaterThan(docs.indexOf('### Scan formats'));
    const section = docs.slice(start, docs.indexOf('\n###', start + 1));
    const documented = [...section.matchAll(/^\| `([a-z0-9_]+)` \|/gm)].map((match) => match[1]);
    expect(documented).toEqual([...SCAN_FINDING_RULE_IDS]);
  });
});

describe('the web texts of the rules', () => {
  it('word every rule in Hungarian and English, and no rule that does not exist', async () => {
    const file = path.join(projectRoot, 'web/src/i18n/scanFindingTexts.ts');
    const module = (await import(pathToFileURL(file).href)) as { SCAN_FINDING_TEXTS: Record<string, Record<string, { title: string; explanation: string }>> };
    const texts = module.SCAN_FINDING_TEXTS;
    expect(Object.keys(texts).sort()).toEqual(['en', 'hu']);
    for (const language of ['en', 'hu']) {
      const byRule = texts[language] ?? {};
      expect(Object.keys(byRule).sort()).toEqual([...SCAN_FINDING_RULE_IDS].sort());
      for (const id of SCAN_FINDING_RULE_IDS) {
        expect(byRule[id]?.title.trim().length, `${language} ${id}`).toBeGreaterThan(3);
        expect(byRule[id]?.explanation.trim().length, `${language} ${id}`).toBeGreaterThan(20);
      }
    }
  });

  it('keep English out of the Hungarian texts', async () => {
    const file = path.join(projectRoot, 'web/src/i18n/scanFindingTexts.ts');
    const module = (await import(pathToFileURL(file).href)) as { SCAN_FINDING_TEXTS: Record<string, Record<string, { title: string; explanation: string }>> };
    const english = new Set(
      Object.values(module.SCAN_FINDING_TEXTS.en ?? {})
        .flatMap((text) => `${text.title} ${text.explanation}`.toLowerCase().match(/[a-z]{4,}/g) ?? [])
        .filter((word) => !/^(lambda)$/.test(word)),
    );
    for (const [id, text] of Object.entries(module.SCAN_FINDING_TEXTS.hu ?? {})) {
      const words = `${text.title} ${text.explanation}`.toLowerCase().match(/[a-záéíóöőúüű]+/g) ?? [];
      expect(words.filter((word) => english.has(word)), id).toEqual([]);
    }
  });
});
