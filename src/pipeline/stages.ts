// The stages the pipeline runs for each source message, as plain functions. The pipeline knows
// their order and failure semantics; what each does lives in its own folder.
import type { KeyObject } from "node:crypto";
import type { CatalogEvent, LegacyEvent, MapContext } from "../mapping/mapper.ts";
import type { SourceMessage } from "../sources/source.ts";

/** What the pipeline needs to know of a parsed legacy envelope; the rest is the decrypt stage's. */
export interface EnvelopeIdentity {
  readonly tenant: string;
  readonly keyVersion: number;
  readonly eventId: string;
}

export interface EnvelopeRead<E extends EnvelopeIdentity> {
  readonly envelope: E;
  /** W3C trace context carried by the source (message attribute), if any. */
  readonly traceparent: string | undefined;
}

/** Only the key look-ups the pipeline uses; see src/crypto/keyring.ts. */
export interface KeySource {
  peek(tenant: string, keyVersion: number): KeyObject | undefined;
  load(tenant: string, keyVersion: number): Promise<KeyObject>;
}

export interface PipelineStages<E extends EnvelopeIdentity> {
  /** envelope: the source body (raw, SNS notification, Pub/Sub data) → the legacy envelope. */
  readEnvelope(message: SourceMessage): EnvelopeRead<E>;
  readonly keys: KeySource;
  /** decrypt: AES-256-GCM with the tenant bound as AAD. */
  decrypt(envelope: E, key: KeyObject): Buffer;
  /** parse: decrypted bytes → legacy event. */
  parse(plaintext: Buffer, tenant: string): LegacyEvent;
  /** map: legacy event → 0..N catalog events. */
  map(event: LegacyEvent, context: MapContext): readonly CatalogEvent[];
  /** encode: catalog event → Confluent wire-format value. */
  encode(event: CatalogEvent): Buffer;
}
