import type { Language } from './messages';
import { pidLabel } from './pidLabels';

/**
 * The scan parsers' reasons (src/garage/scans/: `ScanParseError.reason`,
 * short English sentences with the offending text quoted) in Hungarian, for
 * the reasons people meet most: a value that is not a number or a time, a row
 * that does not fit the header, a broken quote, a missing field. A reason not
 * matched here is shown as the server wrote it, marked as English.
 */
type Wording = (match: RegExpExecArray) => string;

const part = (match: RegExpExecArray, index: number): string => match[index] ?? '';
/** Where in a JSON scan: a field path as written (`codes[0].status`), or the whole document. */
const where = (match: RegExpExecArray, index: number): string => (part(match, index) === 'the document' ? 'a dokumentum' : part(match, index));

const HUNGARIAN: readonly (readonly [RegExp, Wording])[] = [
  [/^(.+): "(.*)" is not a number$/, (match) => `${pidLabel(part(match, 1), 'hu')}: „${part(match, 2)}” nem szám`],
  [/^"(.*)" is not a time$/, (match) => `„${part(match, 1)}” nem időpont`],
  [/^the row has (\d+) fields, the header has (\d+)$/, (match) => `a sorban ${part(match, 1)} mező van, a fejlécsorban ${part(match, 2)}`],
  [/^the log is empty: no header row$/, () => 'a napló üres, nincs fejlécsora'],
  [/^no time column \(.*\) in the header$/, () => 'a fejlécsorban nincs időoszlop (Device Time, GPS Time, Time vagy Seconds)'],
  [/^column (\d+) has no name$/, (match) => `a(z) ${part(match, 1)}. oszlopnak nincs neve`],
  [/^a quoted field is not closed on its line$/, () => 'egy idézőjelbe tett mező nem záródik be a saját sorában'],
  [/^text follows a quoted field before the next separator$/, () => 'egy idézőjelbe tett mező után szöveg áll a következő elválasztójel előtt'],
  [/^"(.*)" is not a hexadecimal byte$/, (match) => `„${part(match, 1)}” nem hexadecimális bájt`],
  [/^"(.*)" starts a reply but the line holds something other than hexadecimal bytes$/, (match) => `a sor „${part(match, 1)}” válasszal kezdődik, de nem csak hexadecimális bájtokból áll`],
  [/^the JSON document ends too early$/, () => 'a JSON-dokumentum idő előtt véget ér'],
  [/^unexpected "(.*)" where a value should be$/, (match) => `váratlan „${part(match, 1)}” ott, ahol értéknek kellene állnia`],
  [/^expected a field name in double quotes$/, () => 'itt idézőjelek közötti mezőnévnek kellene állnia'],
  [/^a string is not closed$/, () => 'egy szöveg nincs lezárva'],
  [/^(.+): unknown field(?: "(.+)")?$/, (match) => `${where(match, 1)}: ismeretlen mező${match[2] === undefined ? '' : ` („${part(match, 2)}”)`}`],
  [/^(.+): the field "(.+)" is missing$/, (match) => `${where(match, 1)}: hiányzik a(z) „${part(match, 2)}” mező`],
];

/** The reason in `language`, and whether it is in that language (false: the server's English, as it was). */
export function scanReasonText(reason: string, language: Language): { readonly text: string; readonly translated: boolean } {
  if (language === 'en') return { text: reason, translated: true };
  for (const [pattern, wording] of HUNGARIAN) {
    const match = pattern.exec(reason);
    if (match !== null) return { text: wording(match), translated: true };
  }
  return { text: reason, translated: false };
}
