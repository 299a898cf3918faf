import nodemailer from 'nodemailer';

/** One message to one recipient: plain text, and optionally the same content as HTML (a multipart/alternative mail). */
export interface MailMessage {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  /** Escaped, self-contained HTML: no remote images, no tracking, links exactly as in the text. */
  readonly html?: string;
}

/** Where outgoing mail goes. */
export interface Mailer {
  send(message: MailMessage): Promise<void>;
  close(): void;
}

/** Sends over SMTP (`SMTP_URL`); nodemailer reads host, port, TLS and credentials from the URL. */
export function smtpMailer(smtpUrl: string, from: string): Mailer {
  const transport = nodemailer.createTransport(smtpUrl);
  return {
    async send(message) {
      await transport.sendMail({
        from,
        to: message.to,
        subject: message.subject,
        text: message.text,
        ...(message.html === undefined ? {} : { html: message.html }),
        // Readable in the raw message (and so in mail filters and tests) rather than base64.
        textEncoding: 'quoted-printable',
      });
    },
    close() {
      transport.close();
    },
  };
}

/**
 * Development without SMTP: the message is logged at info level instead. This
 * is the only place a password-reset link may appear in a log, and production
 * refuses to start without SMTP_URL, so it never happens there.
 */
export function loggingMailer(log: (fields: Record<string, unknown>, message: string) => void): Mailer {
  return {
    send(message) {
      log(
        { to: message.to, subject: message.subject, body: message.text, ...(message.html === undefined ? {} : { html: message.html }) },
        'mail not sent (no SMTP_URL): logged for development',
      );
      return Promise.resolve();
    },
    close() {
      // Nothing to release.
    },
  };
}
