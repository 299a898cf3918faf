import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DtcCodesRepository } from '../../src/db/repositories/index.js';
import { startTestApp, type TestApp } from '../helpers/app.js';

/** An import does not bound a code's list of related codes: a long one is looked up in several queries, and whole. */
describe('a DTC lookup with many related codes', () => {
  let testApp: TestApp;
  const related = Array.from({ length: 120 }, (_, index) => `P2${String(800 + index)}`);

  beforeAll(async () => {
    testApp = await startTestApp();
    const now = new Date().toISOString();
    const entry = (code: string, relatedCodes: readonly string[] = []) => ({ code, description_en: `test code ${code}`, description_hu: null, severity: null, symptoms: [], possible_causes: [], related_codes: relatedCodes, sources: ['test'] });
    await new DtcCodesRepository(testApp.runtime.database.db).upsert([entry('P2799', related), ...related.map((code) => entry(code))], now);
  });
  afterAll(async () => {
    await testApp.close();
  });

  it('answers every related code the database knows, in the list’s order', async () => {
    const response = await testApp.app.inject({ method: 'GET', url: '/api/v1/dtc/P2799' });
    expect(response.statusCode).toBe(200);
    expect(response.json<{ related: { code: string }[] }>().related.map((entry) => entry.code)).toEqual(related);
  });
});
