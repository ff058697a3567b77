/**
 * An error that knows the HTTP status and JSON body it maps to: `{ error: { code, message, field? } }`.
 * Every API module (ticket API, Direct Line) throws these so clients see one error shape.
 */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** The request field to fix, when one is at fault. */
    readonly field?: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }

  get body(): { error: { code: string; message: string; field?: string } } {
    return { error: { code: this.code, message: this.message, ...(this.field === undefined ? {} : { field: this.field }) } };
  }
}
