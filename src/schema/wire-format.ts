// The Confluent wire format for Protobuf record values:
//   byte 0      magic 0
//   bytes 1-4   schema id, big-endian
//   then        message-index path (zig-zag varints: count, then one index per level;
//               the path [0] — first top-level message — is written as the single byte 0)
//   then        the Protobuf bytes of the message.
// Everything before the Protobuf bytes is fixed per topic, so it is prepared once.
import type { DescMessage } from "@bufbuild/protobuf";

export const MAGIC_BYTE = 0;
/** Confluent schema ids are Java ints: 1..2^31-1 (0 never names a real schema). */
export const MAX_SCHEMA_ID = 0x7fffffff;

/** The path of indexes from the file down to `message`, e.g. [0] for the file's first message. */
export function messageIndexPath(message: DescMessage): number[] {
  const path: number[] = [];
  let current: DescMessage = message;
  for (;;) {
    const parent = current.parent;
    const siblings = parent === undefined ? current.file.messages : parent.nestedMessages;
    const index = siblings.indexOf(current);
    if (index < 0) throw new Error(`message ${current.typeName} is not among its parent's messages`);
    path.push(index);
    if (parent === undefined) break;
    current = parent;
  }
  return path.reverse();
}

/** Encodes the message-index path; [0] (the common case) becomes the single byte 0. */
export function encodeMessageIndexes(path: readonly number[]): Uint8Array {
  if (path.length === 0) throw new Error("message-index path must not be empty");
  if (path.length === 1 && path[0] === 0) return Uint8Array.of(0);
  const bytes: number[] = [];
  writeZigZagVarint(bytes, path.length);
  for (const index of path) {
    if (!Number.isInteger(index) || index < 0) throw new Error(`invalid message index ${index}`);
    writeZigZagVarint(bytes, index);
  }
  return Uint8Array.from(bytes);
}

/** The fixed bytes that precede every value of one topic: magic, schema id, message-index path. */
export function confluentPrefix(schemaId: number, path: readonly number[]): Buffer {
  if (!Number.isInteger(schemaId) || schemaId < 1 || schemaId > MAX_SCHEMA_ID) {
    throw new Error(`schema id ${schemaId} does not fit the Confluent wire format (1..${MAX_SCHEMA_ID})`);
  }
  const indexes = encodeMessageIndexes(path);
  const prefix = Buffer.alloc(5 + indexes.length);
  prefix[0] = MAGIC_BYTE;
  prefix.writeUInt32BE(schemaId, 1);
  prefix.set(indexes, 5);
  return prefix;
}

/** Prefix + body in one allocation (Buffer.allocUnsafe draws small sizes from Node's pool). */
export function frame(prefix: Uint8Array, body: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(prefix.length + body.length);
  out.set(prefix, 0);
  out.set(body, prefix.length);
  return out;
}

function writeZigZagVarint(out: number[], value: number): void {
  // Zig-zag for non-negative ints is 2n; indexes and counts are small, so plain arithmetic
  // (not 32-bit shifts) keeps values above 2^30 correct.
  let v = value * 2;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
}
