/**
 * The canonical PIDs a scan names its values by, with their SI unit, the SAE
 * J1979 mode 01/02 decoding (number of data bytes and formula) and the column
 * names OBD apps (Torque Pro, Car Scanner) give them.
 */

export interface CanonicalPid {
  /** The canonical name, e.g. `engine_rpm`. */
  readonly name: string;
  readonly unit: string;
  /** SAE J1979 PID (mode 01 and 02), when it has one. */
  readonly pid?: number;
  /** Data bytes the PID answers with. */
  readonly bytes?: number;
  readonly decode?: (data: readonly number[]) => number;
  /** Lower-case column names without their unit, as OBD apps write them. */
  readonly columns: readonly string[];
}

const word = (data: readonly number[]): number => 256 * (data[0] ?? 0) + (data[1] ?? 0);
const percent = (data: readonly number[]): number => round(((data[0] ?? 0) * 100) / 255);
const trim = (data: readonly number[]): number => round((((data[0] ?? 0) - 128) * 100) / 128);
const celsius = (data: readonly number[]): number => (data[0] ?? 0) - 40;

/** Two decimals: enough for every PID's resolution, and no `0.30000000000000004`. */
export function round(value: number): number {
  return Math.round(value * 100) / 100;
}

export const CANONICAL_PIDS: readonly CanonicalPid[] = [
  { name: 'engine_load', unit: '%', pid: 0x04, bytes: 1, decode: percent, columns: ['engine load', 'calculated engine load', 'calculated load value', 'calculated engine load value'] },
  { name: 'coolant_temp', unit: '°C', pid: 0x05, bytes: 1, decode: celsius, columns: ['engine coolant temperature', 'coolant temperature', 'engine coolant temp'] },
  { name: 'stft_bank1', unit: '%', pid: 0x06, bytes: 1, decode: trim, columns: ['fuel trim bank 1 short term', 'short term fuel trim bank 1', 'short term fuel trim - bank 1'] },
  { name: 'ltft_bank1', unit: '%', pid: 0x07, bytes: 1, decode: trim, columns: ['fuel trim bank 1 long term', 'long term fuel trim bank 1', 'long term fuel trim - bank 1'] },
  { name: 'stft_bank2', unit: '%', pid: 0x08, bytes: 1, decode: trim, columns: ['fuel trim bank 2 short term', 'short term fuel trim bank 2', 'short term fuel trim - bank 2'] },
  { name: 'ltft_bank2', unit: '%', pid: 0x09, bytes: 1, decode: trim, columns: ['fuel trim bank 2 long term', 'long term fuel trim bank 2', 'long term fuel trim - bank 2'] },
  { name: 'fuel_pressure', unit: 'kPa', pid: 0x0a, bytes: 1, decode: (data) => 3 * (data[0] ?? 0), columns: ['fuel pressure'] },
  { name: 'intake_map', unit: 'kPa', pid: 0x0b, bytes: 1, decode: (data) => data[0] ?? 0, columns: ['intake manifold pressure', 'intake manifold absolute pressure', 'manifold absolute pressure'] },
  { name: 'engine_rpm', unit: 'rpm', pid: 0x0c, bytes: 2, decode: (data) => word(data) / 4, columns: ['engine rpm', 'rpm'] },
  { name: 'vehicle_speed', unit: 'km/h', pid: 0x0d, bytes: 1, decode: (data) => data[0] ?? 0, columns: ['speed (obd)', 'vehicle speed', 'speed'] },
  { name: 'timing_advance', unit: '°', pid: 0x0e, bytes: 1, decode: (data) => (data[0] ?? 0) / 2 - 64, columns: ['timing advance'] },
  { name: 'intake_air_temp', unit: '°C', pid: 0x0f, bytes: 1, decode: celsius, columns: ['intake air temperature', 'intake air temp'] },
  { name: 'maf', unit: 'g/s', pid: 0x10, bytes: 2, decode: (data) => word(data) / 100, columns: ['mass air flow rate', 'maf air flow rate', 'mass air flow'] },
  { name: 'throttle_position', unit: '%', pid: 0x11, bytes: 1, decode: percent, columns: ['throttle position(manifold)', 'throttle position', 'absolute throttle position'] },
  { name: 'run_time', unit: 's', pid: 0x1f, bytes: 2, decode: word, columns: ['run time since engine start', 'engine run time'] },
  { name: 'distance_mil_on', unit: 'km', pid: 0x21, bytes: 2, decode: word, columns: ['distance travelled with mil/cel lit', 'distance traveled with mil on'] },
  { name: 'fuel_level', unit: '%', pid: 0x2f, bytes: 1, decode: percent, columns: ['fuel level (from engine ecu)', 'fuel level'] },
  { name: 'distance_since_clear', unit: 'km', pid: 0x31, bytes: 2, decode: word, columns: ['distance travelled since codes cleared', 'distance traveled since codes cleared'] },
  { name: 'barometric_pressure', unit: 'kPa', pid: 0x33, bytes: 1, decode: (data) => data[0] ?? 0, columns: ['barometric pressure (from vehicle)', 'barometric pressure'] },
  { name: 'module_voltage', unit: 'V', pid: 0x42, bytes: 2, decode: (data) => word(data) / 1000, columns: ['voltage (control module)', 'control module voltage'] },
  { name: 'ambient_air_temp', unit: '°C', pid: 0x46, bytes: 1, decode: celsius, columns: ['ambient air temp', 'ambient air temperature'] },
  {
    name: 'odometer',
    unit: 'km',
    pid: 0xa6,
    bytes: 4,
    decode: (data) => ((data[0] ?? 0) * 2 ** 24 + (data[1] ?? 0) * 2 ** 16 + (data[2] ?? 0) * 2 ** 8 + (data[3] ?? 0)) / 10,
    columns: ['odometer', 'odometer (from ecu)'],
  },
];

