/**
 * Decodes a raw ELM327 session transcript into a {@link Scan}, per SAE J1979
 * (written here): mode 03 / 07 / 0A replies (`43`, `47`, `4A`: stored, pending
 * and permanent codes), mode 02 freeze-frame replies (`42 pid frame …`) and
 * the odometer (mode 01 PID A6, `41 A6 …`).
 *
 * What the transcript may hold: `>` prompts with or without the echoed command,
 * AT commands and their answers, `SEARCHING...`, `NO DATA` and the other status
 * texts (skipped), headers off (`43 02 01 71 03 00`) or on (CAN 11-bit `7E8 06 43 …`,
 * CAN 29-bit `18 DA F1 10 06 43 …`, ISO 9141 / J1850 / KWP `48 6B 10 43 … checksum`),
 * spaces on or off, multi-line CAN ISO-TP replies (`00A` then `0:` `1:` … with
 * headers off; first and consecutive frames with headers on) and several ECUs
 * answering one request. Lines end in LF or CRLF; a lone CR (the ELM327's own
 * line end) ends a line too, within one line's bound.
 *
 * A reply that is plainly broken (a code cut off, a frame out of sequence, a
 * multi-line reply that never completes) is refused with its line number;
 * a PID this decoder does not know is reported in `unknownColumns`, never fatal.
 */
import { normalizeDtcCode } from '../../diagnostics/dtc-code.js';
import { describeBytes, type BoundedLine } from '../../io/bounded-lines.js';
import { PID_BY_NUMBER, round } from './pids.js';
import { DEFAULT_SCAN_LIMITS, ScanParseError, type Scan, type ScanCode, type ScanCodeStatus, type ScanFreezeFrame, type ScanLimits, type ScanValue } from './types.js';

const STATUS_BY_SERVICE: ReadonlyMap<number, ScanCodeStatus> = new Map([
  [0x43, 'stored'],
  [0x47, 'pending'],
  [0x4a, 'permanent'],
]);

/** Texts the ELM327 prints besides data: skipped. */
const STATUS_TEXT = /^(SEARCHING|BUS INIT|OK|NO DATA|\?|ELM|STOPPED|CAN ERROR|UNABLE TO CONNECT|BUFFER FULL|DATA ERROR|<DATA ERROR|<RX ERROR|RX ERROR|FB ERROR|ERR\d*|ACT ALERT|LV RESET|LP ALERT|BUS BUSY|BUS ERROR)/;

const LETTERS = ['P', 'C', 'B', 'U'] as const;

const hex = (value: number, digits = 2): string => value.toString(16).toUpperCase().padStart(digits, '0');

/** SAE J1979 two-byte trouble code: the first two bits the letter, then four hexadecimal digits. */
export function decodeDtcBytes(first: number, second: number): string {
  const letter = LETTERS[(first >> 6) & 0x03] ?? 'P';
  const code = `${letter}${hex((first >> 4) & 0x03, 1)}${hex(first & 0x0f, 1)}${hex(second)}`;
  const normalised = normalizeDtcCode(code);
  if (normalised === null) throw new RangeError(`not a trouble code: ${code}`);
  return normalised;
}

interface MultiFrame {
  readonly line: number;
  readonly length: number;
  readonly bytes: number[];
  nextSequence: number;
}

/** How a reply reached us: CAN (a count byte leads mode 03/07/0A), another protocol (three codes a line, no count), or unknown (headers off). */
type Transport = 'can' | 'other' | 'unknown';

interface FreezeFrameState {
  code: string | null;
  /** PID 02 answered 0000: the ECU holds no freeze frame. */
  empty: boolean;
  readonly ecu: string | undefined;
  readonly values: Record<string, ScanValue>;
}

class TranscriptDecoder {
  private readonly codes = new Map<string, ScanCode>();
  private readonly frames = new Map<string, FreezeFrameState>();
  private readonly unknown = new Set<string>();
  private mileageKm: number | undefined;
  /** A headers-off multi-line reply being gathered (`00A`, `0:`, `1:` …). */
  private headerless: MultiFrame | undefined;
  /** Headers-on ISO-TP replies being gathered, per CAN identifier. */
  private readonly byHeader = new Map<string, MultiFrame>();

  constructor(private readonly limits: ScanLimits) {}

