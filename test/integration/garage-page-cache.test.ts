import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GarageRepository } from '../../src/db/repositories/garage.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { bearer, registerAndLogin, request } from '../helpers/auth-client.js';

interface VehiclePage {
  items: { id: string; model: string; nickname: string | null }[];
  total: number;
  limit: number;
  offset: number;
}

/**
 * The garage list keeps each user's pages while the user's garage revision
 * stays the same. Every change here is made by a second app on its own
 * database connection (as another instance would): the first must answer it at once.
 */
describe('the garage list’s kept pages', () => {
  let server: TestApp;
  let writer: TestApp;
  let garage: GarageRepository;
  let alice: Awaited<ReturnType<typeof registerAndLogin>>;
  let bob: Awaited<ReturnType<typeof registerAndLogin>>;

  const list = async (account: typeof alice, query = '') => {
    const response = await request(server.app, { method: 'GET', url: `/api/v1/garage/vehicles${query}`, headers: bearer(account.tokens.access_token) });
    expect(response.statusCode).toBe(200);
    return { type: response.headers['content-type'], body: response.body, page: response.json<VehiclePage>() };
  };
  const models = async (account: typeof alice, query = '') => (await list(account, query)).page.items.map((item) => item.model);

  beforeAll(async () => {
    server = await startTestApp();
    writer = await startTestApp({ shareWith: server });
    garage = new GarageRepository(writer.runtime.database.db);
    alice = await registerAndLogin(server.app);
    bob = await registerAndLogin(server.app);
  });
  afterAll(async () => {
    await writer.close();
    await server.close();
  });

  it('answers the same bytes kept as computed', async () => {
    await garage.addVehicle(alice.id, { make: 'SKODA', model: 'OCTAVIA', year: 2015 });
    const first = await list(alice);
    const second = await list(alice);
    expect(first.type).toBe('application/json; charset=utf-8');
    expect(second.body).toBe(first.body);
    expect(first.page).toMatchObject({ total: 1, limit: 20, offset: 0, items: [{ model: 'OCTAVIA' }] });
  });

  it('answers an addition, a change and a removal made by another connection at once', async () => {
    expect(await models(alice)).toEqual(['OCTAVIA']);
    const added = await garage.addVehicle(alice.id, { make: 'FORD', model: 'FOCUS', year: 2018 });
    expect(await models(alice)).toEqual(['OCTAVIA', 'FOCUS']);
    await garage.updateVehicle(alice.id, added.id, { nickname: 'blue' });
    expect((await list(alice)).page.items.map((item) => item.nickname)).toEqual([null, 'blue']);
    await sql`update garage_vehicles set model = 'FIESTA' where id = ${added.id}`.execute(writer.runtime.database.db);
    expect(await models(alice)).toEqual(['OCTAVIA', 'FIESTA']);
    await garage.removeVehicle(alice.id, added.id);
    expect(await models(alice)).toEqual(['OCTAVIA']);
  });

  it('keeps each user’s pages apart, and each page of one user apart', async () => {
    expect(await models(bob)).toEqual([]);
    await garage.addVehicle(bob.id, { make: 'OPEL', model: 'CORSA', year: 2012 });
    expect(await models(bob)).toEqual(['CORSA']);
    expect(await models(alice)).toEqual(['OCTAVIA']);
    await garage.addVehicle(alice.id, { make: 'FIAT', model: 'PUNTO', year: 2009 });
    expect(await models(alice, '?limit=1')).toEqual(['OCTAVIA']);
    expect(await models(alice, '?limit=1&offset=1')).toEqual(['PUNTO']);
    expect(await models(alice)).toEqual(['OCTAVIA', 'PUNTO']);
    expect(await models(bob)).toEqual(['CORSA']);
  });

  it('still answers every change when a user’s revision row is gone', async () => {
    await sql`delete from garage_revisions where user_id = ${alice.id}`.execute(writer.runtime.database.db);
    expect(await models(alice)).toEqual(['OCTAVIA', 'PUNTO']);
    await sql`update garage_vehicles set model = 'PANDA' where user_id = ${alice.id} and model = 'PUNTO'`.execute(writer.runtime.database.db);
    expect(await models(alice)).toEqual(['OCTAVIA', 'PANDA']);
  });

  it('keeps no revision of an erased account', async () => {
    const carol = await registerAndLogin(server.app);
    await garage.addVehicle(carol.id, { make: 'KIA', model: 'CEED', year: 2020 });
    const revisions = () => sql<{ count: number | string }>`select count(*) as count from garage_revisions where user_id = ${carol.id}`.execute(writer.runtime.database.db);
    expect(Number((await revisions()).rows[0]?.count)).toBe(1);
    const erased = await request(server.app, { method: 'DELETE', url: '/api/v1/auth/me', headers: bearer(carol.tokens.access_token), payload: { password: carol.password } });
    expect(erased.statusCode).toBe(204);
    expect(Number((await revisions()).rows[0]?.count)).toBe(0);
  });
});
