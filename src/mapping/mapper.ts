// The contract between the legacy world and the catalog: a mapper turns one decrypted,
// parsed legacy event into 0..N catalog events. Mappers are pure and synchronous.
import type { DescMessage, MessageShape } from "@bufbuild/protobuf";

/** A decrypted legacy event: parsed JSON whose type and version select the mapper. */
export interface LegacyEvent {
  readonly type: string;
  readonly version: number;
  /** The legacy event identity; ce_id is derived from it so redeliveries are recognisable. */
  readonly id: string;
  readonly body: Readonly<Record<string, unknown>>;
}

export interface MapContext {
  readonly tenant: string;
}

/** One catalog event, ready to encode. `schema` is the generated descriptor of the topic's message. */
export interface CatalogEvent<Desc extends DescMessage = DescMessage> {
  readonly topic: string;
  readonly schema: Desc;
  readonly message: MessageShape<Desc>;
  /** Kafka record key: the entity whose events must stay in order. */
  readonly key: string;
  /** CloudEvents type, e.g. "com.meshbridge.order.placed.v1". */
  readonly type: string;
  /** CloudEvents time (RFC 3339). */
  readonly time: string;
  /** CloudEvents subject, optional. */
  readonly subject?: string;
}

export type Mapper = (event: LegacyEvent, context: MapContext) => readonly CatalogEvent[];
