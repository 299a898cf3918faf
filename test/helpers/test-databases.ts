import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import pg from 'pg';

/**
 * Every PostgreSQL database the tests use, named in one place. `.ci/run`
 * creates each of these before the suite (node --import tsx
 * test/helpers/test-databases.ts prints them one a line). Tests that need a
 * PostgreSQL server even on the embedded run connect to the first one.
 * Scratch databases made with {@link createScratchDatabase} are created and
 * dropped by the test that needs them.
 */
export const TEST_DATABASES: readonly string[] = ['test'];

/** The PostgreSQL server the tests use when DATABASE_URL does not name one (.ci/run starts it, trust auth on loopback). */
const DEFAULT_SERVER = 'postgres://postgres@127.0.0.1:5432';

/**
 * A PostgreSQL URL for tests: DATABASE_URL itself when set and no database is
 * named, else `database` (default: the first of {@link TEST_DATABASES}) on
 * DATABASE_URL's server or the local default one.
 */
export function testPostgresUrl(database?: string): string {
  const outer = process.env.DATABASE_URL;
  if (database === undefined && outer !== undefined && outer !== '') return outer;
  const url = new URL(outer === undefined || outer === '' ? DEFAULT_SERVER : outer);
  url.pathname = `/${database ?? TEST_DATABASES[0] ?? 'test'}`;
  return url.toString();
}

export interface ScratchDatabase {
  readonly name: string;
  readonly url: string;
  drop(): Promise<void>;
}

/** A database of its own on the tests' server, for a process that migrates into `public` (a packed install, say). */
export async function createScratchDatabase(label: string): Promise<ScratchDatabase> {
  const name = `scratch_${label}_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: testPostgresUrl() });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  return {
    name,
    url: testPostgresUrl(name),
    async drop() {
      const client = new pg.Client({ connectionString: testPostgresUrl() });
      await client.connect();
      try {
        await client.query(`drop database if exists ${name} with (force)`);
      } finally {
        await client.end();
      }
    },
  };
}

// `node --import tsx test/helpers/test-databases.ts`: the names, for .ci/run.
if (process.argv[1] !== undefined && pathToFileURL(process.argv[1]).href === import.meta.url) {
  process.stdout.write(`${TEST_DATABASES.join('\n')}\n`);
}
