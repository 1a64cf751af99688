// The four real servers of the local event mesh: how each is fetched from its registry,
// started, and asked whether it is healthy. All state is ephemeral: a start begins empty.
import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cacheDir, meshEndpoints, ports, repoRoot, stackDir } from "./ports.ts";
import { portOpen, requireTool, run, startDetached } from "./process.ts";
import { pubsubGoogle } from "./pubsub-google-service.ts";
import { meshSecured } from "./secured.ts";
import { ensureMeshCertificates, meshTls } from "./tls.ts";
import { tlsFront } from "./tls-front-service.ts";

export interface Service {
  readonly name: string;
  readonly ports: readonly number[];
  readonly address: string;
  /** Fetches and builds what the service needs; a no-op when the cache already holds it. */
  prepare(): void;
  start(): void;
  healthy(): Promise<boolean>;
  readonly startTimeoutMs: number;
  /**
   * Why a running instance is older than this checkout's stack (e.g. a listener missing), so
   * `up` can say "restart" instead of failing obscurely; undefined when it is current.
   */
  outdated?(): Promise<string | undefined>;
  /** Why an optional service cannot run on this machine (not installed); `up` then skips it. */
  missing?(): string | undefined;
  /** Starts it again on the state the last start left (a broker restart after a crash); default: start(). */
  restart?(): void;
}

const KAFKA_VERSION = "4.1.1";
const APICURIO_VERSION = "3.0.9";
const ELASTICMQ_VERSION = "1.7.1";

/**
 * A cluster id in the form of Kafka's `Uuid.randomUuid()`: a random (version 4) UUID's 16 bytes
 * in unpadded base64url, drawn again while it starts with '-' (`kafka-storage format -t -x…`
 * reads such an id as an option and fails, about one start in 64).
 */
export function kafkaClusterId(random: () => Buffer = () => Buffer.from(randomUUID().replaceAll("-", ""), "hex")): string {
  for (;;) {
    const id = random().toString("base64url");
    if (!id.startsWith("-")) return id;
  }
}

const kafkaLibs = join(cacheDir, "kafka", KAFKA_VERSION, "libs");
const kafkaData = join(stackDir, "kafka-data");
const kafkaConfig = join(stackDir, "kafka-server.properties");

function kafkaJvm(): string[] {
  return [
    "-Xms256m",
    "-Xmx768m",
    "-XX:+UseG1GC",
    "-Djava.awt.headless=true",
    `-Dlog4j2.configurationFile=${join(repoRoot, "infra", "kafka", "log4j2.properties")}`,
    "-cp",
    `${kafkaLibs}/*`,
  ];
}

