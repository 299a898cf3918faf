// @backend-independent: pure parsing
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeDtcBytes, DEFAULT_SCAN_LIMITS, parseScan, ScanParseError, type Scan } from '../../src/garage/scans/index.js';

const fixture = (name: string): string => path.resolve(import.meta.dirname, '../fixtures/scans', name);

async function* text(...parts: string[]): AsyncGenerator<string> {
  for (const part of parts) yield part;
}

const parse = (transcript: string, limits = DEFAULT_SCAN_LIMITS): Promise<Scan> => parseScan('elm327', text(transcript), limits);

async function refusal(transcript: string, limits = DEFAULT_SCAN_LIMITS): Promise<ScanParseError> {
  const error: unknown = await parse(transcript, limits).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ScanParseError);
  return error as ScanParseError;
}

describe('ELM327 transcript (SAE J1979)', () => {
  it('decodes the two-byte trouble code: the first two bits are the letter', () => {
    expect(decodeDtcBytes(0x01, 0x71)).toBe('P0171');
    expect(decodeDtcBytes(0x41, 0x23)).toBe('C0123');
    expect(decodeDtcBytes(0x92, 0x34)).toBe('B1234');
    expect(decodeDtcBytes(0xc1, 0x00)).toBe('U0100');
    expect(decodeDtcBytes(0x3f, 0xff)).toBe('P3FFF');
  });

  it('reads the session fixture: stored, pending and permanent codes from two ECUs, a multi-frame reply, the freeze frame and the odometer', async () => {
    const scan = await parseScan('elm327', createReadStream(fixture('elm327-session.txt')));
    expect(scan.codes).toEqual([
      { code: 'P0700', status: 'stored', ecu: '7E9' },
      { code: 'P0171', status: 'stored', ecu: '7E8' },
      { code: 'P0300', status: 'stored', ecu: '7E8' },
      { code: 'P0420', status: 'stored', ecu: '7E8' },
      { code: 'U0100', status: 'stored', ecu: '7E8' },
      { code: 'P0128', status: 'pending', ecu: '7E8' },
      { code: 'B1234', status: 'pending', ecu: '7E9' },
      { code: 'P0420', status: 'permanent', ecu: '7E8' },
    ]);
    expect(scan.freezeFrames).toEqual([
      {
        code: 'P0171',
        ecu: '7E8',
        values: {
          engine_load: { value: 40, unit: '%' },
          coolant_temp: { value: 83, unit: '°C' },
          stft_bank1: { value: 3.91, unit: '%' },
          ltft_bank1: { value: 15.63, unit: '%' },
          intake_map: { value: 33, unit: 'kPa' },
          engine_rpm: { value: 802.5, unit: 'rpm' },
          vehicle_speed: { value: 0, unit: 'km/h' },
          intake_air_temp: { value: 25, unit: '°C' },
          maf: { value: 5, unit: 'g/s' },
          throttle_position: { value: 14.9, unit: '%' },
        },
      },
    ]);
    expect(scan.mileageKm).toBe(123456.7);
    // PID 1C is not decoded here: reported, not fatal.
    expect(scan.unknownColumns).toEqual(['mode 02 PID 1C']);
    expect(scan.series).toEqual({});
  });

  it('reads headers off: a CAN reply leads with the count, another protocol carries three codes a line padded with 0000', async () => {
    const can = await parse('>03\r\n43 02 01 71 03 00\r\n\r\n>');
    expect(can.codes).toEqual([
      { code: 'P0171', status: 'stored' },
      { code: 'P0300', status: 'stored' },
    ]);
    const iso = await parse('03\n43 01 71 03 00 00 00\n43 04 20 00 00 00 00\n>');
    expect(iso.codes.map((entry) => entry.code)).toEqual(['P0171', 'P0300', 'P0420']);
  });

  it('joins a headers-off multi-line CAN reply (byte count, then 0: 1: …)', async () => {
    const scan = await parse(['>07', 'SEARCHING...', '00C', '0: 47 05 01 71 03 00', '1: 04 20 C1 00 01 28 00', '', '>'].join('\n'));
    expect(scan.codes).toEqual(['P0171', 'P0300', 'P0420', 'U0100', 'P0128'].map((code) => ({ code, status: 'pending' })));
  });

  it('reads spaces off (ATS0), 29-bit CAN identifiers and J1850 headers with their checksum', async () => {
    const compact = await parse('>0A\n7E8044A010420\n7E9024700\n');
    expect(compact.codes).toEqual([{ code: 'P0420', status: 'permanent', ecu: '7E8' }]);
    const extended = await parse('18 DA F1 10 04 43 01 01 71\n18 DA F1 18 02 43 00\n');
    expect(extended.codes).toEqual([{ code: 'P0171', status: 'stored', ecu: '18DAF110' }]);
    const j1850 = await parse('48 6B 10 43 01 71 00 00 00 00 5C\n48 6B 18 47 07 00 00 00 00 00 3A\n');
    expect(j1850.codes).toEqual([
      { code: 'P0171', status: 'stored', ecu: '10' },
      { code: 'P0700', status: 'pending', ecu: '18' },
    ]);
  });

  it('reads several PIDs of one mode 02 reply and a frame whose PID 02 is 0000 as no frame', async () => {
    const scan = await parse('7E8 05 42 0C 00 1A F8\n7E9 05 42 02 00 00 00\n7E9 04 42 05 00 50\n');
    expect(scan.freezeFrames).toEqual([{ code: null, ecu: '7E8', values: { engine_rpm: { value: 1726, unit: 'rpm' } } }]);
    const speed = await parse('42 0C 00 1A F8 0D 00 3C\n');
    expect(speed.freezeFrames[0]?.values).toEqual({ engine_rpm: { value: 1726, unit: 'rpm' }, vehicle_speed: { value: 60, unit: 'km/h' } });
  });

  it('skips prompts, echo, AT answers, NO DATA and text such as a voltage', async () => {
    const scan = await parse('>ATI\nELM327 v2.1\n>ATDP\nAUTO, ISO 15765-4 (CAN 11/500)\n>ATRV\n12.4V\n>03\nNO DATA\n>07\n?\n>\r');
    expect(scan).toEqual({ codes: [], freezeFrames: [], series: {}, unknownColumns: [] });
  });

  it('ends a line at a lone CR, as the ELM327 writes', async () => {
    const scan = await parse('>03\r7E8 04 43 01 01 71\r\r>');
    expect(scan.codes).toEqual([{ code: 'P0171', status: 'stored', ecu: '7E8' }]);
  });

  it('refuses a reply whose codes are cut off, with its line', async () => {
    const error = await refusal('>03\n\n7E8 06 43 03 01 71 03 00\n');
    expect(error.line).toBe(3);
    expect(error.reason).toBe('the reply names 3 codes but carries 2');
  });

  it('refuses frames out of sequence and a multi-line reply that never completes', async () => {
    expect((await refusal('7E8 10 0A 43 04 01 71 03 00\n7E8 22 04 20 C1 00 55 55 55\n')).line).toBe(2);
    const unfinished = await refusal('>03\n00C\n0: 43 05 01 71 03 00\n>\n');
    expect(unfinished.line).toBe(2);
    expect(unfinished.reason).toBe('the multi-line reply ends after 6 of its 12 bytes');
    expect((await refusal('1: 04 20 C1 00 01 28 00\n')).reason).toMatch(/without its byte count line/);
    expect((await refusal('43 01 7G 00\n')).line).toBe(1);
  });

  it('refuses an over-long line and too many lines (bounds)', async () => {
    const overlong = await refusal(`>03\n43 01 ${'00 '.repeat(100)}\n`, { ...DEFAULT_SCAN_LIMITS, maxLineBytes: 64 });
    expect(overlong.line).toBe(2);
    expect(overlong.reason).toMatch(/more than the 64 bytes a line may have/);
    const many = await refusal('>\n>\n>\n>\n', { ...DEFAULT_SCAN_LIMITS, maxLines: 3 });
    expect(many.line).toBe(4);
    const codes = await refusal('43 03 01 71 03 00 04 20\n', { ...DEFAULT_SCAN_LIMITS, maxCodes: 2 });
    expect(codes.reason).toBe('more than 2 trouble codes');
  });

  it('never crashes: random transcripts parse or are refused with a ScanParseError', async () => {
    let seed = 20;
    const random = (): number => {
      seed = (seed * 1_103_515_245 + 12_345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    const tokens = ['43', '47', '4A', '42', '41', '7E8', '7E9', '18', 'DA', 'F1', '10', '21', '02', '00', '01', '71', 'FF', '0:', '1:', '00A', '>', 'NO DATA', '48', '6B', 'A6', '0C', 'ZZ', '\r'];
    let refused = 0;
    for (let run = 0; run < 2000; run += 1) {
      const lines = Array.from({ length: 1 + Math.floor(random() * 6) }, () =>
        Array.from({ length: Math.floor(random() * 10) }, () => tokens[Math.floor(random() * tokens.length)] ?? '').join(random() < 0.8 ? ' ' : ''),
      );
      const outcome: unknown = await parse(lines.join('\n')).then(
        (scan) => scan,
        (caught: unknown) => caught,
      );
      if (outcome instanceof Error) {
        expect(outcome).toBeInstanceOf(ScanParseError);
        refused += 1;
      }
    }
    // Both outcomes occur, so the loop exercises the decoder and its refusals.
    expect(refused).toBeGreaterThan(100);
    expect(refused).toBeLessThan(1900);
  });
});
