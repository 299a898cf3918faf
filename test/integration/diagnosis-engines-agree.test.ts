// @backend-independent: opens the embedded file and PostgreSQL itself (testPostgresUrl) and compares their answers, on either run
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, migrateToLatest, type Database } from '../../src/db/index.js';
import { describeProblem, syncDiagnosisIndex, type DescribeResult } from '../../src/diagnostics/describe/index.js';
import { seedDtcCodes } from '../../src/importers/index.js';
import { uniqueId } from '../helpers/backends.js';
import { testPostgresUrl } from '../helpers/test-databases.js';

/** Everyday sentences across the common faults, Hungarian and English, with typos and without accents. */
const QUERIES = [
  'rángat a motor alapjáraton, villog a motorhiba-lámpa',
  'rangat a motor hidegen es kihagy egy henger',
  'fehér füst a kipufogóból és fogy a hűtővíz',
  'lamdaszonda hiba, sokat fogyaszt',
  'nem indul, csak kattog az önindító',
  'melegszik a motor, a ventilátor nem kapcsol be',
  'ég az ABS lámpa és a kilométeróra sem megy',
  'kipörög a váltó gyorsításkor',
  'légzsák lámpa világít',
  'DPF lámpa ég, nincs ereje a motornak',
  'engine misfires and shakes at idle',
  'white smoke from the exhaust and losing coolant',
  'check engine light, smells like rotten eggs',
  'car cranks but will not start',
  'battery light on and the headlights are dim',
  'transmission slipping and harsh shifts',
];

describe('both engines answer alike', () => {
  let embedded: Database;
  let postgres: Database;
  let directory: string;
  const schema = `test_${uniqueId()}`;

  beforeAll(async () => {
    directory = mkdtempSync(path.join(tmpdir(), 'autocognitix-agree-'));
    embedded = createDatabase({ sqliteFilePath: path.join(directory, 'agree.sqlite') });
    postgres = createDatabase({ databaseUrl: testPostgresUrl(), sqliteFilePath: '', schema });
    for (const database of [embedded, postgres]) {
      await migrateToLatest(database);
      await seedDtcCodes(database);
      await syncDiagnosisIndex(database);
    }
  });
  afterAll(async () => {
    await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(postgres.db);
    await Promise.all([embedded.close(), postgres.close()]);
    rmSync(directory, { recursive: true, force: true });
  });

  const understood = (result: DescribeResult) => ({ language: result.language, ...result.understood });
  const keys = (result: DescribeResult): string[] => result.candidates.map((candidate) => candidate.code ?? candidate.component ?? '');

  // Recognition, correction and the graph are the same code on both; full-text matching differs at the edges (PostgreSQL stems once, FTS5 matches
  // stems taken to a fixed point), which may swap two sibling codes of nearly equal score. So: the same reading, the same first answer, and four of the first five.
  it.each(QUERIES)('%s', async (text) => {
    const [fromSqlite, fromPostgres] = await Promise.all([describeProblem(embedded, { text }), describeProblem(postgres, { text })]);
    expect(fromSqlite.candidates.length).toBeGreaterThan(0);
    expect(understood(fromPostgres)).toEqual(understood(fromSqlite));
    expect(keys(fromPostgres)[0]).toBe(keys(fromSqlite)[0]);
    const shared = keys(fromPostgres)
      .slice(0, 5)
      .filter((key) => keys(fromSqlite).slice(0, 5).includes(key));
    expect(shared.length, `${keys(fromSqlite).slice(0, 5).join(',')} vs ${keys(fromPostgres).slice(0, 5).join(',')}`).toBeGreaterThanOrEqual(4);
  });
});
