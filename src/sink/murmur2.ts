// Kafka's default key partitioner, bit for bit as in the Java client (Utils.murmur2 and
// BuiltInPartitioner.partitionForKey), so that meshbridge, Kafka Streams, Connect and librdkafka's
// "murmur2_random" put a key in the same partition. 32-bit integer arithmetic with Math.imul:
// no allocation per call (the client's own murmur2 uses BigInt and allocates on every step).

/** Java's `Utils.murmur2(byte[])`: a signed 32-bit hash. */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  const m = 0x5bd1e995;
  let h = (0x9747b28c ^ length) | 0;
  const fullEnd = length & ~3;
  for (let i = 0; i < fullEnd; i += 4) {
    let k =
      (data[i] as number) | ((data[i + 1] as number) << 8) | ((data[i + 2] as number) << 16) | ((data[i + 3] as number) << 24);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m) ^ k;
  }
  // Java's switch on length % 4 falls through from case 3 to case 1.
  const rest = length & 3;
  if (rest !== 0) {
    if (rest === 3) h ^= (data[fullEnd + 2] as number) << 16;
    if (rest >= 2) h ^= (data[fullEnd + 1] as number) << 8;
    h ^= data[fullEnd] as number;
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}

/** The partition the Java client picks for a non-null key: `toPositive(murmur2(key)) % n`. */
export function partitionForKey(key: Uint8Array, partitionCount: number): number {
  return (murmur2(key) & 0x7fffffff) % partitionCount;
}
