// Secrets may be given as references, resolved once at start-up, so a Kubernetes Secret can
// supply them as an environment variable or a mounted file:
//   "password": {"env": "MB_KAFKA_PASSWORD"}    "json": {"file": "/var/run/secrets/mb/keys.json"}
// Errors name the reference, never the value.
import { readFileSync } from "node:fs";
import type { ConfigIssue } from "./errors.ts";
import { configSchema } from "./schema.ts";
import { forEachSecret } from "./secret-fields.ts";

/** Replaces every secret reference in the validated `raw` with the secret's value, in place. */
export function resolveSecrets(raw: unknown, env: NodeJS.ProcessEnv): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  forEachSecret(configSchema, raw, (holder, key, path) => {
    const reference = holder[key];
    if (typeof reference === "string") return; // given inline
    if (typeof reference !== "object" || reference === null) return;
    if ("env" in reference && typeof reference.env === "string") {
      const value = env[reference.env];
      if (value === undefined || value === "") {
        issues.push({
          path,
          message: `expected environment variable ${reference.env} to hold the secret, got it unset or empty`,
        });
      } else holder[key] = value;
    } else if ("file" in reference && typeof reference.file === "string") {
      try {
        // A mounted secret or an `echo` into a file often ends in a newline that is not part of it.
        const value = readFileSync(reference.file, "utf8").replace(/\r?\n$/, "");
        if (value === "") issues.push({ path, message: `expected the secret in file ${reference.file}, got an empty file` });
        else holder[key] = value;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? "an error";
        issues.push({ path, message: `expected a readable file ${reference.file} holding the secret, got ${code}` });
      }
    }
  });
  return issues;
}
