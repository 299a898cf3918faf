import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DtcCodesRepository } from '../../src/db/repositories/index.js';
import { startTestApp, type TestApp } from '../helpers/app.js';

/**
 * The DTC lookup keeps its answers while the codes' revision stays the same.
 * Every write is made by a second app on its own database connection (as an
 * import beside the server would): the first app must answer the new data at once.
 */
describe('the DTC lookup’s kept answers', () => {
  let server: TestApp;
  let writer: TestApp;
  let codes: DtcCodesRepository;
  const entry = (code: string, description: string, relatedCodes: readonly string[] = []) => ({
    code,
    description_en: description,
    description_hu: null,
    severity: null,
    symptoms: [],
    possible_causes: [],
    related_codes: relatedCodes,
    sources: ['test'],
  });

  const lookup = async (url: string) => {
    const response = await server.app.inject({ method: 'GET', url });
    return { status: response.statusCode, type: response.headers['content-type'], body: response.body };
  };
  const descriptionOf = async (url: string) => (JSON.parse((await lookup(url)).body) as { description_en?: string }).description_en;

  beforeAll(async () => {
    server = await startTestApp();
    writer = await startTestApp({ shareWith: server });
    codes = new DtcCodesRepository(writer.runtime.database.db);
    await codes.upsert([entry('P2701', 'first meaning', ['P2702']), entry('P2702', 'related meaning')], new Date().toISOString());
  });
  afterAll(async () => {
    await writer.close();
    await server.close();
  });

  it('answers the same bytes from its cache as computed', async () => {
    const first = await lookup('/api/v1/dtc/P2701');
    const second = await lookup('/api/v1/dtc/p2701');
    expect(first.status).toBe(200);
    expect(first.type).toBe('application/json; charset=utf-8');
    expect(second).toEqual(first);
    expect(JSON.parse(first.body)).toMatchObject({ code: 'P2701', description_en: 'first meaning', related: [{ code: 'P2702', description_en: 'related meaning' }] });
  });

  it('answers an import’s change made by another connection at once', async () => {
    expect(await descriptionOf('/api/v1/dtc/P2701')).toBe('first meaning');
    await codes.upsert([entry('P2701', 'second meaning', ['P2702'])], new Date().toISOString());
    expect(await descriptionOf('/api/v1/dtc/P2701')).toBe('second meaning');
  });

  it('sees a related code’s change, an update in plain SQL and a delete', async () => {
    await lookup('/api/v1/dtc/P2701');
    await codes.upsert([entry('P2702', 'related, changed')], new Date().toISOString());
    expect(JSON.parse((await lookup('/api/v1/dtc/P2701')).body)).toMatchObject({ related: [{ code: 'P2702', description_en: 'related, changed' }] });
    await sql`update dtc_codes set description_en = 'changed in SQL' where code = 'P2701'`.execute(writer.runtime.database.db);
    expect(await descriptionOf('/api/v1/dtc/P2701')).toBe('changed in SQL');
    await sql`delete from dtc_codes where code = 'P2701'`.execute(writer.runtime.database.db);
    expect((await lookup('/api/v1/dtc/P2701')).status).toBe(404);
  });

  it('keeps an answer per make', async () => {
    await codes.upsert([entry('P2703', 'for every make'), { ...entry('P2703', 'for FORD'), make: 'FORD' }], new Date().toISOString());
    expect(await descriptionOf('/api/v1/dtc/P2703')).toBe('for every make');
    expect(await descriptionOf('/api/v1/dtc/P2703?make=ford')).toBe('for FORD');
    expect(await descriptionOf('/api/v1/dtc/P2703?make=FORD')).toBe('for FORD');
    expect(await descriptionOf('/api/v1/dtc/P2703')).toBe('for every make');
  });

  it('keeps nothing when the revision row is gone, and still answers every change', async () => {
    await codes.upsert([entry('P2704', 'before')], new Date().toISOString());
    await sql`delete from dtc_codes_revision`.execute(writer.runtime.database.db);
    expect(await descriptionOf('/api/v1/dtc/P2704')).toBe('before');
    await codes.upsert([entry('P2704', 'after')], new Date().toISOString());
    expect(await descriptionOf('/api/v1/dtc/P2704')).toBe('after');
  });
});
