// The developer commands (`npm run simulate -- ...`, `npm run demo -- ...`, `./dev demo`): a
// simulated legacy backend and the demo, on the local mesh. Same machinery as the production
// command table (src/cli/command-line.ts), but not shipped: the bridge needs none of it.
import { join } from "node:path";
import { cacheDir } from "../infra/stack/ports.ts";
import { type Command, dispatch, numberOption, type OptionSpec } from "../src/cli/command-line.ts";
import { ConfigError } from "../src/cli/config.ts";

const simDir = join(cacheDir, "sim");

const workload: Record<string, OptionSpec> = {
  count: { value: "N", description: "events to publish (default: 1000, or no cap with --seconds)" },
  seconds: { value: "S", description: "publish for this long instead" },
  rate: { value: "EVENTS_PER_S", description: "events per second, 0: as fast as possible", default: "0" },
  size: { value: "BYTES", description: "pad each legacy event to about this size, 0: natural size", default: "0" },
  seed: { value: "N", description: "random seed of the generated events", default: "1" },
  ids: { value: "FILE", description: "append one legacy event id per published event to FILE" },
};
const cloud: OptionSpec = { value: "aws|gcp", description: "AWS (SNS/SQS on moto) or GCP (Pub/Sub emulator)", default: "aws" };

const emulatorNote =
  "AWS calls go to MB_AWS_ENDPOINT (default: the local moto); Pub/Sub calls to MB_PUBSUB_EMULATOR_HOST (default: the local emulator).";

const devCommands: readonly Command[] = [
  {
    name: "simulate",
    summary: "a simulated legacy backend on the local mesh (npm run simulate -- ...)",
    subcommands: [
      {
        name: "provision",
        summary: "create a legacy world: tenants, keys, SNS topics into an SQS queue (aws) or Pub/Sub topics (gcp)",
        options: {
          cloud,
          name: { value: "NAME", description: "name of the world (required)" },
          tenants: { value: "N", description: "number of tenants", default: "50" },
          "key-versions": { value: "N", description: "key versions per tenant", default: "2" },
          topology: {
            value: "per-tenant|per-type",
            description: "aws: one SNS topic per tenant or per event type",
            default: "per-tenant",
          },
          keys: { value: "static|aws-kms", description: "aws: static keys or KMS-wrapped data keys", default: "static" },
          project: { value: "P", description: "gcp: project", default: "meshbridge-sim" },
          "ordered-every": { value: "N", description: "gcp: every Nth subscription is ordered (0: none)", default: "4" },
          "ordering-keys": { value: "N", description: "gcp: ordering keys per tenant", default: "10" },
          dir: {
            value: "DIR",
            description: "where the world and key files go (MB_CACHE_DIR moves the default)",
            default: simDir,
          },
        },
        notes: emulatorNote,
        run: async (args) => (await import("./simulator/simulate-command.ts")).provisionCommand(args),
      },
      {
        name: "publish",
        summary: "publish legacy events into a world made by 'simulate provision'",
        options: { cloud, world: { value: "FILE", description: "the world file (required)" }, ...workload },
        notes: emulatorNote,
        run: async (args) => (await import("./simulator/simulate-command.ts")).publishCommand(args),
      },
    ],
  },
  {
    name: "demo",
    summary: "the whole thing on the local mesh, both clouds (npm run demo -- ...; ./dev demo)",
    options: {
      rate: { value: "EVENTS_PER_S", description: "legacy events per second and cloud", default: "40" },
      seconds: { value: "S", description: "how long to publish", default: "60" },
      tenants: { value: "N", description: "tenants per cloud", default: "50" },
    },
    run: async (args) => {
      const [{ runDemo }, { localAws }] = await Promise.all([import("./demo/demo.ts"), import("./local-mesh/local-aws.ts")]);
      await runDemo({
        aws: localAws(),
        rate: numberOption(args, "rate"),
        seconds: numberOption(args, "seconds"),
        tenants: numberOption(args, "tenants"),
      });
    },
  },
];

const program = {
  name: "node tools/cli.ts",
  version: "dev",
  summary: "developer tools on the local mesh: npm run simulate -- <provision|publish> ..., npm run demo -- ...",
  commands: devCommands,
};

dispatch(program, process.argv.slice(2), (text) => console.log(text)).catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  console.error(`${program.name}: ${message}`);
  process.exitCode = error instanceof ConfigError ? 2 : 1;
});
