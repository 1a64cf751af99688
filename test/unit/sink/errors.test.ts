import assert from "node:assert/strict";
import { test } from "node:test";
import { MultipleErrors, NetworkError, ResponseError } from "@platformatic/kafka";
import { describeClientError, findRejectedPartitions, findWrittenPartitions } from "../../../src/sink/errors.ts";

const PRODUCE = 0;

function produceFailure(): Error {
  // The shape @platformatic/kafka 2.x produces (seen against Kafka 4.1): the producer wraps a
  // ResponseError carrying the Produce response; each ProtocolError's path points into it.
  const response = {
    responses: [
      {
        name: "orders",
        partitionResponses: [
          { index: 4, errorCode: 10 },
          { index: 0, errorCode: 0 },
          { index: 2, errorCode: 87 },
        ],
      },
      { name: "dlq", partitionResponses: [{ index: 1, errorCode: 18 }] },
    ],
  };
  const inner = new ResponseError(
    PRODUCE,
    11,
    {
      "/responses/0/partition_responses/0": [10, null],
      "/responses/0/partition_responses/2": [87, "null key for compacted topic"],
      "/responses/1/partition_responses/0": [18, null],
    },
    response,
  );
  return new MultipleErrors("Producing messages failed.", [inner]);
}

test("findRejectedPartitions maps permanent per-partition errors to topic and partition", () => {
  const found = findRejectedPartitions(produceFailure());
  assert.deepEqual(found.map((f) => [f.topic, f.partition, f.apiId]).sort(), [
    ["dlq", 1, "RECORD_LIST_TOO_LARGE"],
    ["orders", 2, "INVALID_RECORD"],
    ["orders", 4, "MESSAGE_TOO_LARGE"],
  ]);
  assert.equal(found.find((f) => f.apiId === "INVALID_RECORD")?.serverMessage, "null key for compacted topic");
});

test("findWrittenPartitions lists the partitions a Produce response inside the error acknowledged", () => {
  assert.deepEqual([...findWrittenPartitions(produceFailure())], ["orders\u00000"]);
  assert.deepEqual([...findWrittenPartitions(new NetworkError("Connection closed"))], []);
  assert.deepEqual([...findWrittenPartitions("nope")], []);
});

test("transient errors (leader moved, network) are not reported as rejected partitions", () => {
  const notLeader = new ResponseError(
    PRODUCE,
    11,
    { "/responses/0/partition_responses/0": [6, null] },
    {
      responses: [{ name: "orders", partitionResponses: [{ index: 0, errorCode: 6 }] }],
    },
  );
  assert.deepEqual(findRejectedPartitions(new MultipleErrors("Producing messages failed.", [notLeader])), []);
  assert.deepEqual(findRejectedPartitions(new NetworkError("Connection closed")), []);
  assert.deepEqual(findRejectedPartitions("nope"), []);
});

test("describeClientError names the broker codes without CR/LF", () => {
  const text = describeClientError(produceFailure());
  assert.match(text, /MESSAGE_TOO_LARGE/);
  assert.match(text, /RECORD_LIST_TOO_LARGE/);
  assert.equal(describeClientError(new Error("a\r\nb")), "a b");
});