  segment(text: string, line: number): void {
    let rest = text.trim().toUpperCase();
    if (rest.startsWith('>')) {
      // A prompt: the reply before it is complete; what follows is the echoed command.
      this.checkComplete();
      return;
    }
    if (rest.startsWith('SEARCHING...')) rest = rest.slice('SEARCHING...'.length).trim();
    if (rest === '' || STATUS_TEXT.test(rest) || rest.startsWith('AT')) return;

    const indexed = /^([0-9A-F]):\s*(.*)$/.exec(rest);
    if (indexed !== null) {
      this.headerlessFrame(Number.parseInt(indexed[1] ?? '0', 16), indexed[2] ?? '', line);
      return;
    }
    const tokens = rest.includes(' ') ? rest.split(/\s+/) : compactTokens(rest);
    if (tokens === undefined || !tokens.every((token) => /^[0-9A-F]+$/.test(token))) {
      // A text answer (ATRV's `12.6V`, ATDP's protocol name): not data. A reply that starts like one is broken, though.
      const first = rest.split(/\s+/)[0] ?? '';
      if (/^4[1-9A]$/.test(first)) throw new ScanParseError(line, `"${first}" starts a reply but the line holds something other than hexadecimal bytes`);
      return;
    }
    const digits = tokens.join('');
    const leading = Number.parseInt(digits.slice(0, 2), 16);
    // An echoed request (`03`, `0202 00`, `020C00`): services 01 to 0A, not data.
    if (tokens[0]?.length !== 3 && digits.length % 2 === 0 && leading >= 0x01 && leading <= 0x0a) return;
    if (tokens.length === 1 && tokens[0]?.length === 3) {
      // `013`: the byte count of the multi-line reply that follows.
      this.checkHeaderlessComplete();
      this.headerless = { line, length: Number.parseInt(tokens[0], 16), bytes: [], nextSequence: 0 };
      return;
    }
    if (tokens[0]?.length === 3) {
      this.canFrame(tokens[0], bytesOf(tokens.slice(1), line), line);
      return;
    }
    const bytes = bytesOf(tokens, line);
    if (bytes.length >= 5 && bytes[0] === 0x18 && bytes[1] === 0xda && bytes[2] === 0xf1) {
      this.canFrame(bytes.slice(0, 4).map((byte) => hex(byte)).join(''), bytes.slice(4), line);
      return;
    }
    const first = bytes[0] ?? 0;
    if (bytes.length >= 5 && isServiceReply(bytes[3]) && (bytes[1] === 0x6b || ((first & 0xc0) === 0x80 && bytes[1] === 0xf1))) {
      // ISO 9141 / J1850 (`48 6B 10 …`, PWM `41 6B 10 …`) or KWP (`83 F1 10 …`) with headers on: three header bytes, data, a checksum.
      this.message(bytes.slice(3, -1), hex(bytes[2] ?? 0), 'other', line);
      return;
    }
    if (isServiceReply(first)) this.message(bytes, undefined, 'unknown', line);
    // Anything else (an echoed request `03`, `0201 00`; a negative reply `7F 03 12`): not data.
  }

  private headerlessFrame(sequence: number, text: string, line: number): void {
    const pending = this.headerless;
    if (pending === undefined) throw new ScanParseError(line, `frame ${hex(sequence, 1)}: of a multi-line reply without its byte count line before it`);
    if (sequence !== pending.nextSequence) throw new ScanParseError(line, `frame ${hex(sequence, 1)}: came where frame ${hex(pending.nextSequence, 1)}: was due`);
    const tokens = text.includes(' ') ? text.split(/\s+/).filter((token) => token !== '') : compactTokens(text);
    if (tokens === undefined) throw new ScanParseError(line, 'a frame of a multi-line reply holds an odd number of hexadecimal digits');
    pending.bytes.push(...bytesOf(tokens, line));
    pending.nextSequence = (pending.nextSequence + 1) % 16;
    if (pending.bytes.length >= pending.length) {
      this.headerless = undefined;
      this.message(pending.bytes.slice(0, pending.length), undefined, 'can', pending.line);
    }
  }

