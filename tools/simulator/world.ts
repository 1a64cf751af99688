// A simulated legacy world on the mesh: tenants with versioned keys (static, or AWS KMS
// envelope), SNS topics and the SQS queue that aggregates them. Saved as a JSON "world file"
// that the simulator publishes into and the bridge's configuration points at.
import type { KeyObject } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { CreateKeyCommand, type KMSClient } from "@aws-sdk/client-kms";
import type { SNSClient } from "@aws-sdk/client-sns";
import type { SQSClient } from "@aws-sdk/client-sqs";
import { StaticKeyring } from "../../src/crypto/static-keyring.ts";
import { generateStaticKeys, provisionKmsTenantKeys } from "../legacy-crypto/provision.ts";
import { type AwsWorld, provisionAwsWorld, provisionDirectAwsWorld, type Topology } from "./aws-world.ts";

export interface WorldFile {
  readonly name: string;
  readonly tenants: readonly string[];
  readonly keyVersions: readonly number[];
  readonly keys: { readonly provider: "static" | "aws-kms"; readonly bridgeKeyFile: string; readonly sealKeyFile: string };
  readonly aws: AwsWorld;
}

export interface ProvisionOptions {
  readonly name: string;
  readonly tenantCount: number;
  readonly keyVersions: number;
  readonly topology: Topology;
  readonly keyProvider: "static" | "aws-kms";
  /** "sns" (default): SNS topics feed the queue; "direct": no SNS, the simulator writes to the queue. */
  readonly delivery?: "sns" | "direct";
  /** Where the key files and the world file go. */
  readonly directory: string;
}

export const tenantName = (index: number): string => `tenant-${String(index + 1).padStart(4, "0")}`;

export async function provisionWorld(
  clients: { readonly sqs: SQSClient; readonly sns: SNSClient; readonly kms: KMSClient },
  options: ProvisionOptions,
): Promise<WorldFile> {
  const tenants = Array.from({ length: options.tenantCount }, (_, index) => tenantName(index));
  const keyVersions = Array.from({ length: options.keyVersions }, (_, index) => index + 1);
  const sealKeyFile = `${options.directory}/${options.name}.seal-keys.json`;
  let bridgeKeyFile = sealKeyFile;
  if (options.keyProvider === "static") {
    writeFileSync(sealKeyFile, JSON.stringify(generateStaticKeys(tenants, keyVersions)), { mode: 0o600 });
  } else {
    const key = await clients.kms.send(new CreateKeyCommand({ Description: `meshbridge simulator ${options.name}` }));
    const keyId = key.KeyMetadata?.KeyId;
    if (keyId === undefined) throw new Error("KMS CreateKey returned no key id");
    const provisioned = await provisionKmsTenantKeys(clients.kms, keyId, tenants, keyVersions);
    bridgeKeyFile = `${options.directory}/${options.name}.kms-keys.json`;
    writeFileSync(bridgeKeyFile, JSON.stringify(provisioned.file), { mode: 0o600 });
    writeFileSync(sealKeyFile, JSON.stringify(provisioned.plaintextKeys), { mode: 0o600 });
  }
  const worldOptions = { name: options.name, tenants, topology: options.topology };
  const aws =
    options.delivery === "direct"
      ? await provisionDirectAwsWorld(clients.sqs, worldOptions)
      : await provisionAwsWorld(clients.sqs, clients.sns, worldOptions);
  const world: WorldFile = {
    name: options.name,
    tenants,
    keyVersions,
    keys: { provider: options.keyProvider, bridgeKeyFile, sealKeyFile },
    aws,
  };
  writeFileSync(`${options.directory}/${options.name}.world.json`, JSON.stringify(world, null, 2));
  return world;
}

export function readWorld(path: string): WorldFile {
  return JSON.parse(readFileSync(path, "utf8")) as WorldFile;
}

/** The legacy backend holds every tenant's plain data keys: a keyring to seal with (either cloud's world). */
export function sealKeys(world: {
  readonly keys: { readonly sealKeyFile: string };
}): (tenant: string, keyVersion: number) => KeyObject {
  const keyring = StaticKeyring.fromJson(
    readFileSync(world.keys.sealKeyFile, "utf8"),
    `simulator seal keys ${world.keys.sealKeyFile}`,
  );
  return (tenant, keyVersion) => {
    const key = keyring.peek(tenant, keyVersion);
    if (key === undefined) throw new Error(`simulator has no key for ${tenant} v${keyVersion}`);
    return key;
  };
}
