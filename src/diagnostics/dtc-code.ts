/**
 * The structure of an OBD-II diagnostic trouble code (SAE J2012 / ISO 15031-6),
 * decoded from the five characters alone: no database needed, so even an
 * unknown code gets an answer.
 */

export type DtcSystem = 'powertrain' | 'body' | 'chassis' | 'network';

export const DTC_SYSTEMS: readonly { letter: 'P' | 'B' | 'C' | 'U'; system: DtcSystem; description: string }[] = [
  { letter: 'P', system: 'powertrain', description: 'Engine, transmission, fuel, ignition and emission controls' },
  { letter: 'B', system: 'body', description: 'Airbags, seat belts, climate control, lighting and other cabin systems' },
  { letter: 'C', system: 'chassis', description: 'Brakes, ABS, steering and suspension' },
  { letter: 'U', system: 'network', description: 'Communication between control modules (CAN and other buses)' },
];

/** A letter P, B, C or U and four hexadecimal digits, as printed by scan tools. */
export const DTC_CODE_PATTERN = /^[PBCU][0-9A-F]{4}$/;

/** The same, for route schemas: accepts lower case, which {@link normalizeDtcCode} upper-cases. */
export const DTC_CODE_INPUT_PATTERN = '^[PBCUpbcu][0-9A-Fa-f]{4}$';

export const DTC_CODE_FORMAT_MESSAGE = 'A DTC code is a letter P, B, C or U followed by four hexadecimal digits, e.g. P0301';

export interface DtcSubsystem {
  /** The first three characters, e.g. `P03`. */
  readonly group: string;
  readonly name: string;
}

export interface DecodedDtcCode {
  readonly code: string;
  readonly system: DtcSystem;
  /** True for codes whose meaning SAE/ISO defines for every make ("generic"). */
  readonly is_generic: boolean;
  readonly controlled_by: 'sae' | 'manufacturer';
  readonly subsystem: DtcSubsystem;
}

/** Trims and upper-cases; null when the result is not a DTC code. */
export function normalizeDtcCode(input: string): string | null {
  const code = input.trim().toUpperCase();
  return DTC_CODE_PATTERN.test(code) ? code : null;
}

const SYSTEM_BY_LETTER: Readonly<Record<string, DtcSystem>> = { P: 'powertrain', B: 'body', C: 'chassis', U: 'network' };

export function dtcSystemOf(code: string): DtcSystem {
  const system = SYSTEM_BY_LETTER[code.charAt(0)];
  if (system === undefined) throw new RangeError('not a DTC code');
  return system;
}

/**
 * Whether SAE/ISO (generic) or the manufacturer defines the code, by the
 * SAE J2012 rule on the second character:
 *
 * | second character | P (powertrain)                           | B, C, U                    |
 * |---|---|---|
 * | 0                | generic                                  | generic                    |
 * | 1                | manufacturer                             | manufacturer               |
 * | 2                | generic                                  | manufacturer               |
 * | 3                | P3000–P33FF manufacturer, P3400–P3FFF generic | generic (SAE reserved) |
 *
 * The second character holds two bits in the code's binary form, so 4–F never
 * occur in real codes; they are treated as manufacturer-defined.
 */
export function isGenericDtcCode(code: string): boolean {
  const letter = code.charAt(0);
  const second = code.charAt(1);
  if (second === '0') return true;
  if (second === '2') return letter === 'P';
  if (second === '3') return letter === 'P' ? code.charAt(2) >= '4' : true;
  return false;
}

/** SAE J2012 groups by the third character for generic powertrain codes (P0, P2 and P34–P3F). */
const POWERTRAIN_GROUPS: Readonly<Record<string, string>> = {
  '0': 'Fuel and air metering and auxiliary emission controls',
  '1': 'Fuel and air metering',
  '2': 'Fuel and air metering (injector circuit)',
  '3': 'Ignition system or misfire',
  '4': 'Auxiliary emission controls',
  '5': 'Vehicle speed, idle control and auxiliary inputs',
  '6': 'Computer and output circuit',
  '7': 'Transmission',
  '8': 'Transmission',
  '9': 'Transmission',
  A: 'Hybrid propulsion',
  B: 'Hybrid propulsion',
  C: 'Hybrid propulsion',
};

/** SAE groups for generic network codes (U0). */
const NETWORK_GROUPS: Readonly<Record<string, string>> = {
  '0': 'Network electrical',
  '1': 'Network communication (lost communication with a module)',
  '2': 'Network communication (lost communication with a module)',
  '3': 'Network software (configuration and compatibility)',
  '4': 'Network data (invalid data received from a module)',
};

function subsystemName(code: string, system: DtcSystem, generic: boolean): string {
  if (!generic) return 'Manufacturer-defined';
  const third = code.charAt(2);
  if (system === 'powertrain') {
    if (code.charAt(1) === '3') return 'SAE reserved';
    return POWERTRAIN_GROUPS[third] ?? 'SAE reserved';
  }
  if (system === 'network' && code.charAt(1) === '0') return NETWORK_GROUPS[third] ?? 'SAE reserved';
  return system === 'body' ? 'SAE-defined body code' : system === 'chassis' ? 'SAE-defined chassis code' : 'SAE-defined network code';
}

/** The structural decode of a (normalised) code: system, who defines it, subsystem group. */
export function decodeDtcCode(code: string): DecodedDtcCode {
  const system = dtcSystemOf(code);
  const generic = isGenericDtcCode(code);
  return {
    code,
    system,
    is_generic: generic,
    controlled_by: generic ? 'sae' : 'manufacturer',
    subsystem: { group: code.slice(0, 3), name: subsystemName(code, system, generic) },
  };
}
