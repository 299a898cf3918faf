import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { deflateRawSync } from 'node:zlib';

/**
 * NHTSA flat-file fixtures written at run time in the published layouts
 * (tab-separated, no header). The column lists are copied from NHTSA's field
 * descriptions here, independently of src/, so a column-order slip in the
 * importer fails the tests.
 */

export const RCL_COLUMNS = [
  'RECORD_ID', 'CAMPNO', 'MAKETXT', 'MODELTXT', 'YEARTXT', 'MFGCAMPNO', 'COMPNAME', 'MFGNAME', 'BGMAN', 'ENDMAN',
  'RCLTYPECD', 'POTAFF', 'ODATE', 'INFLUENCED_BY', 'MFGTXT', 'RCDATE', 'DATEA', 'RPNO', 'FMVSS', 'DESC_DEFECT',
  'CONEQUENCE_DEFECT', 'CORRECTIVE_ACTION', 'NOTES', 'RCL_CMPT_ID', 'MFR_COMP_NAME', 'MFR_COMP_DESC', 'MFR_COMP_PTNO',
  'DO_NOT_DRIVE', 'PARK_OUTSIDE',
] as const;

export const CMPL_COLUMNS = [
  'CMPLID', 'ODINO', 'MFR_NAME', 'MAKETXT', 'MODELTXT', 'YEARTXT', 'CRASH', 'FAILDATE', 'FIRE', 'INJURED',
  'DEATHS', 'COMPDESC', 'CITY', 'STATE', 'VIN', 'DATEA', 'LDATE', 'MILES', 'OCCURENCES', 'CDESCR',
  'CMPL_TYPE', 'POLICE_RPT_YN', 'PURCH_DT', 'ORIG_OWNER_YN', 'ANTI_BRAKES_YN', 'CRUISE_CONT_YN', 'NUM_CYLS', 'DRIVE_TRAIN', 'FUEL_SYS', 'FUEL_TYPE',
  'TRANS_TYPE', 'VEH_SPEED', 'DOT', 'TIRE_SIZE', 'LOC_OF_TIRE', 'TIRE_FAIL_TYPE', 'ORIG_EQUIP_YN', 'MANUF_DT', 'SEAT_TYPE', 'RESTRAINT_TYPE',
  'DEALER_NAME', 'DEALER_TEL', 'DEALER_CITY', 'DEALER_STATE', 'DEALER_ZIP', 'PROD_TYPE', 'REPAIRED_YN', 'MEDICAL_ATTN', 'VEHICLES_TOWED_YN',
] as const;

export type RecallFields = Partial<Record<(typeof RCL_COLUMNS)[number], string>>;
export type ComplaintFields = Partial<Record<(typeof CMPL_COLUMNS)[number], string>>;

/** A FLAT_RCL line: 27 fields (pre-2023 files) or 29 (with DO_NOT_DRIVE and PARK_OUTSIDE). */
export function recallLine(fields: RecallFields, layout: 27 | 29 = 29): string {
  return RCL_COLUMNS.slice(0, layout)
    .map((column) => fields[column] ?? '')
    .join('\t');
}

/** A FLAT_CMPL line: 49 fields, or 51 with the two trailing fields newer files add. */
export function complaintLine(fields: ComplaintFields, layout: 49 | 51 = 49): string {
  const values = CMPL_COLUMNS.map((column) => fields[column] ?? '');
  if (layout === 51) values.push('EXTRA1', 'EXTRA2');
  return values.join('\t');
}

/** A fresh temporary folder for one test file's fixtures. */
export function fixtureDirectory(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'autocognitix-fixtures-'));
}

/** Writes lines with CRLF endings as NHTSA's files have, in the given encoding. */
export function writeLines(filePath: string, lines: readonly string[], encoding: 'latin1' | 'utf8' = 'latin1'): string {
  writeFileSync(filePath, Buffer.from(`${lines.join('\r\n')}\r\n`, encoding));
  return filePath;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, index) => {
  let crc = index;
  for (let bit = 0; bit < 8; bit += 1) crc = crc & 1 ? 0xedb88320 ^ (crc >>> 1) : crc >>> 1;
  return crc >>> 0;
});

function crc32(data: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of data) crc = (CRC_TABLE[(crc ^ byte) & 0xff] ?? 0) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/**
 * A minimal deflate zip writer (PKWARE APPNOTE 4.3: local headers, central
 * directory, end record), so the tests need no `zip` binary.
 */
