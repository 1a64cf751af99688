// After an emulator restart (its state is memory only) the world's queue or topics and
// subscriptions are gone: these make them again under the same names, as an operator's
// provisioning would, so the same queue URL and subscription paths come back.
import { CreateQueueCommand } from "@aws-sdk/client-sqs";
import { type PubSubWorldFile, provisionPubSubWorld } from "../../../tools/simulator/pubsub-world.ts";
import type { WorldFile } from "../../../tools/simulator/world.ts";
import { meshPubSub, meshQueueSqs } from "../../support/mesh.ts";

/** The world's SQS queue again (its name is the last part of its URL), as aws-world.ts made it. */
export async function recreateQueue(world: WorldFile): Promise<void> {
  const sqs = meshQueueSqs();
  try {
    const name = world.aws.queueUrl.slice(world.aws.queueUrl.lastIndexOf("/") + 1);
    const created = await sqs.send(
      new CreateQueueCommand({ QueueName: name, Attributes: { VisibilityTimeout: "30", MaximumMessageSize: "262144" } }),
    );
    if (created.QueueUrl !== world.aws.queueUrl) {
      throw new Error(`recreated queue ${name} at ${created.QueueUrl}, not ${world.aws.queueUrl}`);
    }
  } finally {
    sqs.destroy();
  }
}

/** The world's topics and subscriptions again, same names (worlds with all tenants ordered, or none). */
export async function recreatePubSubWorld(world: PubSubWorldFile, emulatorHost: string): Promise<void> {
  const pubsub = meshPubSub(world.pubsub.project, emulatorHost);
  try {
    await provisionPubSubWorld(pubsub, {
      project: world.pubsub.project,
      name: world.name,
      tenants: world.tenants,
      orderedEvery: Object.values(world.pubsub.tenants).some((route) => route.ordered) ? 1 : 0,
      orderingKeysPerTenant: world.pubsub.orderingKeysPerTenant,
    });
  } finally {
    await pubsub.close();
  }
}
