// Hostile bodies for the fault scenarios, the kinds test/mesh/hostile-input.test.ts sends
// (malformed, truncated, flipped bit, cross-tenant, unknown key version, unknown envelope
// version, not base64, not an envelope), derived from a real sealed event of the world: each
// must end in the dead-letter topic, none may be acked without a dead letter.
import type { SealedEvent } from "../../../tools/simulator/legacy-stream.ts";

export interface HostileBody {
  readonly id: string;
  readonly body: string;
}

export function hostileBodies(label: string, from: SealedEvent, otherTenant: string): HostileBody[] {
  const envelope = JSON.parse(from.envelope) as Record<string, string | number>;
  const ct = Buffer.from(String(envelope.ct), "base64");
  ct[Math.floor(ct.length / 2)]! ^= 0x04;
  const variant = (change: Record<string, string | number>): string => JSON.stringify({ ...envelope, ...change });
  const bodies: [string, string][] = [
    ["malformed", "{not json"],
    ["truncated", from.envelope.slice(0, Math.floor(from.envelope.length / 2))],
    ["flipped-bit", variant({ ct: ct.toString("base64") })],
    ["cross-tenant", variant({ tenant: otherTenant })],
    ["unknown-key-version", variant({ kver: 99 })],
    ["unknown-envelope-version", variant({ v: 99 })],
    ["not-base64", variant({ ct: "!!not base64!!" })],
    ["not-an-envelope", JSON.stringify({ hello: "world" })],
  ];
  return bodies.map(([kind, body]) => ({ id: `${label}-${kind}`, body }));
}
