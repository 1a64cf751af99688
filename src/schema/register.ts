// The registration command's logic (run mode never registers): put each catalog .proto under
// its subject, after setting the subject's compatibility level so the registry itself rejects
// an incompatible new version. Idempotent: a schema equal to the latest version (in the
// canonical form, so a comment or formatting change is not a new version) is not registered
// again, and an identical text returns the same id.
import type { SchemaCatalogEntry } from "./catalog-entry.ts";
import { readProtoText } from "./catalog-entry.ts";
import { RegistryRequestError } from "./errors.ts";
import { assertGeneratedMatches } from "./generated-check.ts";
import { diffLines } from "./line-diff.ts";
import { canonicalLinesOf, tokenizeProto } from "./proto-canonical.ts";
import { CompatibilityLevel, type RegistryClient } from "./registry-client.ts";

/** The registry calls registration needs (a RegistryClient; a fake in unit tests). */
export type RegistryWriter = Pick<RegistryClient, "getLatest" | "lookup" | "register" | "setCompatibility" | "getCompatibility">;

export interface RegisterOptions {
  /** Set on every subject before registering; default BACKWARD; null leaves the level alone. */
  readonly compatibility?: CompatibilityLevel | null;
  /** Base directory for relative `protoPath`s; default: the working directory. */
  readonly protoRoot?: string;
}

export interface RegistrationResult {
  readonly topic: string;
  readonly subject: string;
  readonly id: number;
  readonly version: number;
  /** A new version was created (false: the schema was already there). */
  readonly created: boolean;
  /**
   * The catalog schema is the subject's latest version — what the bridge requires. False when
   * it equals an older version: registries return that version's id and keep the newer one
   * as latest, so the bridge would still report drift.
   */
  readonly latest: boolean;
  /** The level set (or found, with compatibility: null). */
  readonly compatibility: string | undefined;
}

export async function registerSchemas(
  entries: readonly SchemaCatalogEntry[],
  registry: RegistryWriter,
  options: RegisterOptions = {},
): Promise<RegistrationResult[]> {
  const level = options.compatibility === undefined ? CompatibilityLevel.BACKWARD : options.compatibility;
  const results: RegistrationResult[] = [];
  for (const entry of entries) {
    results.push(await registerOne(entry, registry, level, options.protoRoot));
  }
  return results;
}

async function registerOne(
  entry: SchemaCatalogEntry,
  registry: RegistryWriter,
  level: CompatibilityLevel | null,
  protoRoot: string | undefined,
): Promise<RegistrationResult> {
  const text = readProtoText(entry, protoRoot);
  const tokens = tokenizeProto(text);
  assertGeneratedMatches(entry.schema.file, tokens, entry.protoPath);
  const catalogLines = canonicalLinesOf(tokens);

  // Before registering: a level set afterwards would not guard this very registration.
  if (level !== null) await registry.setCompatibility(entry.subject, level);
  const compatibility = level ?? (await registry.getCompatibility(entry.subject));

  const before = await registry.getLatest(entry.subject);
  const base = { topic: entry.topic, subject: entry.subject, compatibility };
  if (
    before !== undefined &&
    before.schemaType === "PROTOBUF" &&
    diffLines(canonicalLinesOf(tokenizeProto(before.schema)), catalogLines).length === 0
  ) {
    return { ...base, id: before.id, version: before.version, created: false, latest: true };
  }

  let id: number;
  try {
    id = await registry.register(entry.subject, text, "PROTOBUF");
  } catch (error) {
    if (error instanceof RegistryRequestError && error.status === 409 && before !== undefined) {
      const difference = diffLines(canonicalLinesOf(tokenizeProto(before.schema)), catalogLines);
      throw new RegistryRequestError(
        `subject "${entry.subject}": the registry rejected the catalog schema ${entry.protoPath} as incompatible ` +
          `with version ${before.version} (id ${before.id}) under ${compatibility ?? "its compatibility level"} ` +
          `(- registered, + catalog):\n${difference.map((line) => `    ${line}`).join("\n")}`,
        409,
        error.errorCode,
      );
    }
    throw error;
  }
  const found = await registry.lookup(entry.subject, text, "PROTOBUF");
  const after = await registry.getLatest(entry.subject);
  const version = found?.version ?? after?.version;
  if (version === undefined) {
    throw new RegistryRequestError(`subject "${entry.subject}": registered as id ${id} but no version found`, 200, undefined);
  }
  return {
    ...base,
    id,
    version,
    created: before === undefined || version > before.version,
    latest: after?.version === version,
  };
}
