// W3C Trace Context `traceparent`: a transport attribute is untrusted text, and a catalog record
// copies it into its `traceparent` header, where every consumer's tracer parses it. Only a
// well-formed value travels on; anything else is dropped (the spec says to start a new trace).
//   version "-" trace-id "-" parent-id "-" flags, lower-case hex: 2-32-16-2 (55 characters).
// Version ff is invalid, and so are all-zero ids. Later versions may append "-…" fields; this
// bridge forwards only what it can vouch for, the version-00 layout.
const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;
const ZERO_TRACE_ID = "00000000000000000000000000000000";
const ZERO_PARENT_ID = "0000000000000000";

export function isW3cTraceparent(value: string): boolean {
  return (
    value.length === 55 &&
    TRACEPARENT.test(value) &&
    !value.startsWith("ff") &&
    value.slice(3, 35) !== ZERO_TRACE_ID &&
    value.slice(36, 52) !== ZERO_PARENT_ID
  );
}
