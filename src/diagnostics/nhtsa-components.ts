import type { DtcSystem } from './dtc-code.js';

/**
 * Which NHTSA component names (COMPNAME in recalls, COMPDESC in complaints,
 * e.g. `POWER TRAIN:AUTOMATIC TRANSMISSION`) belong to which DTC system.
 * A fixed keyword table keeps quick analysis deterministic: a component
 * matches a system when its upper-case name contains one of the keywords.
 */
export const COMPONENT_KEYWORDS_BY_SYSTEM: Readonly<Record<DtcSystem, readonly string[]>> = {
  powertrain: ['ENGINE', 'FUEL SYSTEM', 'POWER TRAIN', 'HYBRID PROPULSION', 'VEHICLE SPEED CONTROL', 'EMISSION'],
  body: ['AIR BAGS', 'SEAT BELTS', 'SEATS', 'LATCHES', 'STRUCTURE', 'VISIBILITY', 'EXTERIOR LIGHTING', 'ELECTRICAL SYSTEM', 'CHILD SEAT'],
  chassis: ['SERVICE BRAKES', 'PARKING BRAKE', 'STEERING', 'SUSPENSION', 'WHEELS', 'TIRES', 'ELECTRONIC STABILITY CONTROL', 'TRACTION CONTROL'],
  network: ['ELECTRICAL SYSTEM', 'ELECTRONIC STABILITY CONTROL'],
};

/** The DTC systems an NHTSA component name belongs to, in the order of {@link COMPONENT_KEYWORDS_BY_SYSTEM}. */
export function dtcSystemsOfComponent(component: string): DtcSystem[] {
  const name = component.toUpperCase();
  return (Object.keys(COMPONENT_KEYWORDS_BY_SYSTEM) as DtcSystem[]).filter((system) =>
    COMPONENT_KEYWORDS_BY_SYSTEM[system].some((keyword) => name.includes(keyword)),
  );
}

/** Every keyword of the given systems, deduplicated and sorted: what a repository filters components by. */
export function componentKeywordsFor(systems: Iterable<DtcSystem>): string[] {
  const keywords = new Set<string>();
  for (const system of systems) for (const keyword of COMPONENT_KEYWORDS_BY_SYSTEM[system]) keywords.add(keyword);
  return [...keywords].sort();
}
