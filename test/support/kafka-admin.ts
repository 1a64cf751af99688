// Admin operations the tests need beyond what the product does.
import { Admin } from "@platformatic/kafka";
import { meshEndpoints } from "../../infra/stack/ports.ts";

export async function deleteTopics(topics: readonly string[]): Promise<void> {
  const admin = new Admin({ clientId: "meshbridge-test", bootstrapBrokers: [meshEndpoints.kafkaBootstrap] });
  try {
    await admin.deleteTopics({ topics: [...topics] });
  } finally {
    await admin.close();
  }
}
