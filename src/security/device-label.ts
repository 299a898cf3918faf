import Bowser from 'bowser';

/** Longer User-Agent headers are cut before parsing: a parse must stay cheap whatever a client sends. */
const MAX_USER_AGENT_LENGTH = 512;
const MAX_LABEL_LENGTH = 128;

/**
 * A short, human-readable device label from a User-Agent header:
 * "Firefox 133 on Linux", "Safari on iOS 18.1", "curl/8.5.0". Null without a header.
 */
export function deviceLabel(userAgent: string | null | undefined): string | null {
  if (userAgent === undefined || userAgent === null) return null;
  const header = userAgent.slice(0, MAX_USER_AGENT_LENGTH).trim();
  if (header === '') return null;
  const parsed = Bowser.parse(header);
  const browser = [parsed.browser.name, parsed.browser.version?.split('.')[0]].filter((part) => part !== undefined && part !== '').join(' ');
  const system = [parsed.os.name, parsed.os.versionName ?? parsed.os.version].filter((part) => part !== undefined && part !== '').join(' ');
  const label = browser !== '' && system !== '' ? `${browser} on ${system}` : browser !== '' ? browser : system !== '' ? system : (header.split(/\s/)[0] ?? header);
  return label.slice(0, MAX_LABEL_LENGTH);
}
