// The configuration's types, derived from the schema (never written a second time): what the
// file holds (RawConfig), and what the bridge gets once secrets are resolved (BridgeConfig).
import type { InferOutput } from "valibot";
import type { DiscoveryRule } from "../../sources/pubsub/discovery.ts";
import type { PubSubSourceOptions } from "../../sources/pubsub/pubsub-source.ts";
import type { SqsDiscoveryOptions, SqsSourceOptions } from "../../sources/sqs/sqs-source.ts";
import type { configSchema } from "./schema.ts";

/** The file's content once validated and its defaults filled in. */
export type RawConfig = InferOutput<typeof configSchema>;

/** Where a secret is read from at start-up. */
export type SecretReference = { readonly env: string } | { readonly file: string };

/** Deeply readonly, with every secret reference replaced by the secret's value (a string). */
type Resolved<T> = T extends SecretReference
  ? keyof T extends "env" | "file"
    ? never
    : ResolvedObject<T>
  : T extends readonly (infer U)[]
    ? readonly Resolved<U>[]
    : T extends object
      ? ResolvedObject<T>
      : T;
type ResolvedObject<T> = { readonly [K in keyof T]: Resolved<T[K]> };

type RawPubSub = NonNullable<RawConfig["sources"]["pubsub"]>;

/** The Pub/Sub source's options: seconds become ms, each discovery rule gets its project. */
export type PubSubSourceConfig = Omit<Resolved<RawPubSub>, "discoveryIntervalSeconds" | "discovery"> & {
  readonly discoveryIntervalMs: number;
  readonly discovery: readonly DiscoveryRule[];
};

export type SqsSourceConfig = Resolved<RawConfig["sources"]["sqs"][number]>;

type RawSqsDiscovery = NonNullable<RawConfig["sources"]["sqsDiscovery"]>;

/** SQS discovery's options: seconds become ms; the configured queues are excluded by the bridge. */
export type SqsDiscoveryConfig = Omit<Resolved<RawSqsDiscovery>, "discoveryIntervalSeconds"> & {
  readonly discoveryIntervalMs: number;
};

export type KeysConfig = Resolved<RawConfig["keys"]>;

export type BridgeConfig = Omit<Resolved<RawConfig>, "sources"> & {
  readonly sources: {
    readonly sqs: readonly SqsSourceConfig[];
    readonly sqsDiscovery?: SqsDiscoveryConfig;
    readonly pubsub?: PubSubSourceConfig;
  };
};

// The sources consume their sections as they are: the compiler checks the schema still fits.
type Fits<A extends B, B> = A;
export type CheckedSourceConfigs = [
  Fits<PubSubSourceConfig, PubSubSourceOptions>,
  Fits<SqsSourceConfig, SqsSourceOptions>,
  Fits<SqsDiscoveryConfig, SqsDiscoveryOptions>,
];
