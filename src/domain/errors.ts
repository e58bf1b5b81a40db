// Errors a person (or an agent) can act on: each says what failed, where, and what to
// do next. Command handlers in src/vscode show `message` once, with a Show Log action.

export class RefineError extends Error {
  constructor(
    message: string,
    /** A short machine-readable code, e.g. `agent.unauthorized`. */
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A path that resolves outside the workspace, into `.git/`, or is otherwise unusable. */
export class PathError extends RefineError {
  constructor(
    message: string,
    readonly path: string,
  ) {
    super(message, 'path.rejected');
  }
}

/** A model or agent call that failed; nothing was applied. */
export class AgentError extends RefineError {}

/** A test run that could not run (not a test that failed). */
export class TestRunError extends RefineError {}

/** Settings or CLI arguments that make no sense. */
export class UsageError extends RefineError {
  constructor(message: string) {
    super(message, 'usage');
  }
}

export class CancelledError extends RefineError {
  constructor(message = 'Cancelled.') {
    super(message, 'cancelled');
  }
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
