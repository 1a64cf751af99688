// The legacy GCP world the simulator plays: one Pub/Sub topic per tenant, each with its own
// subscription (id prefix and label shared by the world, for discovery); every Nth tenant's
// subscription has message ordering on and its events carry ordering keys. Tenants' keys are
// static data keys, sealed exactly as on the AWS side. Saved as a JSON world file.
import { readFileSync, writeFileSync } from "node:fs";
import { type PubSub, v1 } from "@google-cloud/pubsub";
import { generateStaticKeys } from "../legacy-crypto/provision.ts";
import { tenantName } from "./world.ts";

export interface PubSubTenantRoute {
  /** Full topic path. */
  readonly topic: string;
  /** Full subscription path. */
  readonly subscription: string;
  readonly ordered: boolean;
}

export interface PubSubWorld {
  readonly project: string;
  /** Every subscription id of the world starts with this (discovery by prefix). */
  readonly subscriptionPrefix: string;
  /** Every subscription carries this label (discovery by label), "key=value". */
  readonly label: string;
  /** Ordered tenants publish with keys `<tenant>-k<n mod this>`. */
  readonly orderingKeysPerTenant: number;
  readonly tenants: Readonly<Record<string, PubSubTenantRoute>>;
}

export interface PubSubWorldOptions {
  readonly project: string;
  readonly name: string;
  readonly tenants: readonly string[];
  /** Every Nth tenant (index 0, N, 2N…) gets an ordered subscription; 0 = none. */
  readonly orderedEvery: number;
  readonly orderingKeysPerTenant: number;
  readonly ackDeadlineSeconds?: number;
  /** Admin calls in flight while provisioning. */
  readonly concurrency?: number;
}

const LABEL_KEY = "meshbridge-world";

/** Pub/Sub ids: letters, digits, - _ . ~ + %; label values: lower case, digits, - _. */
const labelValue = (name: string): string =>
  name
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, "_")
    .slice(0, 63);

export async function provisionPubSubWorld(pubsub: PubSub, options: PubSubWorldOptions): Promise<PubSubWorld> {
  const label = labelValue(options.name);
  const routes: Record<string, PubSubTenantRoute> = {};
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < options.tenants.length) {
      const index = next++;
      const tenant = options.tenants[index]!;
      const ordered = options.orderedEvery > 0 && index % options.orderedEvery === 0;
      const [topic] = await pubsub.createTopic(`${options.name}-${tenant}`);
      const [subscription] = await topic.createSubscription(`${options.name}-${tenant}-sub`, {
        ackDeadlineSeconds: options.ackDeadlineSeconds ?? 30,
        enableMessageOrdering: ordered,
        labels: { [LABEL_KEY]: label },
      });
      routes[tenant] = { topic: topic.name, subscription: subscription.name, ordered };
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 16, options.tenants.length) }, lane));
  return {
    project: options.project,
    subscriptionPrefix: `${options.name}-`,
    label: `${LABEL_KEY}=${label}`,
    orderingKeysPerTenant: options.orderingKeysPerTenant,
    tenants: routes,
  };
}

/** Deletes every subscription and topic of the world (tests clean up after themselves). */
export async function deletePubSubWorld(pubsub: PubSub, world: PubSubWorld, concurrency = 16): Promise<void> {
  const routes = Object.values(world.tenants);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < routes.length) {
      const route = routes[next++]!;
      await pubsub
        .subscription(route.subscription)
        .delete()
        .catch(() => undefined);
      await pubsub
        .topic(route.topic)
        .delete()
        .catch(() => undefined);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, routes.length) }, lane));
}

/** A publisher client on the same endpoint (emulator or service) as `pubsub`. */
export function createPublisherClient(pubsub: PubSub): v1.PublisherClient {
  return new v1.PublisherClient({ ...pubsub.options });
}

// --- world file ---------------------------------------------------------------------------------

export interface PubSubWorldFile {
  readonly name: string;
  readonly tenants: readonly string[];
  readonly keyVersions: readonly number[];
  readonly keys: { readonly provider: "static"; readonly bridgeKeyFile: string; readonly sealKeyFile: string };
  readonly pubsub: PubSubWorld;
}

export interface PubSubProvisionOptions {
  readonly project: string;
  readonly name: string;
  readonly tenantCount: number;
  readonly keyVersions: number;
  readonly orderedEvery: number;
  readonly orderingKeysPerTenant: number;
  /** Where the key file and the world file go. */
  readonly directory: string;
  /** Tenant ids; default tenant-0001… (give unique ones when worlds share a Kafka topic). */
  readonly tenantNames?: readonly string[];
}

export async function provisionPubSubWorldFile(pubsub: PubSub, options: PubSubProvisionOptions): Promise<PubSubWorldFile> {
  const tenants = options.tenantNames ?? Array.from({ length: options.tenantCount }, (_, index) => tenantName(index));
  const keyVersions = Array.from({ length: options.keyVersions }, (_, index) => index + 1);
  const keyFile = `${options.directory}/${options.name}.seal-keys.json`;
  writeFileSync(keyFile, JSON.stringify(generateStaticKeys(tenants, keyVersions)), { mode: 0o600 });
  const world = await provisionPubSubWorld(pubsub, {
    project: options.project,
    name: options.name,
    tenants,
    orderedEvery: options.orderedEvery,
    orderingKeysPerTenant: options.orderingKeysPerTenant,
  });
  const file: PubSubWorldFile = {
    name: options.name,
    tenants,
    keyVersions,
    keys: { provider: "static", bridgeKeyFile: keyFile, sealKeyFile: keyFile },
    pubsub: world,
  };
  writeFileSync(`${options.directory}/${options.name}.world.json`, JSON.stringify(file, null, 2));
  return file;
}

export function readPubSubWorld(path: string): PubSubWorldFile {
  const file = JSON.parse(readFileSync(path, "utf8")) as Partial<PubSubWorldFile>;
  if (file.pubsub === undefined) throw new Error(`${path} is not a Pub/Sub world (provision with --cloud gcp)`);
  return file as PubSubWorldFile;
}
