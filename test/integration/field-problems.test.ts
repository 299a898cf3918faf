import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { bearer, registerAndLogin, registerVerifiedAndLogin, request } from '../helpers/auth-client.js';
import { withCheckDigit, withWrongCheckDigit } from '../helpers/vin.js';

/**
 * Every 422 detail says what kind of problem it is (and the numbers it
 * quotes), so a client words it in its own language without parsing English:
 * the route's own checks here; the schema's in http-basics, the password
 * policy's in password-policy, the VIN decoder's in vehicles-api.
 */
describe('422 details carry the kind of problem', () => {
  let testApp: TestApp;
  let account: Awaited<ReturnType<typeof registerAndLogin>>;

  beforeAll(async () => {
    testApp = await startTestApp();
    account = await registerVerifiedAndLogin(testApp);
  });
  afterAll(async () => {
    await testApp.close();
  });

  const detailsOf = (response: LightMyRequestResponse): unknown => {
    expect(response.statusCode).toBe(422);
    return response.json<{ error: { details?: unknown } }>().error.details;
  };
  const addVehicle = (payload: Record<string, unknown>) =>
    request(testApp.app, { method: 'POST', url: '/api/v1/garage/vehicles', headers: bearer(account.tokens.access_token), payload });

  it('a garage vehicle from too far in the future: too_large, with the limit', async () => {
    // Next year's models are on sale; two years ahead is the most the garage takes.
    const limit = new Date(testApp.app.clock.now()).getUTCFullYear() + 2;
    expect(detailsOf(await addVehicle({ make: 'Opel', model: 'Astra', year: limit + 1 }))).toEqual([
      { field: 'year', message: `must be at most ${limit}`, problem: 'too_large', params: { limit } },
    ]);
  });

  it('a garage VIN with a wrong check digit: vin_check_digit, with both digits', async () => {
    const vin = withWrongCheckDigit('1HGCM82630A004352');
    const expected = withCheckDigit(vin).charAt(8);
    expect(detailsOf(await addVehicle({ make: 'Honda', model: 'Accord', year: 2003, vin }))).toEqual([
      { field: 'vin', message: expect.stringContaining('check digit') as unknown, problem: 'vin_check_digit', params: { found: vin.charAt(8), expected } },
    ]);
  });

  it('a quick analysis with a make but no model or year: vehicle_incomplete for each missing field', async () => {
    const response = await request(testApp.app, { method: 'POST', url: '/api/v1/diagnosis/quick-analyze', payload: { codes: ['P0300'], make: 'Opel' } });
    const message = 'make, model and year go together: give all three or none';
    expect(detailsOf(response)).toEqual([
      { field: 'model', message, problem: 'vehicle_incomplete' },
      { field: 'year', message, problem: 'vehicle_incomplete' },
    ]);
  });

  it('a query number that is not finite (Ajv coerces "Infinity" and lets it pass): not_a_number', async () => {
    const response = await testApp.app.inject({ method: 'GET', url: '/api/v1/dtc/search?limit=Infinity' });
    expect(detailsOf(response)).toEqual([{ field: 'limit', message: 'must be a finite number', problem: 'not_a_number' }]);
  });

  it('a sign-in without an email: required', async () => {
    const response = await request(testApp.app, { method: 'POST', url: '/api/v1/auth/login', payload: { password: account.password } });
    expect(detailsOf(response)).toEqual([{ field: 'email', message: 'is required', problem: 'required' }]);
  });

  it('an e-mail change to the address the account already has: same_email', async () => {
    const response = await request(testApp.app, {
      method: 'POST',
      url: '/api/v1/auth/me/email',
      headers: bearer(account.tokens.access_token),
      payload: { new_email: account.email, password: account.password },
    });
    expect(detailsOf(response)).toEqual([{ field: 'new_email', message: 'is already your address', problem: 'same_email' }]);
  });
});
