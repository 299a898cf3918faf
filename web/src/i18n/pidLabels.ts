import type { Language } from './messages';

/**
 * What the canonical PID names of a scan (src/garage/scans/pids.ts) are called
 * on screen, in each UI language. A name not listed here is a column of the
 * user's own log (kept as it was written) and is shown as it is.
 */
const PID_LABELS: Readonly<Record<Language, Readonly<Record<string, string>>>> = {
  en: {
    engine_load: 'Engine load',
    coolant_temp: 'Coolant temperature',
    stft_bank1: 'Short-term fuel trim, bank 1',
    ltft_bank1: 'Long-term fuel trim, bank 1',
    stft_bank2: 'Short-term fuel trim, bank 2',
    ltft_bank2: 'Long-term fuel trim, bank 2',
    fuel_pressure: 'Fuel pressure',
    intake_map: 'Intake manifold pressure',
    engine_rpm: 'Engine speed',
    vehicle_speed: 'Vehicle speed',
    timing_advance: 'Timing advance',
    intake_air_temp: 'Intake air temperature',
    maf: 'Mass air flow',
    throttle_position: 'Throttle position',
    run_time: 'Run time since engine start',
    distance_mil_on: 'Distance with the warning lamp on',
    fuel_level: 'Fuel level',
    distance_since_clear: 'Distance since codes cleared',
    barometric_pressure: 'Barometric pressure',
    module_voltage: 'Control module voltage',
    ambient_air_temp: 'Ambient air temperature',
    odometer: 'Odometer',
  },
  hu: {
    engine_load: 'Motorterhelés',
    coolant_temp: 'Hűtőfolyadék-hőmérséklet',
    stft_bank1: 'Rövid távú keverékkorrekció, 1. hengersor',
    ltft_bank1: 'Hosszú távú keverékkorrekció, 1. hengersor',
    stft_bank2: 'Rövid távú keverékkorrekció, 2. hengersor',
    ltft_bank2: 'Hosszú távú keverékkorrekció, 2. hengersor',
    fuel_pressure: 'Üzemanyagnyomás',
    intake_map: 'Szívócső-nyomás',
    engine_rpm: 'Fordulatszám',
    vehicle_speed: 'Sebesség',
    timing_advance: 'Előgyújtás',
    intake_air_temp: 'Beszívott levegő hőmérséklete',
    maf: 'Légtömegáram',
    throttle_position: 'Fojtószelep-állás',
    run_time: 'Üzemidő a motorindítás óta',
    distance_mil_on: 'Megtett út égő hibajelző lámpával',
    fuel_level: 'Üzemanyagszint',
    distance_since_clear: 'Megtett út a hibakódok törlése óta',
    barometric_pressure: 'Légköri nyomás',
    module_voltage: 'Vezérlőegység feszültsége',
    ambient_air_temp: 'Külső hőmérséklet',
    odometer: 'Kilométeróra-állás',
  },
};

/** The PID's name in `language`; a column the app does not know keeps the name the user's log gave it. */
export function pidLabel(name: string, language: Language): string {
  return Object.hasOwn(PID_LABELS[language], name) ? (PID_LABELS[language][name] ?? name) : name;
}

/** Every canonical name with a label (for a test that both languages name the same PIDs). */
export const LABELLED_PIDS: Readonly<Record<Language, readonly string[]>> = { en: Object.keys(PID_LABELS.en), hu: Object.keys(PID_LABELS.hu) };
