import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundledKnowledge, type DescribeResult } from '../../src/diagnostics/describe/index.js';
import { runCli } from '../helpers/cli.js';
import { SAMPLE_RECALL_LINES, complaintLine, fixtureDirectory, writeLines } from '../helpers/nhtsa-fixtures.js';
import { createScratchDatabase, type ScratchDatabase } from '../helpers/test-databases.js';

/**
 * `autocognitix diagnose` (issue 17) as an operator runs it, in-process: on
 * the embedded SQLite file in a temporary DATA_DIR, and on the redis-postgres
 * run on a PostgreSQL database of its own (the command migrates into `public`).
 * Only what the placeholder knowledge file guarantees is relied on: "rángat"
 * is a misfire (P0300–P0308, spark_plug); white smoke and losing coolant
 * reach the head gasket and P0217.
 */

const MISFIRE_CODES = ['P0300', 'P0301', 'P0302', 'P0303', 'P0304', 'P0305', 'P0306', 'P0307', 'P0308'];
/** Labels as the knowledge file names them (it will be replaced by a fuller one). */
const hungarianLabel = (id: string): string => bundledKnowledge().nodes.get(id)?.label.hu ?? `no ${id} in the knowledge file`;
const escaped = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('autocognitix diagnose', { timeout: 60_000 }, () => {
  let dataDir: string;
  let fixtures: string;
  let scratch: ScratchDatabase | undefined;
  let env: Record<string, string | undefined>;

  const cli = (args: readonly string[]) => runCli(args, env);
  const diagnoseJson = async (args: readonly string[]): Promise<DescribeResult> => {
    const result = await cli(['diagnose', ...args, '--json']);
    expect(result.code, result.output).toBe(0);
    return JSON.parse(result.stdout) as DescribeResult;
  };

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'autocognitix-cli-diagnose-'));
    fixtures = fixtureDirectory();
    const postgres = process.env.DATABASE_URL !== undefined && process.env.DATABASE_URL !== '';
    if (postgres) scratch = await createScratchDatabase('diagnose');
    env = { NODE_ENV: 'test', LOG_LEVEL: 'silent', DATA_DIR: dataDir, DATABASE_URL: scratch?.url, REDIS_URL: postgres ? process.env.REDIS_URL : undefined };
    const misfireComplaint = complaintLine({ CMPLID: '7001', ODINO: '17000001', MAKETXT: 'HONDA', MODELTXT: 'CIVIC', YEARTXT: '2018', COMPDESC: 'ENGINE', LDATE: '20240102', CDESCR: 'ENGINE MISFIRE AT IDLE, CHECK ENGINE LIGHT FLASHING' });
    for (const args of [
      ['seed'],
      ['import', 'recalls', writeLines(path.join(fixtures, 'FLAT_RCL.txt'), SAMPLE_RECALL_LINES)],
      ['import', 'complaints', writeLines(path.join(fixtures, 'FLAT_CMPL.txt'), [misfireComplaint])],
    ]) {
      const result = await cli(args);
      expect(result.code, result.output).toBe(0);
    }
  });
  afterAll(async () => {
    await scratch?.drop();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(fixtures, { recursive: true, force: true });
  });

  it('prints what it understood and a ranked list with score, code, title, why and checks', async () => {
    const result = await cli(['diagnose', 'rángat a motor alapjáraton']);
    expect(result.code, result.output).toBe(0);
    expect(result.stderr).toBe('');
    const misfire = escaped(hungarianLabel('misfire'));
    expect(result.stdout).toMatch(new RegExp(`^understood: (.*; )?symptom ${misfire} \\(rángat\\)(;|$)`, 'm'));
    expect(result.stdout).toMatch(/^likely causes, most likely first:$/m);
    // A misfire code with its Hungarian title, and below it why and what to check.
    expect(result.stdout).toMatch(new RegExp(`^ ?\\d\\. +\\d+% {2}P030[0-8] {2}\\S.*égéskimaradás észlelve {2}\\[(critical|high)\\]\n {10}why: [^\n]*${misfire}[^\n]*\n(?: {10}causes: [^\n]+\n)? {10}checks: \\S`, 'm'));
    expect(result.stdout).toMatch(new RegExp(`^ ?\\d\\. +\\d+% {2}component spark_plug {2}${escaped(hungarianLabel('spark_plug'))}$`, 'm'));
  });

  it('--json prints the answer as the API gives it, and the text lists the same candidates in the same order', async () => {
    const answer = await diagnoseJson(['rángat a motor alapjáraton']);
    expect(answer.language).toBe('hu');
    expect(answer.understood.symptoms.map((symptom) => symptom.id)).toContain('misfire');
    const codes = answer.candidates.flatMap((candidate) => (candidate.code === null ? [] : [candidate.code]));
    expect(codes.length).toBeGreaterThan(0);
    expect(codes.filter((code) => !MISFIRE_CODES.includes(code))).toEqual([]);
    expect(answer.candidates.map((candidate) => candidate.component)).toContain('spark_plug');
    expect(answer.vehicle).toBeNull();

    const text = (await cli(['diagnose', 'rángat a motor alapjáraton'])).stdout;
    const ranked = [...text.matchAll(/^ ?\d+\. +(\d+)% {2}(component \S+|\S+) /gm)].map((match) => [Number(match[1]), match[2]]);
    expect(ranked).toEqual(answer.candidates.map((candidate) => [Math.round(candidate.score * 100), candidate.code ?? `component ${candidate.component ?? ''}`]));
  });

  it('reaches the head gasket and P0217 from white smoke and coolant loss, in English with --language en', async () => {
    const answer = await diagnoseJson(['fehér füst a kipufogóból és fogy a hűtővíz', '--language', 'en']);
    expect(answer.language).toBe('en');
    expect(answer.candidates.map((candidate) => candidate.component)).toContain('head_gasket');
    const p0217 = answer.candidates.find((candidate) => candidate.code === 'P0217');
    expect(p0217?.title).toBe('Engine coolant over-temperature condition');
    expect(p0217?.reasons.via.map((node) => node.id)).toContain('head_gasket');
  });

  it('ranks a given code higher and says so', async () => {
    const without = await diagnoseJson(['fehér füst a kipufogóból']);
    const withCode = await diagnoseJson(['fehér füst a kipufogóból', '--code', 'p0217']);
    const scoreOf = (answer: DescribeResult) => answer.candidates.find((candidate) => candidate.code === 'P0217')?.score ?? 0;
    expect(scoreOf(withCode)).toBeGreaterThan(scoreOf(without));
    expect(withCode.candidates.find((candidate) => candidate.code === 'P0217')?.reasons.given).toBe(true);
  });

  it('with a vehicle: its related recalls and the complaints that describe the same, as text and as JSON', async () => {
    const args = ['rángat a motor alapjáraton', '--make', 'honda', '--model', 'Civic', '--year', '2018'];
    const answer = await diagnoseJson(args);
    expect(answer.vehicle).toMatchObject({ make: 'HONDA', model: 'CIVIC', year: 2018 });
    // The engine recall concerns the misfire codes' system; the airbag recall does not.
    expect(answer.vehicle?.recalls.items.map((recall) => recall.campaign_number)).toEqual(['23V100000']);
    expect(answer.vehicle?.complaints).toMatchObject({ total: 1, items: [{ odi_number: 17000001, summary: 'ENGINE MISFIRE AT IDLE, CHECK ENGINE LIGHT FLASHING' }] });

    const text = await cli(['diagnose', ...args]);
    expect(text.code, text.output).toBe(0);
    expect(text.stdout).toMatch(/^HONDA CIVIC 2018: 1 related recalls, 1 similar complaints$/m);
    expect(text.stdout).toMatch(/^ {2}recall 23V100000 \(ENGINE AND ENGINE COOLING:ENGINE\): The engine may stall\.$/m);
    expect(text.stdout).toMatch(/^ {2}complaint 17000001 \(ENGINE\): ENGINE MISFIRE AT IDLE, CHECK ENGINE LIGHT FLASHING$/m);
  });

  it('on a database without trouble codes, says how to load them', async () => {
    const empty = mkdtempSync(path.join(os.tmpdir(), 'autocognitix-cli-diagnose-empty-'));
    try {
      const result = await runCli(['diagnose', 'rángat a motor alapjáraton'], { NODE_ENV: 'test', LOG_LEVEL: 'silent', DATA_DIR: empty });
      expect(result.code, result.output).toBe(0);
      expect(result.stdout).not.toMatch(/ P030\d /);
      expect(result.stderr).toBe('note: the database holds no trouble codes yet; `autocognitix seed` loads the bundled ones\n');
      expect((await cli(['diagnose', 'rángat a motor alapjáraton'])).stderr).toBe('');
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it.each([
    ['an empty description', ['diagnose', '  '], /^error: describe the problem in at least 3 characters\n$/],
    ['a make without model and year', ['diagnose', 'rángat a motor', '--make', 'honda'], /^error: --make, --model and --year go together: give all three or none\n$/],
    ['a year without make and model', ['diagnose', 'rángat a motor', '--year', '2018'], /^error: --make, --model and --year go together/],
    ['a year that is not one', ['diagnose', 'rángat a motor', '--make', 'honda', '--model', 'civic', '--year', '20x8'], /^error: --year must be a model year from 1900 to 2100, not "20x8"\n$/],
    ['a year out of range', ['diagnose', 'rángat a motor', '--make', 'honda', '--model', 'civic', '--year', '1850'], /^error: --year must be a model year from 1900 to 2100, not "1850"\n$/],
    ['a code that is not one', ['diagnose', 'rángat a motor', '--code', 'P0301', 'X123'], /^error: "X123" is not a trouble code/],
    ['another language', ['diagnose', 'rángat a motor', '--language', 'de'], /^error: --language must be hu or en, not "de"\n$/],
    ['a description too long', ['diagnose', 'rángat '.repeat(200)], /^error: the description is \d+ characters long; at most 1000 are read\n$/],
  ])('refuses %s with the usage exit status and one line', async (_case, args, message) => {
    const result = await cli(args);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
  });
});
