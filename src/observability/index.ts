export { createLogger, REDACTED_LOG_PATHS, wantsPrettyLogs, type LoggerOptions } from './logger.js';
export { ownSecretsOf, scrubSecrets, scrubbingStream, type OwnSecrets } from './log-scrubber.js';
