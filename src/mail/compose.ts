import type { MailMessage } from './mailer.js';

/** The languages mail is written in: the user's `language` (the web app's UI language). */
export const MAIL_LANGUAGES = ['hu', 'en'] as const;
export type MailLanguage = (typeof MAIL_LANGUAGES)[number];

/** A paragraph of text, or a link shown as its own address (the same in the text and the HTML part: nothing is rewritten). */
export type MailBlock = string | { readonly url: string };

const HTML_ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text for an HTML text node or a double-quoted attribute. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => HTML_ESCAPES[character] ?? character);
}

/**
 * A mail in one language, as plain text and as HTML with the same content.
 * The HTML is self-contained: inline style only, no remote image, no
 * tracking pixel, and every link points exactly where its visible text says.
 */
export function composeMail(to: string, language: MailLanguage, subject: string, blocks: readonly MailBlock[]): MailMessage {
  const text = blocks.map((block) => (typeof block === 'string' ? block : block.url)).join('\n\n');
  const body = blocks
    .map((block) =>
      typeof block === 'string' ? `<p>${escapeHtml(block)}</p>` : `<p><a href="${escapeHtml(block.url)}">${escapeHtml(block.url)}</a></p>`,
    )
    .join('\n');
  const html = [
    '<!doctype html>',
    `<html lang="${language}">`,
    `<head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>`,
    '<body style="font-family: sans-serif; line-height: 1.5; color: #1a1a1a;">',
    body,
    '</body>',
    '</html>',
  ].join('\n');
  return { to, subject, text, html };
}
