// Factories for the AWS SDK v3 clients meshbridge uses (SQS, KMS), tuned for throughput; the dev
// tools build their SNS client from shortCallSettings (SNS is not a production dependency).
// Locally `endpoint` points at moto or ElasticMQ; in production it is left out and the SDK resolves the
// regional endpoint and the default credential chain (env, SSO, web identity, IMDS, ...).
import { KMSClient } from "@aws-sdk/client-kms";
import { SQSClient } from "@aws-sdk/client-sqs";
import { LeanSqsClient } from "./sqs/data-plane/lean-data-plane.ts";

export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export interface AwsClientConfig {
  readonly region: string;
  /** e.g. http://127.0.0.1:15000 for moto; unset in production. */
  readonly endpoint?: string;
  /** Static credentials (moto: any, e.g. test/test); unset = the SDK's default chain. */
  readonly credentials?: AwsCredentials;
  /** Sockets per client; every in-flight request (a long poll included) holds one. Default 64. */
  readonly maxSockets?: number;
}

/** SQS long polls wait at most 20 s; the request timeout must outlast that or every idle poll fails. */
export const SQS_MAX_WAIT_SECONDS = 20;
const SQS_REQUEST_TIMEOUT_MS = (SQS_MAX_WAIT_SECONDS + 10) * 1000;
/** KMS decrypt and SNS publish are short calls; fail fast and let the SDK retry. */
const SHORT_REQUEST_TIMEOUT_MS = 10_000;
const CONNECTION_TIMEOUT_MS = 3_000;
const DEFAULT_MAX_SOCKETS = 64;

// Handler options, not a NodeHttpHandler instance: the SDK builds its own NodeHttpHandler
// (@smithy/node-http-handler, a transitive dependency) and keep-alive agents from them, and
// client.destroy() frees those agents. So meshbridge needs no direct @smithy dependency.
function requestHandler(config: AwsClientConfig, requestTimeout: number) {
  const agent = { keepAlive: true, maxSockets: config.maxSockets ?? DEFAULT_MAX_SOCKETS };
  return {
    httpAgent: agent,
    httpsAgent: agent,
    connectionTimeout: CONNECTION_TIMEOUT_MS,
    requestTimeout,
    // Without this, smithy only logs a warning when requestTimeout passes and the call hangs on.
    throwOnRequestTimeout: true,
  };
}

function common(config: AwsClientConfig, requestTimeout: number) {
  return {
    region: config.region,
    ...(config.endpoint === undefined ? {} : { endpoint: config.endpoint }),
    ...(config.credentials === undefined ? {} : { credentials: config.credentials }),
    requestHandler: requestHandler(config, requestTimeout),
  };
}

export function createSqsClient(config: AwsClientConfig): SQSClient {
  return new SQSClient(common(config, SQS_REQUEST_TIMEOUT_MS));
}

/**
 * The lean client for the SQS source's per-batch calls, beside `sqs` (kept for the control
 * plane): same region, endpoint and sockets, and credentials from `sqs`'s own resolved provider
 * (the SDK's default chain, IRSA/web identity included, memoized and refreshed by the SDK).
 */
export function createLeanSqsClient(sqs: SQSClient, config: AwsClientConfig): LeanSqsClient {
  return new LeanSqsClient({
    region: config.region,
    endpoint: config.endpoint,
    maxSockets: config.maxSockets ?? DEFAULT_MAX_SOCKETS,
    credentials: () => sqs.config.credentials(),
  });
}

/** Client settings for short calls (KMS decrypt; the tools' SNS publish). */
export function shortCallSettings(config: AwsClientConfig) {
  return common(config, SHORT_REQUEST_TIMEOUT_MS);
}

export function createKmsClient(config: AwsClientConfig): KMSClient {
  return new KMSClient(shortCallSettings(config));
}
