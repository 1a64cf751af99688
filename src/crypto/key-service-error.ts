// The transient failure of a key service (KMS unreachable, throttling, refusing access): the
// pipeline retries the key load with backoff, and the messages wait, leased.
import { TransientError } from "../pipeline/errors.ts";

export class KeyServiceUnavailableError extends TransientError<"KeyServiceUnavailable"> {
  override readonly name: string = "KeyServiceUnavailableError";

  constructor(message: string, options?: { cause?: unknown }) {
    super("KeyServiceUnavailable", message, options);
  }
}
