// Start-up check of every subject the bridge writes, and the hot-path encoder built from it.
// Run mode never registers: the registry's latest schema must equal the catalog file the
// code was generated from, or the bridge refuses to start (SchemaDriftError). The schema id
// and message-index path are then fixed per topic, so encoding an event is toBinary plus
// one copy — no registry lookup, no promise.
import { type DescMessage, toBinary } from "@bufbuild/protobuf";
import type { CatalogEvent } from "../mapping/mapper.ts";
import { PermanentError } from "../pipeline/errors.ts";
import { readProtoText, type SchemaCatalogEntry } from "./catalog-entry.ts";
import { RegistryUnavailableError, SchemaCheckFailedError, SchemaDriftError, SubjectNotRegisteredError } from "./errors.ts";
import { assertGeneratedMatches } from "./generated-check.ts";
import { diffLines } from "./line-diff.ts";
import { canonicalLinesOf, ProtoSyntaxError, tokenizeProto } from "./proto-canonical.ts";
import type { RegistryClient } from "./registry-client.ts";
import { confluentPrefix, frame, messageIndexPath } from "./wire-format.ts";

export interface CatalogEncoder {
  /** Confluent-framed Protobuf bytes of the event's message. Throws PermanentError("encode", …). */
  encode(event: CatalogEvent): Buffer;
  /** The registered schema id the topic's records carry. Throws for a topic not loaded. */
  schemaIdFor(topic: string): number;
  /** What was verified at start-up, one per topic (for logs and /ready). */
  readonly topics: readonly LoadedTopicSchema[];
}

export interface LoadedTopicSchema {
  readonly topic: string;
  readonly subject: string;
  readonly schemaId: number;
  /** Registry version the id belongs to; undefined when built without a registry. */
  readonly version: number | undefined;
  readonly schema: DescMessage;
}

export interface LoadOptions {
  /** Base directory for relative `protoPath`s; default: the working directory. */
  readonly protoRoot?: string;
  /** Shown in errors as the way to register the catalog schemas. */
  readonly registerCommand?: string;
}

/** The one registry call start-up needs (a RegistryClient; a fake in unit tests). */
export type RegistryReader = Pick<RegistryClient, "getLatest">;

export const DEFAULT_REGISTER_COMMAND = "meshbridge register-schemas";

/**
 * Checks every entry against the registry and returns the encoder. Throws
 * RegistryUnavailableError (transient: retry) if the registry cannot be reached; otherwise
 * SubjectNotRegisteredError / SchemaDriftError / StaleGeneratedCodeError / RegistryRequestError
 * for one failing subject, or SchemaCheckFailedError listing all of them.
 */
export async function loadCatalogEncoder(
  entries: readonly SchemaCatalogEntry[],
  registry: RegistryReader,
  options: LoadOptions = {},
): Promise<CatalogEncoder> {
  const registerCommand = options.registerCommand ?? DEFAULT_REGISTER_COMMAND;
  assertUniqueTopics(entries);
  const outcomes = await Promise.allSettled(
    entries.map((entry) => verifyEntry(entry, registry, options.protoRoot, registerCommand)),
  );
  const failures: unknown[] = [];
  const loaded: LoadedTopicSchema[] = [];
  for (const outcome of outcomes) {
    if (outcome.status === "fulfilled") loaded.push(outcome.value);
    else failures.push(outcome.reason);
  }
  // An unreachable registry says nothing about drift: report it alone, so the caller retries.
  const transient = failures.find((failure) => failure instanceof RegistryUnavailableError);
  if (transient !== undefined) throw transient;
  if (failures.length === 1) throw failures[0];
  if (failures.length > 1) {
    const messages = failures.map((failure) => (failure instanceof Error ? failure.message : String(failure)));
    throw new SchemaCheckFailedError(
      failures,
      `${failures.length} of ${entries.length} subjects failed the schema check:\n- ${messages.join("\n- ")}`,
    );
  }
  return createCatalogEncoder(loaded);
}

