// Every error class meshbridge reports, in one place. A class name is a public contract: it is
// the DLQ header `mb_error_class`, the `error_class` label of meshbridge_dead_lettered_total and
// the `errorClass` log field, and operators filter on it (`meshbridge dlq inspect --error-class`).
// Never rename one. The operations table in README.md is generated from this list
// (tools/docs/error-classes.ts) and a test keeps the two in step.
//
// - permanent: the event can never succeed; it is dead-lettered and its source message settled.
// - transient: the cause is outside the event (a service down or throttling); the work is retried
//   with backoff while the source keeps the message leased, and it is never dead-lettered.
// An error of neither kind in an asynchronous stage is a bug: it is retried like a transient one
// (acking would lose the message) and reported at error level on every occurrence.

/** The pipeline stage that failed, written to the DLQ header `mb_stage`. */
export type Stage = "envelope" | "key" | "decrypt" | "parse" | "map" | "encode" | "produce";

export type ErrorKind = "permanent" | "transient";

export interface ErrorClassSpec {
  /** Where it can happen; the first is the default when the error is raised. */
  readonly stages: readonly [Stage, ...Stage[]];
  readonly kind: ErrorKind;
  /** One line for operators: what happened and what to do. */
  readonly description: string;
}

export const errorClasses = {
  MalformedEnvelope: {
    stages: ["envelope"],
    kind: "permanent",
    description: "The body is not a legacy envelope (bad JSON, bad SNS notification, missing or invalid field).",
  },
  UnsupportedEnvelopeVersion: {
    stages: ["envelope"],
    kind: "permanent",
    description: "The envelope's `v` is a version this bridge does not read.",
  },
  UnsupportedAlgorithm: {
    stages: ["envelope"],
    kind: "permanent",
    description: "The envelope's `alg` is not AES-256-GCM.",
  },
  UnknownTenant: {
    stages: ["key"],
    kind: "permanent",
    description: "No key for the envelope's tenant in the key file: provision it, then replay the dead letters.",
  },
  UnknownKeyVersion: {
    stages: ["key"],
    kind: "permanent",
    description: "The tenant has no key of the envelope's version: provision it, then replay the dead letters.",
  },
  KeyUnwrapFailed: {
    stages: ["key"],
    kind: "permanent",
    description: "KMS refused the wrapped data key (wrapped for another tenant or KMS key, or the KMS key is gone).",
  },
  InvalidDataKey: {
    stages: ["key"],
    kind: "permanent",
    description: "The unwrapped data key is not 32 bytes long.",
  },
  KeyServiceUnavailable: {
    stages: ["key"],
    kind: "transient",
    description: "KMS unreachable, throttling, or refusing access (disabled key, missing permission): retried.",
  },
  AuthenticationFailed: {
    stages: ["decrypt"],
    kind: "permanent",
    description: "AES-GCM authentication failed: tampered ciphertext, or encrypted for another tenant or key version.",
  },
  MalformedJson: {
    stages: ["parse"],
    kind: "permanent",
    description: "The decrypted payload is not valid JSON.",
  },
  MalformedLegacyEvent: {
    stages: ["parse"],
    kind: "permanent",
    description: "The decrypted JSON is not an object with valid `event_type`, `event_version` and `event_id`.",
  },
  UnknownEventType: {
    stages: ["map"],
    kind: "permanent",
    description: "No mapper for the legacy type and version (`mapping.unknownType: skip` skips instead).",
  },
  MapperFailed: {
    stages: ["map"],
    kind: "permanent",
    description:
      "The mapper threw: bad legacy data (the message names the field) or a mapper bug (only the error's type is kept).",
  },
  UnknownTopic: {
    stages: ["encode"],
    kind: "permanent",
    description: "A mapper produced an event for a topic that has no loaded schema.",
  },
  SchemaMismatch: {
    stages: ["encode"],
    kind: "permanent",
    description: "A mapper produced a message type other than the one registered for its topic.",
  },
  EncodeFailed: {
    stages: ["encode"],
    kind: "permanent",
    description: "The catalog message cannot be encoded as Protobuf (invalid field value).",
  },
  RegistryUnavailable: {
    stages: ["encode"],
    kind: "transient",
    description: "At start-up, the schema registry is unreachable or failing (network, HTTP 429 or 5xx): retried.",
  },
  RecordTooLarge: {
    stages: ["produce"],
    kind: "permanent",
    description: "A record exceeds its topic's `max.message.bytes`.",
  },
  RecordListTooLarge: {
    stages: ["produce"],
    kind: "permanent",
    description: "Kafka refused the record batch as too large (RECORD_LIST_TOO_LARGE).",
  },
  InvalidRecord: {
    stages: ["produce"],
    kind: "permanent",
    description: "Kafka refused the record as invalid (INVALID_RECORD, e.g. a topic policy).",
  },
  KafkaUnavailable: {
    stages: ["produce"],
    kind: "transient",
    description: "Kafka unreachable, timed out or moving leaders; the whole batch is sent again.",
  },
  UnexpectedError: {
    stages: ["envelope", "decrypt", "parse", "map", "encode"],
    kind: "permanent",
    description:
      "A synchronous stage threw something it does not document (a bug); these do no I/O, so a retry cannot help. Report it.",
  },
} as const satisfies Record<string, ErrorClassSpec>;

export type ErrorClassName = keyof typeof errorClasses;

type ClassesOfKind<K extends ErrorKind> = {
  [C in ErrorClassName]: (typeof errorClasses)[C]["kind"] extends K ? C : never;
}[ErrorClassName];

export type PermanentClassName = ClassesOfKind<"permanent">;
export type TransientClassName = ClassesOfKind<"transient">;

/** The stages an error class can be raised in. */
export type StageOf<C extends ErrorClassName> = (typeof errorClasses)[C]["stages"][number];