  /** One CAN frame with its identifier: ISO 15765-2 single, first or consecutive frame. */
  private canFrame(header: string, bytes: number[], line: number): void {
    const pci = bytes[0];
    if (pci === undefined) throw new ScanParseError(line, `the frame from ${header} carries no data`);
    const type = pci >> 4;
    if (type === 0) {
      const length = pci & 0x0f;
      if (bytes.length < 1 + length) throw new ScanParseError(line, `the frame from ${header} is shorter than its length byte says`);
      this.message(bytes.slice(1, 1 + length), header, 'can', line);
    } else if (type === 1) {
      if (this.byHeader.has(header)) throw new ScanParseError(line, `a new multi-frame reply from ${header} starts before the previous one ended`);
      this.byHeader.set(header, { line, length: ((pci & 0x0f) << 8) | (bytes[1] ?? 0), bytes: bytes.slice(2), nextSequence: 1 });
    } else if (type === 2) {
      const pending = this.byHeader.get(header);
      if (pending === undefined) throw new ScanParseError(line, `a consecutive frame from ${header} without its first frame`);
      if ((pci & 0x0f) !== pending.nextSequence) throw new ScanParseError(line, `frame ${hex(pci & 0x0f, 1)} from ${header} came where ${hex(pending.nextSequence, 1)} was due`);
      pending.bytes.push(...bytes.slice(1));
      pending.nextSequence = (pending.nextSequence + 1) % 16;
      if (pending.bytes.length >= pending.length) {
        this.byHeader.delete(header);
        this.message(pending.bytes.slice(0, pending.length), header, 'can', pending.line);
      }
    }
    // Type 3: flow control from the tester; nothing to read.
  }

  private message(data: readonly number[], ecu: string | undefined, transport: Transport, line: number): void {
    const service = data[0] ?? 0;
    const status = STATUS_BY_SERVICE.get(service);
    if (status !== undefined) this.troubleCodes(data, ecu, transport, status, line);
    else if (service === 0x42) this.freezeFrame(data, ecu, line);
    else if (service === 0x41 && data[1] === 0xa6 && data.length >= 6) this.mileageKm = PID_BY_NUMBER.get(0xa6)?.decode?.(data.slice(2, 6));
  }

  private troubleCodes(data: readonly number[], ecu: string | undefined, transport: Transport, status: ScanCodeStatus, line: number): void {
    // CAN replies lead with the number of codes (their length is even); the others carry three codes a line, 0000 for none.
    const can = transport === 'can' || (transport === 'unknown' && data.length % 2 === 0);
    let pairs: number[];
    if (can) {
      const count = data[1] ?? 0;
      if (data.length < 2 + 2 * count) throw new ScanParseError(line, `the reply names ${count} codes but carries ${Math.floor((data.length - 2) / 2)}`);
      pairs = data.slice(2, 2 + 2 * count);
    } else {
      if ((data.length - 1) % 2 !== 0) throw new ScanParseError(line, 'a trouble code is cut off (a reply holds two bytes a code)');
      pairs = data.slice(1);
    }
    for (let index = 0; index + 1 < pairs.length; index += 2) {
      const first = pairs[index] ?? 0;
      const second = pairs[index + 1] ?? 0;
      if (first === 0 && second === 0) continue;
      const code = decodeDtcBytes(first, second);
      const key = `${ecu ?? ''}|${code}|${status}`;
      if (this.codes.has(key)) continue;
      if (this.codes.size >= this.limits.maxCodes) throw new ScanParseError(line, `more than ${this.limits.maxCodes} trouble codes`);
      this.codes.set(key, ecu === undefined ? { code, status } : { code, status, ecu });
    }
  }

  /** `42 pid frame data…`, possibly several PIDs in one CAN reply. */
  private freezeFrame(data: readonly number[], ecu: string | undefined, line: number): void {
    let index = 1;
    while (index + 1 < data.length) {
      const pid = data[index] ?? 0;
      const frameNumber = data[index + 1] ?? 0;
      const state = this.frameState(ecu, frameNumber, line);
      const start = index + 2;
      if (pid % 0x20 === 0) {
        // 00, 20, 40 …: which PIDs the frame supports (four bytes of bits).
        index = start + 4;
        continue;
      }
      if (pid === 0x02) {
        const first = data[start];
        const second = data[start + 1];
        if (first === undefined || second === undefined) throw new ScanParseError(line, 'freeze frame PID 02 is cut off');
        if (first === 0 && second === 0) state.empty = true;
        else state.code = decodeDtcBytes(first, second);
        index = start + 2;
        continue;
      }
      const known = PID_BY_NUMBER.get(pid);
      if (known?.bytes === undefined || known.decode === undefined) {
        // Its length is unknown, so the rest of the reply cannot be read: reported, not fatal.
        this.unknown.add(`mode 02 PID ${hex(pid)}`);
        return;
      }
      const bytes = data.slice(start, start + known.bytes);
      if (bytes.length < known.bytes) throw new ScanParseError(line, `freeze frame PID ${hex(pid)} needs ${known.bytes} data bytes, the reply has ${bytes.length}`);
      state.values[known.name] = { value: round(known.decode(bytes)), unit: known.unit };
      index = start + known.bytes;
    }
  }

