import { SMTPServer } from 'smtp-server';
import { freePort } from './process.js';
import { eventually } from './time.js';

export interface ReceivedMail {
  readonly to: string[];
  /** The raw message with quoted-printable soft line breaks undone. */
  readonly body: string;
}

export interface LocalSmtpServer {
  readonly url: string;
  readonly messages: ReceivedMail[];
  /**
   * Waits for the first message to `to` (up to timeoutMs), or the first whose
   * body contains `containing` (registration mails a verification link first).
   */
  waitForMail(to: string, timeoutMs?: number, containing?: string): Promise<ReceivedMail>;
  /** While set, every message is refused (450 mailbox unavailable) and not kept: a mail server that is down for mail. */
  failing: boolean;
  stop(): Promise<void>;
}

/** Undoes quoted-printable: soft line breaks go, and `=XX` bytes are read back as the UTF-8 they encode (Hungarian text). */
function decodeQuotedPrintable(text: string): string {
  const bytes = text.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_match, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  // Every other character of a raw message is ASCII: as Latin-1 each is its own byte.
  return Buffer.from(bytes, 'latin1').toString('utf8');
}

/** A real SMTP server on a free loopback port that keeps what it receives. */
export async function startSmtpServer(): Promise<LocalSmtpServer> {
  const messages: ReceivedMail[] = [];
  const state = { failing: false };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        if (state.failing) {
          callback(Object.assign(new Error('mailbox unavailable (test)'), { responseCode: 450 }));
          return;
        }
        messages.push({ to: session.envelope.rcptTo.map((recipient) => recipient.address), body: decodeQuotedPrintable(Buffer.concat(chunks).toString('utf8')) });
        callback();
      });
    },
  });
  const port = await freePort();
  await new Promise<void>((resolve) => {
    server.listen(port, '127.0.0.1', resolve);
  });
  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    waitForMail(to, timeoutMs = 5000, containing) {
      return eventually(() => messages.find((message) => message.to.includes(to) && (containing === undefined || message.body.includes(containing))), {
        timeoutMs,
        what: containing === undefined ? `a mail to ${to}` : `a mail to ${to} containing "${containing}"`,
      });
    },
    get failing() {
      return state.failing;
    },
    set failing(value: boolean) {
      state.failing = value;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      }),
  };
}
