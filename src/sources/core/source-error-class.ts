// What a failing source reports as its error class (metrics state, "source failing" log line): a
// short code from the error, never its message (which may carry a URL, an account id or a token).
import { GRPC_STATUS_NAMES } from "./grpc-status.ts";

const SAFE = /^[A-Za-z0-9._-]{1,64}$/;

/** A network code (ECONNREFUSED), a gRPC status name, an SDK error name (QueueDoesNotExist), or "Error". */
export function sourceErrorClass(error: unknown): string {
  if (typeof error !== "object" || error === null) return "Error";
  const { code, name } = error as { code?: unknown; name?: unknown };
  if (typeof code === "number" && GRPC_STATUS_NAMES[code] !== undefined) return GRPC_STATUS_NAMES[code];
  if (typeof code === "string" && SAFE.test(code)) return code;
  if (typeof name === "string" && name !== "Error" && SAFE.test(name)) return name;
  return "Error";
}
