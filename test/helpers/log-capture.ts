import { PassThrough } from 'node:stream';

/** The JSON log lines in `text`, one object per non-empty line. */
export function jsonLines(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** A stream for a logger's `destination`, and the JSON lines written to it so far. */
export function logCapture(): { destination: PassThrough; lines: () => Record<string, unknown>[] } {
  const destination = new PassThrough();
  const chunks: string[] = [];
  destination.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')));
  return { destination, lines: () => jsonLines(chunks.join('')) };
}
