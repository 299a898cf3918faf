export { createLogger, REDACTED_LOG_PATHS, wantsPrettyLogs, type LoggerOptions } from './logger.js';
export { scrubSecrets, scrubbingStream } from './log-scrubber.js';
