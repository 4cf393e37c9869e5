/**
 * The CLI's user-error type, in its own module so that commands and their helpers import
 * it without importing the command table (no import cycle).
 *
 * @module
 */

/** Thrown by commands for errors the user can fix; printed without a stack trace. */
export class UsageError extends Error {
  /** @param message one line saying what is wrong and what to do */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}
