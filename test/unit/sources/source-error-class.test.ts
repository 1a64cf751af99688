// A failing source's error class: a short code taken from the error, never its message.
import assert from "node:assert/strict";
import { it } from "node:test";
import { sourceErrorClass } from "../../../src/sources/core/source-error-class.ts";
import { GrpcCallError } from "../../../src/sources/pubsub/grpc-unary.ts";

it("names gRPC statuses, network codes and SDK error names; anything else is Error", () => {
  assert.equal(sourceErrorClass({ code: 14 }), "UNAVAILABLE");
  assert.equal(sourceErrorClass({ code: 16 }), "UNAUTHENTICATED");
  assert.equal(sourceErrorClass({ code: 17 }), "Error", "no such gRPC status");
  assert.equal(
    sourceErrorClass(Object.assign(new Error("connect ECONNREFUSED 10.0.0.1:443"), { code: "ECONNREFUSED" })),
    "ECONNREFUSED",
  );
  assert.equal(sourceErrorClass(Object.assign(new Error("x"), { name: "QueueDoesNotExist" })), "QueueDoesNotExist");
  assert.equal(sourceErrorClass(new Error("https://sqs.eu-west-1.amazonaws.com/123456789012/q?token=s3cr3t")), "Error");
  assert.equal(sourceErrorClass({ code: "has spaces and a token=abc" }), "Error", "an unsafe code is not copied");
  assert.equal(sourceErrorClass("text"), "Error");
});

it("a gRPC call error from the Pub/Sub client is classed by its status", () => {
  const error = new GrpcCallError(5, "subscription not found");
  assert.match(error.message, /^5 NOT_FOUND: /);
  assert.equal(sourceErrorClass(error), "NOT_FOUND");
});
