// Type-only: the server's rule list (src/garage/scans/analysis.ts imports types only), so none of its code reaches the bundle.
import type { ScanFindingRuleId } from '../../../src/garage/scans/analysis.js';
import type { Language } from './messages';

/**
 * What each freeze-frame rule's finding means (docs/API.md "Freeze-frame
 * rules"), in each UI language: a title and a short explanation that names a
 * likely direction, never a certainty. Keyed by the server's own list of rule
 * ids: a rule added there fails `tsc -p web` here until both languages say it.
 * The evidence values (trims, RPM, voltage …) are shown next to the text.
 */
export interface ScanFindingText {
  readonly title: string;
  readonly explanation: string;
}

type FindingTexts = Readonly<Record<ScanFindingRuleId, ScanFindingText>>;

const en: FindingTexts = {
  lean_at_idle: {
    title: 'Lean at idle: unmetered air likely',
    explanation:
      'The fuel trims add more than 10 % fuel at idle. Air entering past the air-flow meter is the usual cause: a cracked vacuum hose, the intake manifold gasket, the crankcase ventilation or the brake booster. Such a leak matters less at higher engine speed, so check the trims there too.',
  },
  lean_under_load: {
    title: 'Lean under load: fuel delivery or air-flow meter',
    explanation:
      'The trims add more than 10 % fuel at raised engine speed or load, where a small vacuum leak hardly counts. Measure the fuel pressure and delivery (pump, filter, pressure regulator) and check whether the air-flow meter reads too low.',
  },
  lean_trims: {
    title: 'Lean mixture confirmed by the fuel trims',
    explanation:
      'The trims add more than 10 % fuel when the code was set. Unmetered air (a vacuum leak) is the most common cause; then fuel pressure and the air-flow meter. Compare the trims at idle and at 2500 rpm to tell them apart.',
  },
  lean_both_banks: {
    title: 'Both banks lean: look for a shared cause',
    explanation:
      'Both cylinder banks run lean. That points at something they share: the air-flow meter, fuel pressure or a large vacuum leak (crankcase ventilation, brake booster), rather than one bank’s gasket or injector.',
  },
  rich_trims: {
    title: 'Rich mixture: leaking injector, purge valve or fuel pressure',
    explanation:
      'The trims take away more than 10 % fuel. Likely causes: a leaking injector, an evaporative purge valve stuck open, too high fuel pressure (regulator), or fuel in the engine oil.',
  },
  lean_misfire: {
    title: 'Lean misfire: fix the lean mixture first',
    explanation:
      'The random misfire was set with the trims adding more than 10 % fuel. A mixture that lean may fail to light; find the cause of the lean condition before replacing ignition parts.',
  },
  misfire_at_idle: {
    title: 'Misfire at idle',
    explanation:
      'The misfire was set at idle and low load. Look at a vacuum leak near that cylinder, the injector, valve clearance and compression before the ignition parts.',
  },
  misfire_under_load: {
    title: 'Misfire under load: ignition first; the catalyst is at risk',
    explanation:
      'The misfire was set under heavy load, where a weak coil, a worn spark plug or a leaking ignition lead breaks down first. Unburnt fuel overheats the catalytic converter: avoid hard driving until it is repaired.',
  },
  catalyst_fix_fueling_first: {
    title: 'Fix the mixture before the catalytic converter',
    explanation:
      'The catalyst efficiency code was set with the fuel trims more than 10 % off. A wrong mixture can cause the code by itself; repair the fueling, then clear the code and test again before replacing the catalyst.',
  },
  maf_reading_low: {
    title: 'Air-flow meter reading too low',
    explanation:
      'The air flow reported is less than the engine can breathe at this speed and manifold pressure. Check the air-flow meter (dirty sensing element), its connector and wiring, and for air leaking in after the meter.',
  },
  maf_reading_high: {
    title: 'Air-flow meter reading too high',
    explanation:
      'The air flow reported is more than the engine can breathe at this speed and manifold pressure. Suspect the air-flow meter or its signal wiring (interference, a bad ground).',
  },
  thermostat_stuck_open: {
    title: 'Thermostat stuck open likely',
    explanation:
      'The coolant stayed below 70 °C after the engine had run long enough to warm up. The thermostat probably stays open; less often the coolant temperature sensor reads too low.',
  },
  overheating: {
    title: 'Engine overheating',
    explanation:
      'The coolant was above 110 °C. Stop and let the engine cool; check the coolant level, the radiator fan, the water pump and the thermostat, and for a leaking head gasket.',
  },
  temp_sensor_open_circuit: {
    title: 'Temperature sensor circuit open',
    explanation:
      'A temperature reads −40 °C: what the engine computer sees when the sensor circuit is open. Check the sensor, its connector and the wiring for a break.',
  },
  idle_rpm_high: {
    title: 'Idle speed too high',
    explanation:
      'The warm engine idled above 1000 rpm while standing. Likely extra air past the throttle: a vacuum leak, the idle air control valve or a dirty or faulty throttle body.',
  },
  idle_rpm_low: {
    title: 'Idle speed too low',
    explanation:
      'The engine idled below 600 rpm while standing. Clean the throttle body and the idle air control valve; check for a load the idle control cannot make up (air conditioning, power steering).',
  },
  low_voltage_many_codes: {
    title: 'Low voltage: battery and charging first',
    explanation:
      'The control module voltage fell below 11.5 V and the scan holds network codes or many codes. Control units misbehave at low voltage: test the battery, the charging system and the ground connections, then clear the codes and scan again.',
  },
  charging_voltage_high: {
    title: 'Charging voltage too high',
    explanation:
      'With the engine running the voltage was above 15.2 V. The alternator’s voltage regulator probably overcharges; it damages the battery, bulbs and control units.',
  },
};

