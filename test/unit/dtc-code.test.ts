import { describe, expect, it } from 'vitest';
import { decodeDtcCode, isGenericDtcCode, normalizeDtcCode } from '../../src/diagnostics/index.js';

describe('DTC structure (SAE J2012)', () => {
  it.each([
    ['P0301', true],
    ['P1234', false],
    ['P2187', true],
    ['P3000', false],
    ['P33FF', false],
    ['P3400', true],
    ['P3FFF', true],
    ['B0001', true],
    ['B1000', false],
    ['B2000', false],
    ['B3000', true],
    ['C0035', true],
    ['C2000', false],
    ['U0100', true],
    ['U1000', false],
    ['U2000', false],
    ['U3000', true],
    ['P4000', false],
  ])('%s is generic: %s', (code, generic) => {
    expect(isGenericDtcCode(code)).toBe(generic);
    expect(decodeDtcCode(code).controlled_by).toBe(generic ? 'sae' : 'manufacturer');
  });

  it.each([
    ['P0301', 'powertrain', 'Ignition system or misfire'],
    ['P0171', 'powertrain', 'Fuel and air metering'],
    ['P0700', 'powertrain', 'Transmission'],
    ['P0A80', 'powertrain', 'Hybrid propulsion'],
    ['P3400', 'powertrain', 'SAE reserved'],
    ['P1456', 'powertrain', 'Manufacturer-defined'],
    ['B0001', 'body', 'SAE-defined body code'],
    ['C0035', 'chassis', 'SAE-defined chassis code'],
    ['U0100', 'network', 'Network communication (lost communication with a module)'],
    ['U0401', 'network', 'Network data (invalid data received from a module)'],
    ['U3000', 'network', 'SAE-defined network code'],
  ])('%s: %s, %s', (code, system, subsystem) => {
    expect(decodeDtcCode(code)).toMatchObject({ code, system, subsystem: { group: code.slice(0, 3), name: subsystem } });
  });

  it('normalises case and surrounding space, and refuses anything else', () => {
    expect(normalizeDtcCode(' p0a0f ')).toBe('P0A0F');
    for (const input of ['', 'P030', 'P03011', 'X0301', 'P0G01', 'P 301', 'P%301']) expect(normalizeDtcCode(input)).toBeNull();
  });
});
