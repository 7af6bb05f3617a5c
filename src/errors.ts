/** An error caused by the user's input or environment: printed as one line, no stack. */
export class UserError extends Error {
  override name = "UserError";
}