export const PID_BY_NUMBER: ReadonlyMap<number, CanonicalPid> = new Map(CANONICAL_PIDS.flatMap((pid) => (pid.pid === undefined ? [] : [[pid.pid, pid] as const])));
export const PID_BY_NAME: ReadonlyMap<string, CanonicalPid> = new Map(CANONICAL_PIDS.map((pid) => [pid.name, pid] as const));
const PID_BY_COLUMN: ReadonlyMap<string, CanonicalPid> = new Map(CANONICAL_PIDS.flatMap((pid) => pid.columns.map((column) => [column, pid] as const)));

/** The canonical PID a column name (without its unit) stands for, ignoring case and repeated spaces. */
export function pidForColumn(name: string): CanonicalPid | undefined {
  return PID_BY_COLUMN.get(name.trim().toLowerCase().replace(/\s+/g, ' '));
}

/** How a unit an app wrote converts into a canonical unit. */
interface UnitConversion {
  readonly to: string;
  readonly convert: (value: number) => number;
}

const identity = (value: number): number => value;

/** Lower-case unit as written → conversion. Units already canonical convert by identity. */
const UNIT_CONVERSIONS: ReadonlyMap<string, UnitConversion> = new Map<string, UnitConversion>([
  ['°c', { to: '°C', convert: identity }],
  ['c', { to: '°C', convert: identity }],
  ['degc', { to: '°C', convert: identity }],
  ['°f', { to: '°C', convert: (value) => ((value - 32) * 5) / 9 }],
  ['f', { to: '°C', convert: (value) => ((value - 32) * 5) / 9 }],
  ['degf', { to: '°C', convert: (value) => ((value - 32) * 5) / 9 }],
  ['km/h', { to: 'km/h', convert: identity }],
  ['kph', { to: 'km/h', convert: identity }],
  ['mph', { to: 'km/h', convert: (value) => value * 1.609344 }],
  ['kpa', { to: 'kPa', convert: identity }],
  ['psi', { to: 'kPa', convert: (value) => value * 6.894757 }],
  ['bar', { to: 'kPa', convert: (value) => value * 100 }],
  ['inhg', { to: 'kPa', convert: (value) => value * 3.386389 }],
  ['g/s', { to: 'g/s', convert: identity }],
  ['lb/min', { to: 'g/s', convert: (value) => value * 7.559873 }],
  ['%', { to: '%', convert: identity }],
  ['rpm', { to: 'rpm', convert: identity }],
  ['km', { to: 'km', convert: identity }],
  ['miles', { to: 'km', convert: (value) => value * 1.609344 }],
  ['mi', { to: 'km', convert: (value) => value * 1.609344 }],
  ['s', { to: 's', convert: identity }],
  ['sec', { to: 's', convert: identity }],
  ['v', { to: 'V', convert: identity }],
  ['°', { to: '°', convert: identity }],
  ['deg', { to: '°', convert: identity }],
]);

/**
 * The conversion of `unit` into `pid`'s canonical unit; a missing unit is
 * taken as the canonical one; undefined when the unit does not fit the PID.
 */
export function conversionFor(pid: CanonicalPid, unit: string | undefined): ((value: number) => number) | undefined {
  if (unit === undefined || unit.trim() === '') return identity;
  const conversion = UNIT_CONVERSIONS.get(unit.trim().toLowerCase().replace(/\s+/g, ''));
  return conversion?.to === pid.unit ? conversion.convert : undefined;
}
