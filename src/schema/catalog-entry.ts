// What the schema stage needs to know about one catalog topic. The catalog's own entries
// (catalog/topics.ts) carry more (ceType, …) and satisfy this shape structurally.
import { readFileSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import type { DescMessage } from "@bufbuild/protobuf";

export interface SchemaCatalogEntry {
  readonly topic: string;
  /** Registry subject, usually `${topic}-value` (TopicNameStrategy). */
  readonly subject: string;
  /** The generated descriptor of the topic's event: the first top-level message of its file. */
  readonly schema: DescMessage;
  /** The self-contained .proto file the descriptor was generated from (no imports). */
  readonly protoPath: string;
}

/** Relative `protoPath`s resolve against `protoRoot` (default: the working directory). */
export function readProtoText(entry: SchemaCatalogEntry, protoRoot: string = process.cwd()): string {
  const path = isAbsolute(entry.protoPath) ? entry.protoPath : resolve(protoRoot, entry.protoPath);
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    throw new Error(`cannot read the catalog schema of topic "${entry.topic}" from ${path}`, { cause: error });
  }
}