const hu: FindingTexts = {
  lean_at_idle: {
    title: 'Alapjáraton szegény keverék: valószínűleg falslevegő',
    explanation:
      'A keverékkorrekció alapjáraton több mint 10 %-kal dúsít. Ilyenkor jellemzően a légtömegmérő után jut be levegő: repedt vákuumcső, szívócső-tömítés, forgattyúsház-szellőztetés vagy a fékrásegítő. Magasabb fordulaton az ilyen falslevegő kevésbé számít, ott is érdemes megnézni a korrekciót.',
  },
  lean_under_load: {
    title: 'Terhelés alatt szegény keverék: üzemanyag-ellátás vagy légtömegmérő',
    explanation:
      'A keverékkorrekció emelt fordulaton vagy terhelésen is több mint 10 %-kal dúsít, ahol egy kis falslevegő már alig számít. Mérje meg az üzemanyagnyomást és a szállított mennyiséget (szivattyú, szűrő, nyomásszabályzó), és nézze meg, nem mér-e keveset a légtömegmérő.',
  },
  lean_trims: {
    title: 'A keverékkorrekció is szegény keveréket mutat',
    explanation:
      'A hibakód beállásakor a keverékkorrekció több mint 10 %-kal dúsított. Leggyakrabban falslevegő okozza, utána jön az üzemanyagnyomás és a légtömegmérő. Hasonlítsa össze a korrekciót alapjáraton és 2500-as fordulaton, abból kiderül, melyik.',
  },
  lean_both_banks: {
    title: 'Mindkét hengersor szegény: közös okot kell keresni',
    explanation:
      'Mindkét hengersor szegény keverékkel jár. Ez közös hibára utal: légtömegmérő, üzemanyagnyomás vagy nagyobb falslevegő (forgattyúsház-szellőztetés, fékrásegítő), nem pedig az egyik oldal tömítésére vagy injektorára.',
  },
  rich_trims: {
    title: 'Dús keverék: csöpögő injektor, tankszellőztető szelep vagy nyomás',
    explanation:
      'A keverékkorrekció több mint 10 %-kal szegényít. Valószínű okok: csöpögő injektor, nyitva ragadt tankszellőztető (aktívszénszűrő-) szelep, túl nagy üzemanyagnyomás (nyomásszabályzó), vagy üzemanyag került a motorolajba.',
  },
  lean_misfire: {
    title: 'Szegény keverék miatti égéskimaradás: előbb a keveréket javítsa',
    explanation:
      'A véletlenszerű égéskimaradás úgy állt be, hogy a keverékkorrekció több mint 10 %-kal dúsított. Ilyen szegény keverék nem mindig gyullad meg; mielőtt gyújtási alkatrészt cserélne, keresse meg, miért szegény a keverék.',
  },
  misfire_at_idle: {
    title: 'Égéskimaradás alapjáraton',
    explanation:
      'Az égéskimaradás alapjáraton, kis terhelésen jelentkezett. A gyújtás előtt nézze meg a hengernél a falslevegőt, az injektort, a szelephézagot és a kompressziót.',
  },
  misfire_under_load: {
    title: 'Égéskimaradás terhelés alatt: előbb a gyújtás, a katalizátor veszélyben',
    explanation:
      'Az égéskimaradás nagy terhelésnél jelentkezett, ahol először a gyenge gyújtótrafó, a kopott gyertya vagy az átütő gyújtókábel adja fel. Az el nem égett üzemanyag túlhevíti a katalizátort: javításig ne hajtsa meg az autót.',
  },
  catalyst_fix_fueling_first: {
    title: 'A katalizátor előtt a keveréket kell rendbe tenni',
    explanation:
      'A katalizátor hatásfokára utaló hibakód úgy állt be, hogy a keverékkorrekció több mint 10 %-kal eltér. A rossz keverék magában is okozhatja ezt a kódot; javítsa a keverékképzést, törölje a hibakódot és próbálja újra, mielőtt katalizátort cserélne.',
  },
  maf_reading_low: {
    title: 'A légtömegmérő keveset mér',
    explanation:
      'A mért levegőmennyiség kevesebb annál, amit a motor ezen a fordulaton és szívócsőnyomáson beszív. Nézze meg a légtömegmérőt (szennyezett mérőelem), a csatlakozóját és a vezetékeit, és hogy nem jut-e be levegő a mérő után.',
  },
  maf_reading_high: {
    title: 'A légtömegmérő sokat mér',
    explanation:
      'A mért levegőmennyiség több annál, amit a motor ezen a fordulaton és szívócsőnyomáson beszívhat. Gyanús a légtömegmérő vagy a jelvezetéke (zavarjel, rossz testelés).',
  },
  thermostat_stuck_open: {
    title: 'Valószínűleg nyitva ragadt a termosztát',
    explanation:
      'A hűtőfolyadék 70 °C alatt maradt, pedig a motor már elég ideje járt ahhoz, hogy bemelegedjen. Valószínűleg nyitva marad a termosztát; ritkábban a hűtővíz-hőmérséklet jeladó mér keveset.',
  },
  overheating: {
    title: 'A motor túlmelegedett',
    explanation:
      'A hűtőfolyadék 110 °C fölött volt. Álljon meg és hagyja lehűlni a motort; nézze meg a hűtőfolyadék szintjét, a hűtőventilátort, a vízpumpát és a termosztátot, és hogy nem ereszt-e a hengerfejtömítés.',
  },
  temp_sensor_open_circuit: {
    title: 'Szakadás a hőmérséklet-jeladó körében',
    explanation:
      'Egy hőmérséklet −40 °C-ot mutat: ezt látja a motorvezérlő, ha a jeladó köre szakadt. Nézze meg a jeladót, a csatlakozót és a vezetéket, nincs-e szakadás.',
  },
  idle_rpm_high: {
    title: 'Magas az alapjárat',
    explanation:
      'A meleg motor álló autóval 1000-es fordulat fölött járt alapjáraton. Valószínűleg a fojtószelep mellett jut be levegő: falslevegő, az alapjárati szelep, vagy szennyezett, hibás fojtószelep-ház.',
  },
  idle_rpm_low: {
    title: 'Alacsony az alapjárat',
    explanation:
      'A motor álló autóval 600-as fordulat alatt járt alapjáraton. Tisztítsa meg a fojtószelep-házat és az alapjárati szelepet; nézze meg, nincs-e olyan terhelés, amit az alapjárat-szabályozás nem tud kiegyenlíteni (klíma, szervószivattyú).',
  },
  low_voltage_many_codes: {
    title: 'Alacsony feszültség: előbb az akkumulátor és a töltés',
    explanation:
      'A vezérlőegység tápfeszültsége 11,5 V alá esett, és a kiolvasásban kommunikációs (U) hibakódok vagy sok hibakód van. Alacsony feszültségen a vezérlők rendellenesen működnek: vizsgálja meg az akkumulátort, a töltést és a testkötéseket, aztán törölje a hibakódokat és olvassa ki újra.',
  },
  charging_voltage_high: {
    title: 'Túl magas a töltőfeszültség',
    explanation:
      'Járó motornál a feszültség 15,2 V fölött volt. Valószínűleg a generátor feszültségszabályzója túltölt; ez tönkreteszi az akkumulátort, az izzókat és a vezérlőegységeket.',
  },
};

const TEXTS: Readonly<Record<Language, FindingTexts>> = { en, hu };

/** The title and explanation of a finding's rule; undefined for a rule this build does not know (show its id). */
export function scanFindingText(language: Language, rule: string): ScanFindingText | undefined {
  const texts = TEXTS[language];
  return Object.hasOwn(texts, rule) ? texts[rule as ScanFindingRuleId] : undefined;
}

/** Every rule with a text in every language: for tests. */
export const SCAN_FINDING_TEXTS = TEXTS;
