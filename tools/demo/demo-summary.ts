// The demo's closing lines: whether every legacy event it sent is accounted for (acked by the
// bridge, and either mapped into catalog records now in Kafka or dead-lettered), in words.

export interface DemoCounts {
  /** Legacy events (source messages) the demo sent, broken ones included. */
  readonly sent: number;
  /** Source messages the bridge settled as done. */
  readonly acked: number;
  /** Catalog records the bridge produced, and how many of them the demo's consumer read back. */
  readonly produced: number;
  readonly catalogRead: number;
  /** Dead-letter records the demo's consumer read. */
  readonly deadLettered: number;
  /** Events that made no catalog record (mapped to 0 events, or skipped by policy): meshbridge_skipped_total. */
  readonly withoutRecords: number;
}

export function demoSummary(counts: DemoCounts): string[] {
  const mapped = counts.acked - counts.deadLettered;
  const complete = counts.acked === counts.sent && counts.catalogRead >= counts.produced;
  const accounting = `${counts.sent} legacy events sent = ${mapped} mapped + ${counts.deadLettered} dead-lettered`;
  const none = counts.withoutRecords > 0 ? ` (${counts.withoutRecords} of them into none)` : "";
  const head = complete
    ? `nothing was lost: ${accounting}; the ${mapped} mapped ones became ${counts.produced} catalog records${none}, all read back from Kafka`
    : `NOT everything is accounted for yet: ${counts.sent} sent, ${counts.acked} acked by the bridge, ${counts.catalogRead} of ${counts.produced} catalog records read back, ${counts.deadLettered} dead-lettered`;
  return [
    head,
    "(a legacy event becomes 0..N catalog events — e.g. a captured order is an order and a payment — so records and events differ)",
    'the dead letters, with why: eval "$(npm run -s stack -- env)"; npx meshbridge dlq inspect',
    "the local mesh keeps running for the next run; stop it with ./dev down",
  ];
}
