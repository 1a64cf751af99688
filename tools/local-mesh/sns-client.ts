// The SNS client of the simulator, the tests and the benchmarks (the bridge never publishes to
// SNS, so @aws-sdk/client-sns is a devDependency), with the bridge's short-call settings.
import { SNSClient } from "@aws-sdk/client-sns";
import { type AwsClientConfig, shortCallSettings } from "../../src/sources/aws-clients.ts";

export function createSnsClient(config: AwsClientConfig): SNSClient {
  return new SNSClient(shortCallSettings(config));
}