const kafka: Service = {
  name: "kafka",
  ports: [ports.kafka, ports.kafkaController, ports.kafkaSasl],
  address: meshEndpoints.kafkaBootstrap,
  startTimeoutMs: 90_000,
  prepare() {
    ensureMeshCertificates();
    requireTool("java", ["-version"], "run Apache Kafka");
    if (existsSync(join(kafkaLibs, `kafka_2.13-${KAFKA_VERSION}.jar`))) return;
    requireTool("mvn", ["-v"], "fetch Apache Kafka from Maven Central");
    run(
      "mvn",
      [
        "-q",
        "-B",
        `-Dkafka.version=${KAFKA_VERSION}`,
        "dependency:copy-dependencies",
        `-DoutputDirectory=${kafkaLibs}`,
        "-DincludeScope=runtime",
      ],
      "fetching Kafka jars",
      join(repoRoot, "infra", "kafka"),
    );
  },
  start() {
    rmSync(kafkaData, { recursive: true, force: true });
    mkdirSync(kafkaData, { recursive: true });
    const template = readFileSync(join(repoRoot, "infra", "kafka", "server.properties.template"), "utf8");
    writeFileSync(
      kafkaConfig,
      template
        .replaceAll("@KAFKA_PORT@", String(ports.kafka))
        .replaceAll("@CONTROLLER_PORT@", String(ports.kafkaController))
        .replaceAll("@SASL_PORT@", String(ports.kafkaSasl))
        .replaceAll("@KEYSTORE@", meshTls.kafkaKeystoreFile)
        .replaceAll("@PLAIN_USER@", meshSecured.kafkaPlain.username)
        .replaceAll("@PLAIN_PASSWORD@", meshSecured.kafkaPlain.password)
        .replaceAll("@DATA_DIR@", kafkaData),
    );
    const jvm = kafkaJvm();
    const clusterId = kafkaClusterId();
    run(
      "java",
      [
        ...jvm,
        "kafka.tools.StorageTool",
        "format",
        "-t",
        clusterId,
        "-c",
        kafkaConfig,
        "--standalone",
        // SCRAM credentials live in the cluster metadata: created with the storage.
        "--add-scram",
        `${meshSecured.kafkaScram.mechanism}=[name=${meshSecured.kafkaScram.username},password=${meshSecured.kafkaScram.password}]`,
      ],
      "formatting Kafka storage",
    );
    startDetached("kafka", "java", [...jvm, "kafka.Kafka", kafkaConfig]);
  },
  restart() {
    // Same configuration and log directory: the broker recovers its logs as after a crash.
    startDetached("kafka", "java", [...kafkaJvm(), "kafka.Kafka", kafkaConfig]);
  },
  async healthy() {
    const { Admin } = await import("@platformatic/kafka");
    // Both listeners: plaintext, and SASL_SSL with the SCRAM user (which proves the TLS
    // certificate, the SASL setup and the formatted SCRAM credentials together).
    const clients = [
      new Admin({ clientId: "meshbridge-stack", bootstrapBrokers: [meshEndpoints.kafkaBootstrap] }),
      new Admin({
        clientId: "meshbridge-stack",
        bootstrapBrokers: [meshSecured.kafkaSaslBootstrap],
        tls: { ca: readFileSync(meshTls.caFile) },
        sasl: { ...meshSecured.kafkaScram },
      }),
    ];
    try {
      const answers = await Promise.all(clients.map((admin) => admin.metadata({ topics: [] })));
      return answers.every((metadata) => metadata.brokers.size > 0);
    } finally {
      await Promise.all(clients.map((admin) => admin.close()));
    }
  },
  async outdated() {
    if (await portOpen(ports.kafkaSasl)) return undefined;
    return `running without the SASL_SSL listener on ${meshSecured.kafkaSaslBootstrap} (started by an older checkout); restart it: npm run stack -- down kafka && npm run stack -- up`;
  },
};

const registryHome = join(cacheDir, "registry", APICURIO_VERSION);
const registryRunner = join(registryHome, "app", `apicurio-registry-app-${APICURIO_VERSION}-runner.jar`);

const registry: Service = {
  name: "registry",
  ports: [ports.registry],
  address: meshEndpoints.registryUrl,
  startTimeoutMs: 90_000,
  prepare() {
    requireTool("java", ["-version"], "run Apicurio Registry");
    if (existsSync(registryRunner)) return;
    requireTool("mvn", ["-v"], "fetch Apicurio Registry from Maven Central");
    requireTool("unzip", ["-v"], "unpack Apicurio Registry");
    run(
      "mvn",
      [
        "-q",
        "-B",
        "dependency:copy",
        `-Dartifact=io.apicurio:apicurio-registry-app:${APICURIO_VERSION}:zip:all`,
        `-DoutputDirectory=${registryHome}`,
      ],
      "fetching Apicurio Registry",
    );
    run(
      "unzip",
      ["-q", "-o", join(registryHome, `apicurio-registry-app-${APICURIO_VERSION}-all.zip`), "-d", join(registryHome, "app")],
      "unpacking Apicurio Registry",
    );
  },
  start() {
    startDetached("registry", "java", [
      "-Xms128m",
      "-Xmx512m",
      `-Dquarkus.http.port=${ports.registry}`,
      "-Dquarkus.http.host=127.0.0.1",
      "-Dquarkus.http.access-log.enabled=false",
      "-jar",
      registryRunner,
    ]);
  },
  async healthy() {
    const response = await fetch(`${meshEndpoints.registryUrl}/subjects`);
    return response.ok && Array.isArray(await response.json());
  },
};

const motoVenv = join(cacheDir, "moto-venv");
const motoServer = join(motoVenv, "bin", "moto_server");
const motoPython = join(motoVenv, "bin", "python");

