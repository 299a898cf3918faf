/** One variable that is missing or invalid, and what was expected instead (never the value received). */
export interface ConfigurationProblem {
  readonly variable: string;
  readonly expected: string;
}

/** Exit status for a configuration error (EX_CONFIG from sysexits.h). */
export const EXIT_CONFIGURATION_ERROR = 78;

/** Raised when the environment cannot make a valid configuration. Lists every bad variable at once. */
export class ConfigurationError extends Error {
  readonly code = 'configuration_invalid';
  readonly problems: readonly ConfigurationProblem[];

  constructor(problems: readonly ConfigurationProblem[]) {
    const count = problems.length;
    const lines = problems.map((problem) => `  - ${problem.variable}: ${problem.expected}`);
    super(
      `Configuration error: ${count} environment variable${count === 1 ? ' is' : 's are'} missing or invalid:\n${lines.join('\n')}\n` +
        'Set them in the environment or in .env (see .env.example).',
    );
    this.name = 'ConfigurationError';
    this.problems = problems;
  }
}
