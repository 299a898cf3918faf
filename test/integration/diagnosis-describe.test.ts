import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DtcCodesRepository } from '../../src/db/repositories/index.js';
import type { DescribeResult } from '../../src/diagnostics/describe/index.js';
import { syncDiagnosisIndex } from '../../src/diagnostics/describe/index.js';
import { importComplaints, importDtcCodes, seedDtcCodes } from '../../src/importers/index.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { request } from '../helpers/auth-client.js';
import { complaintLine, fixtureDirectory, writeLines } from '../helpers/nhtsa-fixtures.js';
import { writeFileSync } from 'node:fs';

const MISFIRE_CODES = ['P0300', 'P0301', 'P0302', 'P0303', 'P0304', 'P0305', 'P0306', 'P0307', 'P0308'];

describe('POST /api/v1/diagnosis/describe', () => {
  let testApp: TestApp;
  let directory: string;

  beforeAll(async () => {
    testApp = await startTestApp();
    directory = fixtureDirectory();
    await seedDtcCodes(testApp.runtime.database);
    await importComplaints(
      testApp.runtime.database,
      writeLines(path.join(directory, 'FLAT_CMPL.txt'), [
        complaintLine({ CMPLID: '5001', ODINO: '15000001', MAKETXT: 'OPEL', MODELTXT: 'ASTRA', YEARTXT: '2012', COMPDESC: 'ENGINE', LDATE: '20230201', CDESCR: 'THE ENGINE MISFIRES AND SHAKES AT IDLE. CHECK ENGINE LIGHT FLASHING.' }),
        complaintLine({ CMPLID: '5002', ODINO: '15000002', MAKETXT: 'OPEL', MODELTXT: 'ASTRA', YEARTXT: '2012', COMPDESC: 'SERVICE BRAKES', LDATE: '20230301', CDESCR: 'BRAKE PEDAL WENT TO THE FLOOR.' }),
        complaintLine({ CMPLID: '5003', ODINO: '15000003', MAKETXT: 'OPEL', MODELTXT: 'CORSA', YEARTXT: '2012', COMPDESC: 'ENGINE', LDATE: '20230301', CDESCR: 'ENGINE MISFIRE ON THE HIGHWAY.' }),
      ]),
    );
  });
  afterAll(async () => {
    await testApp.close();
    rmSync(directory, { recursive: true, force: true });
  });

  const describeText = async (payload: Record<string, unknown>): Promise<DescribeResult> => {
    const response = await request(testApp.app, { method: 'POST', url: '/api/v1/diagnosis/describe', payload });
    expect(response.statusCode, response.body).toBe(200);
    return response.json<DescribeResult>();
  };
  const topKeys = (result: DescribeResult, count = 5): string[] => result.candidates.slice(0, count).map((candidate) => candidate.code ?? candidate.component ?? '');

  it('reads a Hungarian sentence: recognises the symptom, ranks misfire codes in the top five and says why, in Hungarian', async () => {
    const result = await describeText({ text: 'rángat a motor alapjáraton, villog a motorhiba-lámpa' });
    expect(result.language).toBe('hu');
    expect(result.understood.symptoms.find((symptom) => symptom.id === 'misfire')?.matched).toContain('rángat');
    const misfire = result.candidates.slice(0, 5).find((candidate) => candidate.code !== null && MISFIRE_CODES.includes(candidate.code));
    expect(misfire, JSON.stringify(topKeys(result))).toBeDefined();
    expect(misfire?.reasons.symptoms.map((symptom) => symptom.id)).toContain('misfire');
    expect(misfire?.checks.length).toBeGreaterThan(0);
    const stored = await new DtcCodesRepository(testApp.runtime.database.db).find(misfire?.code ?? '');
    expect(misfire?.title).toBe(stored?.description_hu);
    expect(misfire?.causes).toEqual(stored?.possible_causes_hu.slice(0, 4));
    // Highest first, except that the first five hold at most two components (the rest wait right behind them).
    const firstFive = result.candidates.slice(0, 5);
    expect(firstFive.filter((candidate) => candidate.kind === 'component').length).toBeLessThanOrEqual(2);
    for (const part of [firstFive, result.candidates.slice(5)]) expect(part.map((candidate) => candidate.score)).toEqual(part.map((candidate) => candidate.score).sort((a, b) => b - a));
  });

  it('reads English the same way and answers in English', async () => {
    const result = await describeText({ text: 'The engine misfires and shakes at idle' });
    expect(result.language).toBe('en');
    expect(result.understood.symptoms.map((symptom) => symptom.id)).toContain('misfire');
    const misfire = result.candidates.slice(0, 5).find((candidate) => candidate.code !== null && MISFIRE_CODES.includes(candidate.code));
    const stored = await new DtcCodesRepository(testApp.runtime.database.db).find(misfire?.code ?? '');
    expect(misfire?.title).toBe(stored?.description_en);
  });

  it('the request language breaks the tie and words the answer', async () => {
    const result = await describeText({ text: 'rángat a motor', language: 'en' });
    expect(result.language).toBe('en');
    expect(result.understood.symptoms.find((symptom) => symptom.id === 'misfire')?.label).toMatch(/misfire/i);
  });

  it('ignores accents and inflections: "rangatassal" reads as "rángat"', async () => {
    const accented = await describeText({ text: 'rángat a motor' });
    const plain = await describeText({ text: 'rangatassal indul a motor' });
    expect(plain.understood.symptoms.map((symptom) => symptom.id)).toEqual(expect.arrayContaining(accented.understood.symptoms.map((symptom) => symptom.id)));
  });

  it('corrects a typo against the vocabulary and finds what the corrected word finds', async () => {
    const result = await describeText({ text: 'lamdaszonda hiba' });
    expect(result.understood.corrections).toContainEqual({ from: 'lamdaszonda', to: 'lambdaszonda' });
    expect(result.candidates.slice(0, 5).some((candidate) => candidate.reasons.words.includes('lamdaszonda'))).toBe(true);
  });

  it('walks the graph: white smoke and coolant loss reach the head gasket through the cooling system, and codes no text of theirs connects to the words', async () => {
    const result = await describeText({ text: 'fehér füst a kipufogóból és fogy a hűtővíz' });
    const symptoms = result.understood.symptoms.map((symptom) => symptom.id);
    expect(symptoms).toEqual(expect.arrayContaining(['white_smoke', 'coolant_loss']));
    const gasket = result.candidates.find((candidate) => candidate.component === 'head_gasket');
    expect(gasket, JSON.stringify(topKeys(result))).toBeDefined();
    expect(gasket?.reasons.symptoms.map((symptom) => symptom.id)).toEqual(expect.arrayContaining(['white_smoke', 'coolant_loss']));
    expect([...(gasket?.reasons.symptoms ?? []), ...(gasket?.reasons.via ?? [])].map((node) => node.id)).toContain('cooling_system');
    expect(gasket?.checks.length).toBeGreaterThan(0);
    const coolantCode = result.candidates.find((candidate) => candidate.code === 'P2560' || candidate.code === 'P0217');
    expect(coolantCode, JSON.stringify(topKeys(result, 10))).toBeDefined();
    expect(coolantCode?.reasons.words).toEqual([]);
    expect(coolantCode?.reasons.symptoms.map((symptom) => symptom.id)).toContain('coolant_loss');
  });

  it('reads manufacturer-specific codes only for their make: "PATS" finds Ford P1260 with make FORD, and no make-specific code without a make', async () => {
    const ford = await describeText({ text: 'PATS indításgátló letiltotta a motort', make: 'ford' });
    expect(ford.candidates.find((candidate) => candidate.code === 'P1260')).toMatchObject({ make: 'FORD' });
    const toyota = await describeText({ text: 'PATS indításgátló letiltotta a motort', make: 'toyota' });
    expect(toyota.candidates.find((candidate) => candidate.code === 'P1260')).toBeUndefined();
    const anyMake = await describeText({ text: 'PATS indításgátló letiltotta a motort' });
    expect(anyMake.candidates.filter((candidate) => candidate.make !== null)).toEqual([]);
  });

  it('reads three warning lights at once as the dashboard lit up, and looks at the network they share', async () => {
    const result = await describeText({ text: 'Egyszerre ég az ABS lámpa, a légzsák lámpa és a motorhiba lámpa' });
    expect(result.understood.symptoms.map((symptom) => symptom.id)).toEqual(expect.arrayContaining(['abs_light', 'airbag_light', 'many_warning_lights']));
    expect(result.candidates.find((candidate) => candidate.component === 'can_bus')?.reasons.symptoms.map((symptom) => symptom.id)).toContain('many_warning_lights');
    const two = await describeText({ text: 'Ég az ABS lámpa és a légzsák lámpa' });
    expect(two.understood.symptoms.map((symptom) => symptom.id)).not.toContain('many_warning_lights');
  });

  it('is deterministic: the same request gets the same answer', async () => {
    const payload = { text: 'rángat a motor, fehér füst, fogy a hűtővíz' };
    expect(await describeText(payload)).toEqual(await describeText(payload));
  });

  it('ranks codes the driver read higher and marks them as given', async () => {
    const result = await describeText({ text: 'rángat a motor', codes: ['p0420'] });
    const given = result.candidates.find((candidate) => candidate.code === 'P0420');
    expect(given?.reasons.given).toBe(true);
    const without = await describeText({ text: 'rángat a motor' });
    expect(without.candidates.find((candidate) => candidate.code === 'P0420')?.score ?? 0).toBeLessThan(given?.score ?? 0);
  });

  it('for a vehicle, lists the complaints whose summary matches what was recognised (English full-text search), not the others', async () => {
    const result = await describeText({ text: 'rángat a motor', make: 'opel', model: 'astra', year: 2012 });
    expect(result.vehicle).toMatchObject({ make: 'OPEL', model: 'ASTRA', year: 2012 });
    expect(result.vehicle?.complaints.items.map((item) => item.cmplid)).toEqual([5001]);
    expect(result.vehicle?.complaints.total).toBe(1);
    expect(result.vehicle?.complaints.items[0]?.summary).toContain('MISFIRES');
  });

  it('refuses what it cannot read, naming the field', async () => {
    const cases: [Record<string, unknown>, string, string][] = [
      [{ text: 'x'.repeat(1001) }, 'text', 'too_long'],
      [{ text: '   ' }, 'text', 'pattern'],
      [{ text: 'ok text', language: 'de' }, 'language', 'not_allowed'],
      [{ text: 'rángat', make: 'opel', year: 2012 }, 'model', 'vehicle_incomplete'],
      [{ text: 'rángat', model: 'astra' }, 'make', 'vehicle_incomplete'],
      [{ text: 'rángat', codes: ['X123'] }, 'codes.0', 'pattern'],
    ];
    for (const [payload, field, problem] of cases) {
      const response = await request(testApp.app, { method: 'POST', url: '/api/v1/diagnosis/describe', payload });
      expect(response.statusCode, JSON.stringify(payload)).toBe(422);
      const details = response.json<{ error: { details: { field: string; problem: string }[] } }>().error.details;
      expect(details, JSON.stringify(payload)).toContainEqual(expect.objectContaining({ field, problem }));
    }
  });

  it('keeps the index in step with imports: a changed code text is found after the sync, by the new word only', async () => {
    const file = path.join(directory, 'codes.json');
    writeFileSync(file, JSON.stringify([{ code: 'P0420', description_en: 'Catalyst efficiency below threshold (bank 1)', symptoms: ['Zebrastripe smell from the exhaust'] }]));
    await importDtcCodes(testApp.runtime.database, file);
    expect(await syncDiagnosisIndex(testApp.runtime.database)).toMatchObject({ documentsWritten: 1, documentsRemoved: 0 });
    const result = await describeText({ text: 'zebrastripe' });
    expect(topKeys(result, 1)).toEqual(['P0420']);
    expect(result.candidates[0]?.reasons.words).toEqual(['zebrastripe']);
    expect(await syncDiagnosisIndex(testApp.runtime.database)).toEqual({ graphRebuilt: false, documentsWritten: 0, documentsRemoved: 0 });
  });
});
