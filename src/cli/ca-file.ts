// CA bundles named in the configuration (kafka.tls.ca, registry.ca, sources.pubsub.endpoint.ca),
// read once at start-up; an error names the key and the path.
import { readFileSync } from "node:fs";

export function readCaBundle(path: string, key: string): Buffer {
  let content: Buffer;
  try {
    content = readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "an error";
    throw new Error(`${key}: expected a readable PEM CA bundle at ${path}, got ${code}`);
  }
  if (!content.includes("-----BEGIN CERTIFICATE-----")) {
    throw new Error(`${key}: expected PEM certificates (-----BEGIN CERTIFICATE-----) in ${path}, got none`);
  }
  return content;
}
