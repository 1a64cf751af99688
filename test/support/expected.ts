// What the catalog must contain for the events the simulator published: each plain legacy
// event mapped in-process (the mappers are pinned by the golden files), addressed by ce_id.
import { toJson } from "@bufbuild/protobuf";
import { createCatalogRegistry } from "../../catalog/index.ts";
import { cloudEventId } from "../../src/mapping/identity.ts";
import { parseLegacyEvent } from "../../src/mapping/parse.ts";
import type { SealedEvent } from "../../src/simulator/legacy-stream.ts";

export interface ExpectedRecord {
  readonly topic: string;
  readonly key: string;
  readonly ceType: string;
  readonly ceTime: string;
  readonly ceSource: string;
  readonly tenant: string;
  readonly traceparent: string | undefined;
  readonly json: unknown;
}

export interface Expectation {
  /** By ce_id. */
  readonly records: Map<string, ExpectedRecord>;
  /** Legacy events that map to no catalog event (the bridge counts them as skipped). */
  readonly zeroOutputEvents: number;
}

export function expectedRecords(events: readonly SealedEvent[], topicPrefix: string): Expectation {
  const registry = createCatalogRegistry("dead-letter");
  const expected = new Map<string, ExpectedRecord>();
  let zeroOutputEvents = 0;
  for (const event of events) {
    const legacy = parseLegacyEvent(Buffer.from(JSON.stringify(event.plain)), event.tenant);
    const outputs = registry.map(legacy, { tenant: event.tenant });
    if (outputs.length === 0) zeroOutputEvents++;
    outputs.forEach((output, index) => {
      expected.set(cloudEventId(event.tenant, legacy.id, index), {
        topic: `${topicPrefix}${output.topic}`,
        key: output.key,
        ceType: output.type,
        ceTime: output.time,
        ceSource: `/legacy/${event.tenant}/${legacy.type}`,
        tenant: event.tenant,
        traceparent: event.traceparent,
        json: toJson(output.schema, output.message),
      });
    });
  }
  return { records: expected, zeroOutputEvents };
}
