import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CATALOG } from '../../src/errors.js';
import { importDtcCodes, seedDtcCodes } from '../../src/importers/index.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { fixtureDirectory } from '../helpers/nhtsa-fixtures.js';
import { projectRoot } from '../helpers/process.js';

interface Item {
  code: string;
  make: string | null;
  system: string;
  description_en: string;
  description_hu: string | null;
}
interface Page {
  items: Item[];
  total: number;
  limit: number;
  offset: number;
}

interface SeedCode {
  code: string;
  make?: string;
  description_en: string;
  description_hu: string | null;
  symptoms_hu: string[];
  possible_causes_hu: string[];
}
const readSeed = (file: string): SeedCode[] => JSON.parse(readFileSync(path.join(projectRoot, 'seed', file), 'utf8')) as SeedCode[];
/** Every bundled row: the generic codes, then the manufacturer-specific ones (one row per make). */
const seedCodes = [...readSeed('dtc-generic.json'), ...readSeed('dtc-manufacturer.json')];
const seedCount = (letter: string): number => seedCodes.filter((entry) => entry.code.startsWith(letter)).length;
/** Codes, not rows: a code several makes define counts once. */
const seedCodeCount = (letter: string): number => new Set(seedCodes.filter((entry) => entry.code.startsWith(letter)).map((entry) => entry.code)).size;
const seeded = (code: string, make?: string): SeedCode | undefined => seedCodes.find((entry) => entry.code === code && entry.make === make);

/** Codes whose descriptions hold LIKE wildcards and a code mentioned in text. */
const extraCodes = [
  { code: 'P1A01', description_en: 'Fuel trim at 100% rich', severity: 'low' },
  { code: 'P1A02', description_en: 'Fuel trim at 1000 rich', severity: 'low' },
  { code: 'P1A03', description_en: 'Sensor_B circuit', severity: 'low' },
  { code: 'P1A04', description_en: 'SensorXB circuit', severity: 'low' },
  { code: 'B1A05', description_en: 'Body module reports P0301 after a crash', description_hu: 'Karosszéria-modul' },
  // Test fixtures, not real meanings: a second make for the bundled Ford P1131, and a make's own meaning beside P1A01's generic one.
  { code: 'P1131', make: 'toyota', description_en: 'Fixture meaning of P1131 on a Toyota', description_hu: 'Teszt: a P1131 jelentése Toyotán' },
  { code: 'P1A01', make: 'FORD', description_en: 'Fixture Ford meaning of P1A01', severity: 'high' },
];
const extraRows = (letter: string): number => extraCodes.filter((entry) => entry.code.startsWith(letter)).length;
const extraCodeCount = (letter: string): number => new Set(extraCodes.filter((entry) => entry.code.startsWith(letter) && !seedCodes.some((seed) => seed.code === entry.code)).map((entry) => entry.code)).size;

