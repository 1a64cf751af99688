// `npm run simulate -- provision|publish [--cloud aws|gcp]`: the command-line side of ./simulate.ts.
import { choiceOption, numberOption, type ParsedArgs, requiredOption } from "../../src/cli/command-line.ts";
import { localAws, localPubSubEmulator } from "../local-mesh/local-aws.ts";
import { simulateProvision, simulateProvisionPubSub, simulatePublish, simulatePublishPubSub } from "./simulate.ts";

export async function provisionCommand(args: ParsedArgs): Promise<void> {
  const name = requiredOption(args, "name", "simulate provision");
  const directory = args.values.dir!;
  if (choiceOption(args, "cloud", ["aws", "gcp"]) === "gcp") {
    const world = await simulateProvisionPubSub({
      project: args.values.project!,
      emulatorHost: localPubSubEmulator(),
      name,
      tenants: numberOption(args, "tenants"),
      keyVersions: numberOption(args, "key-versions"),
      orderedEvery: numberOption(args, "ordered-every"),
      orderingKeysPerTenant: Math.max(1, numberOption(args, "ordering-keys")),
      directory,
    });
    const routes = Object.values(world.pubsub.tenants);
    console.log(
      `world ${world.name}: ${routes.length} Pub/Sub topics and subscriptions (${routes.filter((r) => r.ordered).length} ordered); discover with prefix ${world.pubsub.subscriptionPrefix} or label ${world.pubsub.label}`,
    );
    return;
  }
  const world = await simulateProvision({
    aws: localAws(),
    name,
    tenants: numberOption(args, "tenants"),
    keyVersions: numberOption(args, "key-versions"),
    topology: choiceOption(args, "topology", ["per-tenant", "per-type"]),
    keys: choiceOption(args, "keys", ["static", "aws-kms"]),
    directory,
  });
  console.log(`world ${world.name}: queue ${world.aws.queueUrl}, ${Object.keys(world.aws.topics).length} SNS topics`);
}

export async function publishCommand(args: ParsedArgs): Promise<void> {
  const world = requiredOption(args, "world", "simulate publish");
  const seconds = args.values.seconds === undefined ? 0 : numberOption(args, "seconds");
  const workload = {
    world,
    count: args.values.count === undefined ? (seconds === 0 ? 1000 : 0) : numberOption(args, "count"),
    durationSeconds: seconds,
    rate: numberOption(args, "rate"),
    seed: numberOption(args, "seed"),
    targetBytes: numberOption(args, "size"),
    idsFile: args.values.ids,
  };
  const sent =
    choiceOption(args, "cloud", ["aws", "gcp"]) === "gcp"
      ? await simulatePublishPubSub({ emulatorHost: localPubSubEmulator(), ...workload })
      : await simulatePublish({ aws: localAws(), ...workload });
  console.log(`published ${sent} events`);
}
