// The legacy backend's event stream: deterministic plain events per tenant, sealed with the
// tenant's key, alternating key versions so rotation is always exercised.
import type { KeyObject } from "node:crypto";
import { generateLegacyEvent } from "../../catalog/legacy/generate.ts";
import type { LegacyPayload } from "../../catalog/legacy/types.ts";
import { sealLegacyEnvelope } from "../legacy-crypto/seal.ts";

export interface SealedEvent {
  readonly tenant: string;
  readonly keyVersion: number;
  readonly eventId: string;
  readonly type: string;
  /** The legacy envelope JSON text, as published. */
  readonly envelope: string;
  readonly traceparent: string | undefined;
  /** The plain legacy event (for test expectations; never logged). */
  readonly plain: LegacyPayload;
}

export interface LegacyStreamOptions {
  readonly tenants: readonly string[];
  readonly keyVersions: readonly number[];
  /** How many events; Infinity with `until` for a duration. */
  readonly count: number;
  /** Ends the stream early when it returns true (checked before each event). */
  readonly until?: () => boolean;
  readonly seed: number;
  /** Pads each plain event to about this many bytes (0 = natural size). */
  readonly targetBytes: number;
  /** Resolves a tenant's key for sealing (the legacy backend holds every tenant's keys). */
  readonly keyFor: (tenant: string, keyVersion: number) => KeyObject;
}

function traceparentFor(sequence: number): string | undefined {
  if (sequence % 3 !== 0) return undefined;
  // A valid W3C trace id is never all zeros (the bridge drops such a traceparent): sequence + 1.
  const trace = (sequence + 1).toString(16).padStart(32, "0");
  return `00-${trace}-${"1".padStart(16, "0")}-01`;
}

export function* legacyStream(options: LegacyStreamOptions): Generator<SealedEvent> {
  const { tenants, keyVersions } = options;
  for (let sequence = 0; sequence < options.count && !(options.until?.() ?? false); sequence++) {
    const tenant = tenants[sequence % tenants.length]!;
    const keyVersion = keyVersions[Math.floor(sequence / tenants.length) % keyVersions.length]!;
    const plain = generateLegacyEvent(options.seed, tenant, sequence, { targetBytes: options.targetBytes });
    const envelope = sealLegacyEnvelope(
      Buffer.from(JSON.stringify(plain)),
      tenant,
      keyVersion,
      plain.event_id,
      options.keyFor(tenant, keyVersion),
    );
    yield {
      tenant,
      keyVersion,
      eventId: plain.event_id,
      type: plain.event_type,
      envelope,
      traceparent: traceparentFor(sequence),
      plain,
    };
  }
}
