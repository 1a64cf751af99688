// Selects the mapper for a legacy event by type and version and turns every mapping failure into
// a PermanentError the pipeline dead-letters.
import { PermanentError } from "../pipeline/errors.ts";
import { LegacyDataError } from "./legacy-data-error.ts";
import type { CatalogEvent, LegacyEvent, MapContext, Mapper } from "./mapper.ts";

/** What to do with a legacy event no mapper is registered for. */
export type UnknownEventPolicy = "dead-letter" | "skip";

const MAX_DETAIL_LENGTH = 300;
const none: readonly CatalogEvent[] = Object.freeze([]);

/** Keeps a value safe for a one-line error message: no control characters, bounded length. */
function clean(text: string, max: number): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point.
  const flat = text.replace(/[\u0000-\u001f\u007f]+/g, " ");
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

function label(event: LegacyEvent): string {
  return `${clean(event.type, 100)}@${event.version}`;
}

/**
 * Why a mapper failed, for the DLQ header and logs. Only LegacyDataError messages are included:
 * they name fields by contract. Any other error (TypeError, RangeError, SyntaxError from BigInt or
 * JSON, a library's error) may quote the decrypted data it choked on — `BigInt("12,50")` does — so
 * only its class is reported, and the error is not attached as `cause` either (a logger
 * serialising causes would print it). Reproduce such failures with the dry-run tool on the event.
 */
function describe(error: unknown): string {
  if (error instanceof LegacyDataError) return `LegacyDataError: ${clean(error.message, MAX_DETAIL_LENGTH)}`;
  if (error instanceof Error) return `${clean(error.name, 60)} (message withheld: it may quote payload data)`;
  return `non-Error value of type ${typeof error} thrown`;
}

export class MapperRegistry {
  readonly unknownEventPolicy: UnknownEventPolicy;
  readonly #byType = new Map<string, Map<number, Mapper>>();
  #skippedUnknown = 0;

  constructor(unknownEventPolicy: UnknownEventPolicy) {
    this.unknownEventPolicy = unknownEventPolicy;
  }

  /** Legacy events of an unknown type/version that the "skip" policy dropped since creation. */
  get skippedUnknown(): number {
    return this.#skippedUnknown;
  }

  /** Registers the mapper of one legacy type and version; registering a pair twice is an error. */
  register(type: string, version: number, mapper: Mapper): this {
    if (!Number.isSafeInteger(version) || version < 1) throw new RangeError(`version of ${type} must be a positive integer`);
    let versions = this.#byType.get(type);
    if (versions === undefined) {
      versions = new Map();
      this.#byType.set(type, versions);
    }
    if (versions.has(version)) throw new Error(`a mapper for ${type}@${version} is already registered`);
    versions.set(version, mapper);
    return this;
  }

  has(type: string, version: number): boolean {
    return this.#byType.get(type)?.has(version) ?? false;
  }

  /** Every registered type and version, sorted. */
  registered(): { type: string; version: number }[] {
    const all: { type: string; version: number }[] = [];
    for (const [type, versions] of this.#byType) for (const version of versions.keys()) all.push({ type, version });
    return all.sort((a, b) => (a.type === b.type ? a.version - b.version : a.type < b.type ? -1 : 1));
  }

  /**
   * Maps one legacy event to its catalog events (possibly none).
   * @throws PermanentError("map", "UnknownEventType") under the "dead-letter" policy;
   *         PermanentError("map", "MapperFailed") when the mapper throws.
   */
  map(event: LegacyEvent, context: MapContext): readonly CatalogEvent[] {
    const mapper = this.#byType.get(event.type)?.get(event.version);
    if (mapper === undefined) {
      if (this.unknownEventPolicy === "skip") {
        this.#skippedUnknown++;
        return none;
      }
      const versions = this.#byType.get(event.type);
      const known =
        versions === undefined ? "unknown type" : `known versions: ${[...versions.keys()].sort((a, b) => a - b).join(", ")}`;
      throw new PermanentError("UnknownEventType", `no mapper for legacy event ${label(event)} (${known})`, {
        tenant: context.tenant,
      });
    }
    try {
      return mapper(event, context);
    } catch (error) {
      if (error instanceof PermanentError) throw error;
      throw new PermanentError("MapperFailed", `mapper ${label(event)} failed: ${describe(error)}`, {
        tenant: context.tenant,
      });
    }
  }
}
