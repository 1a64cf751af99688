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

// AWS X-Ray's trace header, as SQS hands it over in the AWSTraceHeader system attribute:
//   Root=1-<8 hex epoch>-<24 hex>;Parent=<16 hex>;Sampled=<0|1>[;Lineage=…]
// Its root id is a 128-bit trace id split in two, so it maps onto W3C without loss (the
// mapping X-Ray's own W3C support uses). Anything else is not a trace header we can vouch for.
const XRAY_ROOT = /(?:^|;)\s*Root=1-([0-9a-f]{8})-([0-9a-f]{24})\s*(?:;|$)/;
const XRAY_PARENT = /(?:^|;)\s*Parent=([0-9a-f]{16})\s*(?:;|$)/;
const XRAY_SAMPLED = /(?:^|;)\s*Sampled=([01])\s*(?:;|$)/;
const MAX_XRAY_HEADER = 256;

/** The W3C traceparent an X-Ray trace header names; undefined when it is not one. */
export function traceparentFromXray(header: string): string | undefined {
  if (header.length > MAX_XRAY_HEADER) return undefined;
  const root = XRAY_ROOT.exec(header);
  const parent = XRAY_PARENT.exec(header);
  if (root === null || parent === null) return undefined;
  const sampled = XRAY_SAMPLED.exec(header)?.[1] === "1" ? "01" : "00";
  const traceparent = `00-${root[1]}${root[2]}-${parent[1]}-${sampled}`;
  return isW3cTraceparent(traceparent) ? traceparent : undefined;
}