const moto: Service = {
  name: "moto",
  ports: [ports.moto],
  address: meshEndpoints.awsEndpoint,
  startTimeoutMs: 30_000,
  prepare() {
    if (existsSync(motoServer)) return;
    requireTool("python3", ["--version"], "run moto (SQS, SNS, KMS)");
    run("python3", ["-m", "venv", motoVenv], "creating the moto virtual environment");
    run(
      join(motoVenv, "bin", "pip"),
      ["install", "-q", "-r", join(repoRoot, "infra", "moto", "requirements.txt")],
      "installing moto",
    );
  },
  start() {
    // Through the launcher: moto's server with its delete/append race fixed (see launch.py).
    startDetached("moto", motoPython, [
      join(repoRoot, "infra", "moto", "launch.py"),
      "-H",
      "127.0.0.1",
      "-p",
      String(ports.moto),
    ]);
  },
  async healthy() {
    // A real SQS call: ListQueues through moto's query protocol.
    const response = await fetch(`${meshEndpoints.awsEndpoint}/?Action=ListQueues&Version=2012-11-05`, {
      headers: { Authorization: "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/sqs/aws4_request" },
    });
    return response.ok;
  },
};

const elasticmqLibs = join(cacheDir, "elasticmq", ELASTICMQ_VERSION, "libs");
const elasticmqConfig = join(stackDir, "elasticmq.conf");

const elasticmq: Service = {
  name: "elasticmq",
  ports: [ports.elasticmq],
  address: meshEndpoints.sqsEndpoint,
  startTimeoutMs: 60_000,
  prepare() {
    requireTool("java", ["-version"], "run ElasticMQ (SQS)");
    if (existsSync(join(elasticmqLibs, `elasticmq-server_2.13-${ELASTICMQ_VERSION}.jar`))) return;
    requireTool("mvn", ["-v"], "fetch ElasticMQ from Maven Central");
    run(
      "mvn",
      [
        "-q",
        "-B",
        `-Delasticmq.version=${ELASTICMQ_VERSION}`,
        "dependency:copy-dependencies",
        `-DoutputDirectory=${elasticmqLibs}`,
        "-DincludeScope=runtime",
      ],
      "fetching ElasticMQ jars",
      join(repoRoot, "infra", "elasticmq"),
    );
  },
  start() {
    mkdirSync(stackDir, { recursive: true });
    // Loopback only, queue URLs on the same address, AWS's limits; nothing persisted.
    writeFileSync(
      elasticmqConfig,
      [
        'include classpath("application.conf")',
        `node-address { protocol = "http", host = "127.0.0.1", port = ${ports.elasticmq}, context-path = "" }`,
        `rest-sqs { enabled = true, bind-port = ${ports.elasticmq}, bind-hostname = "127.0.0.1", sqs-limits = strict }`,
        "generate-node-address = false",
        "",
      ].join("\n"),
    );
    startDetached("elasticmq", "java", [
      "-Xms64m",
      "-Xmx256m",
      "-XX:+UseSerialGC",
      "-Djava.awt.headless=true",
      `-Dconfig.file=${elasticmqConfig}`,
      "-cp",
      `${elasticmqLibs}/*`,
      "org.elasticmq.server.Main",
    ]);
  },
  async healthy() {
    // A real SQS call: ListQueues through the JSON protocol the SDK speaks.
    const response = await fetch(meshEndpoints.sqsEndpoint, {
      method: "POST",
      headers: {
        "Content-Type": "application/x-amz-json-1.0",
        "X-Amz-Target": "AmazonSQS.ListQueues",
        Authorization: "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/sqs/aws4_request",
      },
      body: "{}",
    });
    return response.ok;
  },
};

const pubsubBinary = join(cacheDir, "bin", "pubsub-emulator");

const pubsub: Service = {
  name: "pubsub",
  ports: [ports.pubsub],
  address: meshEndpoints.pubsubEmulatorHost,
  startTimeoutMs: 30_000,
  prepare() {
    if (existsSync(pubsubBinary)) return;
    requireTool("go", ["version"], "build the Pub/Sub emulator (pstest)");
    run("go", ["build", "-o", pubsubBinary, "."], "building the Pub/Sub emulator", join(repoRoot, "infra", "pubsub-emulator"));
  },
  start() {
    startDetached("pubsub", pubsubBinary, ["-port", String(ports.pubsub)]);
  },
  async healthy() {
    // No GCE metadata server here: skip google-auth's probe (and its warning).
    process.env.METADATA_SERVER_DETECTION ??= "none";
    const { PubSub } = await import("@google-cloud/pubsub");
    const client = new PubSub({
      projectId: "meshbridge-health",
      apiEndpoint: meshEndpoints.pubsubEmulatorHost,
      emulatorMode: true,
    });
    try {
      await client.getTopics();
      return true;
    } finally {
      await client.close();
    }
  },
};

export const services: readonly Service[] = [kafka, registry, moto, elasticmq, pubsub, tlsFront, pubsubGoogle];
