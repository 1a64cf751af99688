// The parts of the pipeline built from the configuration, shared by the bridge (./bridge.ts) and
// `meshbridge dlq replay`, so that a replay runs exactly the stages the bridge runs.
import type { ConnectionOptions as TlsConnectionOptions } from "node:tls";
import { openLegacyEnvelope } from "../crypto/decrypt.ts";
import type { Keyring } from "../crypto/keyring.ts";
import { StaticKeyring } from "../crypto/static-keyring.ts";
import type { LegacyEnvelope } from "../envelope/legacy-envelope.ts";
import { readEnvelope } from "../envelope/read.ts";
import { type CatalogModule, createMapperRegistry } from "../mapping/catalog-module.ts";
import { parseLegacyEvent } from "../mapping/parse.ts";
import type { PipelineStages } from "../pipeline/stages.ts";
import type { CatalogEncoder } from "../schema/catalog-encoder.ts";
import { readCaBundle } from "./ca-file.ts";
import type { BridgeConfig } from "./config.ts";
import { withTopicPrefix } from "./deployed-catalog.ts";

export const REGISTER_COMMAND = "meshbridge schemas register";

export async function createKeyring(config: BridgeConfig): Promise<Keyring> {
  const keys = config.keys;
  // The key file, or its content from a secret (keys.json). Errors name where the keys came
  // from and never quote them (key material).
  const json = keys.json;
  if (keys.provider === "static") {
    return json === undefined ? StaticKeyring.fromFile(keys.file!) : StaticKeyring.fromJson(json, "static keys from keys.json");
  }
  const { KmsKeyring } = await import("../crypto/kms-keyring.ts");
  const options = {
    kms: { region: config.aws.region, endpoint: config.aws.endpoint },
    maxAgeMs: keys.maxAgeSeconds * 1000,
    maxUses: keys.maxUses,
  };
  return json === undefined
    ? KmsKeyring.fromFile(keys.file!, options)
    : new KmsKeyring(json, { ...options, origin: "KMS keys from keys.json" });
}

/** `kafka.tls` as the sink takes it: a configured CA bundle is read here. */
export function kafkaTls(tls: BridgeConfig["kafka"]["tls"]): boolean | TlsConnectionOptions {
  if (typeof tls === "boolean") return tls;
  const ca = readCaBundle(tls.ca, "kafka.tls.ca");
  return tls.servername === undefined ? { ca } : { ca, servername: tls.servername };
}

/** envelope → key → decrypt → parse → map → encode, as the configuration and catalog say. */
export function bridgeStages(
  config: BridgeConfig,
  catalog: CatalogModule,
  keyring: Keyring,
  encoder: CatalogEncoder,
): PipelineStages<LegacyEnvelope> {
  const registry = createMapperRegistry(catalog, config.mapping.unknownType);
  return {
    readEnvelope,
    keys: keyring,
    decrypt: openLegacyEnvelope,
    parse: catalog.parse ?? parseLegacyEvent,
    map: withTopicPrefix((event, context) => registry.map(event, context), config.kafka.topicPrefix),
    encode: (event) => encoder.encode(event),
  };
}