export function writeZip(filePath: string, entries: readonly { name: string; data: Buffer }[]): string {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  const dosTime = 0;
  const dosDate = (2024 - 1980) << 9 | 1 << 5 | 1;
  for (const entry of entries) {
    const name = Buffer.from(entry.name, 'utf8');
    const compressed = deflateRawSync(entry.data);
    const crc = crc32(entry.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0, 6);
    local.writeUInt16LE(8, 8);
    local.writeUInt16LE(dosTime, 10);
    local.writeUInt16LE(dosDate, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(compressed.length, 18);
    local.writeUInt32LE(entry.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    locals.push(local, name, compressed);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt16LE(dosTime, 12);
    central.writeUInt16LE(dosDate, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(compressed.length, 20);
    central.writeUInt32LE(entry.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += local.length + name.length + compressed.length;
  }
  const centralDirectory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(centralDirectory.length, 12);
  end.writeUInt32LE(offset, 16);
  writeFileSync(filePath, Buffer.concat([...locals, centralDirectory, end]));
  return filePath;
}

/**
 * A small, fixed data set for route tests: HONDA CIVIC 2018 has two recalls
 * (engine 2023, airbags 2022) and three complaint lines forming two
 * complaints (ODI 11000001: crash with one injury, on ENGINE and POWER TRAIN
 * lines; ODI 11000002: fire with one death, ELECTRICAL SYSTEM).
 */
export const SAMPLE_RECALL_LINES: readonly string[] = [
  recallLine({ RECORD_ID: '1', CAMPNO: '23V100000', MAKETXT: 'HONDA', MODELTXT: 'CIVIC', YEARTXT: '2018', COMPNAME: 'ENGINE AND ENGINE COOLING:ENGINE', MFGNAME: 'Honda', RCLTYPECD: 'V', POTAFF: '1200', RCDATE: '20230115', DESC_DEFECT: 'The engine may stall.', DO_NOT_DRIVE: 'No', PARK_OUTSIDE: 'No' }),
  recallLine({ RECORD_ID: '2', CAMPNO: '22V200000', MAKETXT: 'HONDA', MODELTXT: 'CIVIC', YEARTXT: '2018', COMPNAME: 'AIR BAGS:FRONTAL', MFGNAME: 'Honda', RCLTYPECD: 'V', RCDATE: '20220510' }, 29),
  recallLine({ RECORD_ID: '3', CAMPNO: '23V100000', MAKETXT: 'HONDA', MODELTXT: 'CIVIC', YEARTXT: '2019', COMPNAME: 'ENGINE AND ENGINE COOLING:ENGINE', RCDATE: '20230115' }),
  recallLine({ RECORD_ID: '4', CAMPNO: '21V300000', MAKETXT: 'FORD', MODELTXT: 'F-150/F-250', YEARTXT: '2020', COMPNAME: 'SERVICE BRAKES, HYDRAULIC', RCDATE: '20210101' }),
  recallLine({ RECORD_ID: '5', CAMPNO: '05V001000', MAKETXT: 'TOYOTA', MODELTXT: 'COROLLA', YEARTXT: '2004', COMPNAME: 'SUSPENSION', RCDATE: '20050301' }),
];

export const SAMPLE_COMPLAINT_LINES: readonly string[] = [
  complaintLine({ CMPLID: '1001', ODINO: '11000001', MAKETXT: 'HONDA', MODELTXT: 'CIVIC', YEARTXT: '2018', CRASH: 'Y', FIRE: 'N', INJURED: '1', DEATHS: '0', COMPDESC: 'ENGINE', LDATE: '20230201', VIN: '1HGCM82633A004352', CDESCR: 'STALLED' }),
  complaintLine({ CMPLID: '1002', ODINO: '11000001', MAKETXT: 'HONDA', MODELTXT: 'CIVIC', YEARTXT: '2018', CRASH: 'Y', FIRE: 'N', INJURED: '1', DEATHS: '0', COMPDESC: 'POWER TRAIN:AUTOMATIC TRANSMISSION', LDATE: '20230201' }),
  complaintLine({ CMPLID: '1003', ODINO: '11000002', MAKETXT: 'HONDA', MODELTXT: 'CIVIC', YEARTXT: '2018', CRASH: 'N', FIRE: 'Y', INJURED: '0', DEATHS: '1', COMPDESC: 'ELECTRICAL SYSTEM', LDATE: '20230301' }),
  complaintLine({ CMPLID: '2001', ODINO: '12000001', MAKETXT: 'SKODA', MODELTXT: 'OCTAVIA', YEARTXT: '2015', COMPDESC: 'SERVICE BRAKES', LDATE: '20220101' }, 51),
];