async function verifyEntry(
  entry: SchemaCatalogEntry,
  registry: RegistryReader,
  protoRoot: string | undefined,
  registerCommand: string,
): Promise<LoadedTopicSchema> {
  const tokens = tokenizeProto(readProtoText(entry, protoRoot));
  assertGeneratedMatches(entry.schema.file, tokens, entry.protoPath);
  if (entry.schema.parent !== undefined || entry.schema.file.messages[0] !== entry.schema) {
    // The catalog convention (message-index path [0]); anything else is a mis-wired entry.
    throw new Error(`topic "${entry.topic}": ${entry.schema.typeName} is not the first top-level message of ${entry.protoPath}`);
  }

  const registered = await registry.getLatest(entry.subject);
  if (registered === undefined) throw new SubjectNotRegisteredError(entry.subject, registerCommand);

  const hint =
    `Either register the catalog schema (${registerCommand}; it must be compatible) ` +
    "or run a bridge built from the registered schema.";
  if (registered.schemaType !== "PROTOBUF") {
    throw new SchemaDriftError(
      entry.subject,
      registered,
      entry.protoPath,
      [`- schemaType ${registered.schemaType}`, "+ schemaType PROTOBUF"],
      hint,
    );
  }
  if (registered.references.length > 0) {
    const names = registered.references.map((r) => r.name).join(", ");
    throw new SchemaDriftError(
      entry.subject,
      registered,
      entry.protoPath,
      [`- references ${names}`, "+ (catalog files are self-contained)"],
      hint,
    );
  }
  const registeredLines = registeredCanonicalLines(registered.schema);
  const catalogLines = canonicalLinesOf(tokens);
  const difference = diffLines(registeredLines, catalogLines);
  if (difference.length > 0) {
    throw new SchemaDriftError(entry.subject, registered, entry.protoPath, difference, hint);
  }
  return {
    topic: entry.topic,
    subject: entry.subject,
    schemaId: registered.id,
    version: registered.version,
    schema: entry.schema,
  };
}

/** A registered text that is no .proto at all is drift too, shown as such. */
function registeredCanonicalLines(schema: string): string[] {
  try {
    return canonicalLinesOf(tokenizeProto(schema));
  } catch (error) {
    if (!(error instanceof ProtoSyntaxError)) throw error;
    return [`(not parseable as .proto text: ${error.message})`];
  }
}

interface PreparedTopic {
  readonly loaded: LoadedTopicSchema;
  readonly schema: DescMessage;
  readonly prefix: Buffer;
}

/** The encoder for already verified topics (also: tests and benchmarks without a registry). */
export function createCatalogEncoder(
  topics: readonly (Omit<LoadedTopicSchema, "version"> & { readonly version?: number })[],
): CatalogEncoder {
  const byTopic = new Map<string, PreparedTopic>();
  const loaded: LoadedTopicSchema[] = [];
  for (const topic of topics) {
    const entry: LoadedTopicSchema = { ...topic, version: topic.version };
    if (byTopic.has(topic.topic)) throw new Error(`topic "${topic.topic}" is listed twice`);
    byTopic.set(topic.topic, {
      loaded: entry,
      schema: topic.schema,
      prefix: confluentPrefix(topic.schemaId, messageIndexPath(topic.schema)),
    });
    loaded.push(entry);
  }

  return {
    topics: loaded,
    schemaIdFor(topic: string): number {
      const prepared = byTopic.get(topic);
      if (prepared === undefined) throw new Error(`no schema loaded for topic "${topic}"`);
      return prepared.loaded.schemaId;
    },
    encode(event: CatalogEvent): Buffer {
      const prepared = byTopic.get(event.topic);
      if (prepared === undefined) {
        throw new PermanentError("UnknownTopic", `no schema loaded for topic "${oneLine(event.topic)}"`);
      }
      const schema = prepared.schema;
      if (event.schema !== schema && event.schema.typeName !== schema.typeName) {
        throw new PermanentError(
          "SchemaMismatch",
          `topic "${event.topic}" carries ${schema.typeName}, the event is ${event.schema.typeName}`,
        );
      }
      let body: Uint8Array;
      try {
        body = toBinary(schema, event.message);
      } catch (error) {
        // No cause: toBinary's message contains the offending value, i.e. payload data.
        throw new PermanentError(
          "EncodeFailed",
          `cannot encode ${schema.typeName} for topic "${event.topic}": ${describeEncodeError(error)}`,
        );
      }
      return frame(prepared.prefix, body);
    },
  };
}

const FIELD_ERROR = /^cannot encode field (\S+) to binary: (invalid [a-z0-9]+)/;

/** The field and kind of problem, never the value. */
export function describeEncodeError(error: unknown): string {
  if (!(error instanceof Error)) return "toBinary failed";
  const match = FIELD_ERROR.exec(error.message);
  if (match !== null) return `field ${match[1]}: ${match[2]} value`;
  if (error.name === "ForeignFieldError") return "the message is of another type";
  return `toBinary failed (${error.name})`;
}

function assertUniqueTopics(entries: readonly SchemaCatalogEntry[]): void {
  const seen = new Set<string>();
  for (const entry of entries) {
    if (seen.has(entry.topic)) throw new Error(`catalog lists topic "${entry.topic}" twice`);
    seen.add(entry.topic);
  }
}

function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, " ");
}
