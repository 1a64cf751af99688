// What the catalog must contain for the events the simulator published: each plain legacy
// event mapped in-process (the mappers are pinned by the golden files), addressed by ce_id.
import { toJson } from "@bufbuild/protobuf";
import { createCatalogRegistry } from "../../catalog/index.ts";
import { cloudEventId } from "../../src/mapping/identity.ts";
import { parseLegacyEvent } from "../../src/mapping/parse.ts";
import type { SealedEvent } from "../../tools/simulator/legacy-stream.ts";

export interface ExpectedRecord {
  /** The legacy event it comes from (for messages). */
  readonly eventId: string;
  readonly topic: string;
  readonly key: string;
  readonly typeName: string;
  readonly ceType: string;
  readonly ceTime: string;
  readonly ceSource: string;
  readonly tenant: string;
  readonly traceparent: string | undefined;
  /** The message as canonical proto3 JSON. */
  readonly json: unknown;
}

export interface Expectation {
  /** By ce_id. */
  readonly records: Map<string, ExpectedRecord>;
  /** Legacy event ids the mapping refuses (the bridge dead-letters them). */
  readonly deadLetters: Set<string>;
  /** Legacy events that map to no catalog event (the bridge counts them as skipped). */
  readonly zeroOutputEvents: number;
}

export function expectedRecords(events: Iterable<SealedEvent>, topicPrefix: string): Expectation {
  const registry = createCatalogRegistry("dead-letter");
  const records = new Map<string, ExpectedRecord>();
  const deadLetters = new Set<string>();
  let zeroOutputEvents = 0;
  for (const event of events) {
    let legacy: ReturnType<typeof parseLegacyEvent>;
    let outputs: ReturnType<typeof registry.map>;
    try {
      legacy = parseLegacyEvent(Buffer.from(JSON.stringify(event.plain)), event.tenant);
      outputs = registry.map(legacy, { tenant: event.tenant });
    } catch {
      deadLetters.add(event.eventId);
      continue;
    }
    if (outputs.length === 0) zeroOutputEvents++;
    outputs.forEach((output, index) => {
      records.set(cloudEventId(event.tenant, legacy.id, index), {
        eventId: event.eventId,
        topic: `${topicPrefix}${output.topic}`,
        key: output.key,
        typeName: output.schema.typeName,
        ceType: output.type,
        ceTime: output.time,
        ceSource: `/legacy/${event.tenant}/${legacy.type}`,
        tenant: event.tenant,
        traceparent: event.traceparent,
        json: toJson(output.schema, output.message),
      });
    });
  }
  return { records, deadLetters, zeroOutputEvents };
}
