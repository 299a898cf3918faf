export { type Config, type LogLevel, type NodeEnvironment, type TlsFiles, type XssProtection, embeddedDatabasePath } from './config.js';
export { ConfigurationError, EXIT_CONFIGURATION_ERROR, type ConfigurationProblem } from './errors.js';
export { MAX_PREVIOUS_SECRET_KEYS, loadConfig, type LoadConfigOptions, type LoadedConfig } from './load.js';
export { describeConfig, maskUrlCredentials } from './redact.js';
export { loadDotEnvFile, readDotEnvFile } from './dotenv.js';
export { SECRET_VARIABLES, URL_VARIABLES, environmentSchema } from './schema.js';
export { checkTlsFiles, readTlsCredentials } from './tls.js';