  private frameState(ecu: string | undefined, frameNumber: number, line: number): FreezeFrameState {
    const key = `${ecu ?? ''}|${frameNumber}`;
    let state = this.frames.get(key);
    if (state === undefined) {
      if (this.frames.size >= this.limits.maxCodes) throw new ScanParseError(line, `more than ${this.limits.maxCodes} freeze frames`);
      state = { code: null, empty: false, ecu, values: Object.create(null) as Record<string, ScanValue> };
      this.frames.set(key, state);
    }
    return state;
  }

  private checkHeaderlessComplete(): void {
    const pending = this.headerless;
    if (pending !== undefined) throw new ScanParseError(pending.line, `the multi-line reply ends after ${pending.bytes.length} of its ${pending.length} bytes`);
  }

  checkComplete(): void {
    this.checkHeaderlessComplete();
    for (const [header, pending] of this.byHeader) {
      throw new ScanParseError(pending.line, `the multi-frame reply from ${header} ends after ${pending.bytes.length} of its ${pending.length} bytes`);
    }
  }

  result(): Scan {
    const freezeFrames: ScanFreezeFrame[] = [];
    for (const state of this.frames.values()) {
      if (state.empty || (state.code === null && Object.keys(state.values).length === 0)) continue;
      const values = { ...state.values };
      freezeFrames.push(state.ecu === undefined ? { code: state.code, values } : { code: state.code, ecu: state.ecu, values });
    }
    return {
      ...(this.mileageKm === undefined ? {} : { mileageKm: this.mileageKm }),
      codes: [...this.codes.values()],
      freezeFrames,
      series: {},
      unknownColumns: [...this.unknown],
    };
  }
}

function isServiceReply(byte: number | undefined): boolean {
  return byte !== undefined && byte >= 0x41 && byte <= 0x4a;
}

/** Splits a line printed with spaces off (ATS0): an odd length starts with an 11-bit CAN identifier. */
function compactTokens(text: string): string[] | undefined {
  const digits = text.replace(/\s+/g, '');
  if (digits.length === 3) return [digits];
  const tokens: string[] = [];
  let index = 0;
  if (digits.length % 2 === 1) {
    tokens.push(digits.slice(0, 3));
    index = 3;
  }
  for (; index < digits.length; index += 2) tokens.push(digits.slice(index, index + 2));
  return tokens;
}

function bytesOf(tokens: readonly string[], line: number): number[] {
  return tokens.map((token) => {
    if (!/^[0-9A-F]{2}$/.test(token)) throw new ScanParseError(line, `"${token}" is not a hexadecimal byte`);
    return Number.parseInt(token, 16);
  });
}

/** Decodes a transcript read with {@link scanLines}; throws {@link ScanParseError}, never returns part of a scan. */
export async function parseElm327Transcript(lines: AsyncIterable<BoundedLine>, limits: ScanLimits = DEFAULT_SCAN_LIMITS): Promise<Scan> {
  const decoder = new TranscriptDecoder(limits);
  let lineNumber = 0;
  for await (const line of lines) {
    lineNumber += 1;
    if (lineNumber > limits.maxLines) throw new ScanParseError(lineNumber, `the transcript has more than ${limits.maxLines} lines`);
    if (typeof line !== 'string') throw new ScanParseError(lineNumber, `the line is ${line.bytes} bytes long, more than the ${describeBytes(limits.maxLineBytes)} a line may have`);
    for (const segment of line.split('\r')) decoder.segment(segment, lineNumber);
  }
  decoder.checkComplete();
  return decoder.result();
}