describe('DTC routes: /api/v1/dtc', () => {
  let testApp: TestApp;
  let directory: string;

  beforeAll(async () => {
    testApp = await startTestApp();
    directory = fixtureDirectory();
    await seedDtcCodes(testApp.runtime.database);
    const file = path.join(directory, 'extra.jsonl');
    writeFileSync(file, extraCodes.map((entry) => JSON.stringify(entry)).join('\n'));
    await importDtcCodes(testApp.runtime.database, file);
  });
  afterAll(async () => {
    await testApp.close();
    rmSync(directory, { recursive: true, force: true });
  });

  const search = async (query: string): Promise<Page> => {
    const response = await testApp.app.inject({ method: 'GET', url: `/api/v1/dtc/search?${query}` });
    expect(response.statusCode).toBe(200);
    return response.json<Page>();
  };

  describe('search', () => {
    it('lists code-prefix matches first, then description matches', async () => {
      const page = await search('q=P0301');
      expect(page.items.map((item) => item.code)).toEqual(['P0301', 'B1A05']);
      expect(page.total).toBe(2);
    });

    it('matches a code prefix case-insensitively, in code order', async () => {
      const page = await search('q=p030&limit=100');
      const codes = page.items.map((item) => item.code);
      // B1A05 mentions P0301 in its description: a text match, so after every prefix match.
      expect(codes.at(-1)).toBe('B1A05');
      const prefixMatches = codes.slice(0, -1);
      expect(prefixMatches.length).toBeGreaterThan(3);
      expect(prefixMatches.filter((code) => !code.startsWith('P030'))).toEqual([]);
      expect(prefixMatches).toEqual([...prefixMatches].sort());
    });

    it('matches English and Hungarian descriptions, ignoring case and accents, every word', async () => {
      const english = await search('q=AIRBAG%20driver&limit=100');
      // Exactly the bundled codes whose descriptions hold both words, in code order.
      const expected = seedCodes
        .filter((entry) => ['airbag', 'driver'].every((word) => `${entry.description_en} ${entry.description_hu ?? ''}`.toLowerCase().includes(word)))
        .map((entry) => entry.code)
        .sort();
      expect(expected.length).toBeGreaterThan(1);
      expect(english.items.map((item) => item.code)).toEqual(expected);
      expect(english.total).toBe(expected.length);
      const hungarian = await search(`q=${encodeURIComponent('légzsák')}&limit=100`);
      expect(hungarian.items.map((item) => item.code)).toContain('B0001');
      const withoutAccents = await search('q=LEGZSAK&limit=100');
      expect(withoutAccents.items.map((item) => item.code)).toEqual(hungarian.items.map((item) => item.code));
      expect(withoutAccents.total).toBe(hungarian.total);
    });

    it('treats % and _ in the query as plain characters', async () => {
      expect((await search(`q=${encodeURIComponent('100%')}`)).items.map((item) => item.code)).toEqual(['P1A01']);
      expect((await search(`q=${encodeURIComponent('sensor_b')}`)).items.map((item) => item.code)).toEqual(['P1A03']);
      expect((await search(`q=${encodeURIComponent('%')}`)).total).toBe(1);
      expect((await search(`q=${encodeURIComponent('_')}`)).total).toBe(1);
    });

    it('filters by system and pages through the results', async () => {
      const bodyCount = seedCount('B') + extraRows('B');
      const first = await search('system=body&limit=5');
      expect(first).toMatchObject({ total: bodyCount, limit: 5, offset: 0 });
      expect(first.items).toHaveLength(5);
      expect(first.items.every((item) => item.system === 'body')).toBe(true);
      const second = await search('system=body&limit=5&offset=5');
      expect(second.items.map((item) => item.code).filter((code) => first.items.some((item) => item.code === code))).toEqual([]);
      const last = await search(`system=body&limit=5&offset=${bodyCount - 1}`);
      expect(last.items).toHaveLength(1);
      const network = await search('system=network&limit=100');
      expect(network.total).toBe(seedCount('U'));
      expect(network.items.every((item) => item.code.startsWith('U'))).toBe(true);
    });

    it('defaults to 20 per page and refuses limits outside 1-100 and unknown systems', async () => {
      const page = await search('');
      expect(page).toMatchObject({ limit: 20, offset: 0, total: seedCodes.length + extraCodes.length });
      expect(page.items).toHaveLength(20);
      for (const query of ['limit=0', 'limit=101', 'offset=-1', 'system=engine', `q=${'x'.repeat(101)}`]) {
        const response = await testApp.app.inject({ method: 'GET', url: `/api/v1/dtc/search?${query}` });
        expect(response.statusCode, query).toBe(422);
        expect(response.json<{ error: { code: string } }>().error.code).toBe('validation_failed');
      }
    });
  });

  describe('lookup', () => {
    it('returns a known code with its decode and the related codes it knows', async () => {
      const response = await testApp.app.inject({ method: 'GET', url: '/api/v1/dtc/p0301' });
      expect(response.statusCode).toBe(200);
      const body = response.json<Item & { decoded: unknown; related: { code: string }[]; related_codes: string[]; severity: string }>();
      expect(body).toMatchObject({ code: 'P0301', system: 'powertrain', is_generic: true, severity: 'high' });
      expect(body.decoded).toEqual({ code: 'P0301', system: 'powertrain', is_generic: true, controlled_by: 'sae', subsystem: { group: 'P03', name: 'Ignition system or misfire' } });
      expect(body.related.map((related) => related.code)).toEqual(body.related_codes.filter((code) => seedCodes.some((entry) => entry.code === code)));
      // Everything the Hungarian page shows from the data comes in Hungarian too: the lists and the related codes' descriptions.
      const misfire = seeded('P0301');
      expect(body).toMatchObject({ make: null, variants: [], symptoms_hu: misfire?.symptoms_hu, possible_causes_hu: misfire?.possible_causes_hu });
      expect(body.related).toEqual(
        body.related.map((related) => {
          const entry = seeded(related.code);
          return { code: related.code, description_en: entry?.description_en, description_hu: entry?.description_hu };
        }),
      );
    });

    it('answers an unknown, well-formed code with 404 dtc_not_found and its structural decode', async () => {
      const response = await testApp.app.inject({ method: 'GET', url: '/api/v1/dtc/U1F2A' });
      expect(response.statusCode).toBe(404);
      expect(response.json()).toEqual({
        error: {
          code: 'dtc_not_found',
          message: ERROR_CATALOG.dtc_not_found.message,
          decoded: { code: 'U1F2A', system: 'network', is_generic: false, controlled_by: 'manufacturer', subsystem: { group: 'U1F', name: 'Manufacturer-defined' } },
        },
      });
    });

    it.each(['X0301', 'P030', 'P03011', 'P0G01', 'P%301'])('answers the malformed code %s with 422', async (code) => {
      const response = await testApp.app.inject({ method: 'GET', url: `/api/v1/dtc/${encodeURIComponent(code)}` });
      expect(response.statusCode).toBe(422);
      const body = response.json<{ error: { code: string; details: { field: string }[] } }>();
      expect(body.error.code).toBe('validation_failed');
      expect(body.error.details).toEqual([{ field: 'code', message: expect.stringMatching(/letter P, B, C or U/) as unknown, problem: 'dtc_code' }]);
    });
  });

  describe('manufacturer-specific meanings (make)', () => {
    interface Lookup extends Item {
      variants: { make: string | null; description_en: string; description_hu: string | null }[];
      related: { code: string; description_en: string }[];
    }
    const lookup = async (query: string): Promise<Lookup> => {
      const response = await testApp.app.inject({ method: 'GET', url: `/api/v1/dtc/${query}` });
      expect(response.statusCode, response.body).toBe(200);
      return response.json<Lookup>();
    };
    const fordP1131 = seeded('P1131', 'FORD');

    it('answers a Ford P1131 and a Toyota P1131 with each make’s own meaning, offering the other', async () => {
      expect(fordP1131).toBeDefined();
      const ford = await lookup('P1131?make=FORD');
      expect(ford).toMatchObject({ code: 'P1131', make: 'FORD', is_generic: false, description_en: fordP1131?.description_en, description_hu: fordP1131?.description_hu });
      expect(ford.variants).toEqual([{ make: 'TOYOTA', description_en: 'Fixture meaning of P1131 on a Toyota', description_hu: 'Teszt: a P1131 jelentése Toyotán' }]);
      const toyota = await lookup('p1131?make=%20toyota%20');
      expect(toyota).toMatchObject({ code: 'P1131', make: 'TOYOTA', description_en: 'Fixture meaning of P1131 on a Toyota' });
      expect(toyota.variants).toEqual([{ make: 'FORD', description_en: fordP1131?.description_en, description_hu: fordP1131?.description_hu }]);
      expect(toyota.description_en).not.toBe(ford.description_en);
      // Related codes are read for the same make: Ford's P1151, not another make's.
      expect(ford.related.find((related) => related.code === 'P1151')?.description_en).toBe(seeded('P1151', 'FORD')?.description_en);
    });

    it('without a make, or for a make with no meaning of its own, answers a code only makes define with the alphabetically first make', async () => {
      for (const query of ['P1131', 'P1131?make=SUZUKI']) {
        const body = await lookup(query);
        expect(body, query).toMatchObject({ make: 'FORD', description_en: fordP1131?.description_en });
        expect(body.variants.map((variant) => variant.make)).toEqual(['TOYOTA']);
      }
    });

    it('falls back to the meaning for every make when the make has none of its own', async () => {
      const generic = await lookup('P1A01?make=TOYOTA');
      expect(generic).toMatchObject({ make: null, description_en: 'Fuel trim at 100% rich', severity: 'low' });
      expect(generic.variants).toEqual([{ make: 'FORD', description_en: 'Fixture Ford meaning of P1A01', description_hu: null }]);
      expect(await lookup('P1A01')).toMatchObject({ make: null, description_en: 'Fuel trim at 100% rich' });
      const ford = await lookup('P1A01?make=ford');
      expect(ford).toMatchObject({ make: 'FORD', description_en: 'Fixture Ford meaning of P1A01', severity: 'high' });
      expect(ford.variants).toEqual([{ make: null, description_en: 'Fuel trim at 100% rich', description_hu: null }]);
      expect(await lookup('P0301?make=FORD')).toMatchObject({ make: null, is_generic: true, variants: [] });
    });

    it('searches every make’s meanings, or with make only the generic ones and that make’s', async () => {
      const codesOf = (page: Page) => page.items.map((item) => `${item.code}/${item.make ?? ''}`);
      expect(codesOf(await search('q=P1131'))).toEqual(['P1131/FORD', 'P1131/TOYOTA']);
      expect(codesOf(await search('q=P1131&make=ford'))).toEqual(['P1131/FORD']);
      expect(codesOf(await search('q=P1131&make=TOYOTA'))).toEqual(['P1131/TOYOTA']);
      expect(codesOf(await search('q=P1A01'))).toEqual(['P1A01/', 'P1A01/FORD']);
      expect(codesOf(await search('q=P1A01&make=TOYOTA'))).toEqual(['P1A01/']);
      const ford = await search('make=FORD&limit=100&system=powertrain&q=P1');
      expect(ford.items.every((item) => item.make === null || item.make === 'FORD')).toBe(true);
      expect(ford.items.filter((item) => item.make === 'FORD').length).toBe(seedCodes.filter((entry) => entry.make === 'FORD').length + 1);
      // Text search finds a make's meaning by its words, Hungarian too.
      expect(codesOf(await search(`q=${encodeURIComponent('Toyotán')}`))).toEqual(['P1131/TOYOTA']);
    });

    it('refuses a make longer than 32 characters with 422', async () => {
      for (const url of [`/api/v1/dtc/P1131?make=${'A'.repeat(33)}`, `/api/v1/dtc/search?make=${'A'.repeat(33)}`, '/api/v1/dtc/P1131?make=']) {
        const response = await testApp.app.inject({ method: 'GET', url });
        expect(response.statusCode, url).toBe(422);
      }
    });
  });

  it('lists the four systems with their code counts', async () => {
    const response = await testApp.app.inject({ method: 'GET', url: '/api/v1/dtc/systems' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      items: [
        { letter: 'P', system: 'powertrain', description: expect.any(String) as unknown, code_count: seedCodeCount('P') + extraCodeCount('P') },
        { letter: 'B', system: 'body', description: expect.any(String) as unknown, code_count: seedCodeCount('B') + extraCodeCount('B') },
        { letter: 'C', system: 'chassis', description: expect.any(String) as unknown, code_count: seedCodeCount('C') },
        { letter: 'U', system: 'network', description: expect.any(String) as unknown, code_count: seedCodeCount('U') },
      ],
    });
  });
});
