// meshbridge command line: dispatches to the command table (./commands.ts). `meshbridge help`
// lists the commands; every command and subcommand takes --help.
import { readFileSync } from "node:fs";
import { dispatch } from "./command-line.ts";
import { commands } from "./commands.ts";
import { ConfigError } from "./config.ts";

const packageJson = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };

const program = {
  name: "meshbridge",
  version: packageJson.version,
  summary: "legacy SNS/SQS and Pub/Sub events into the Kafka event mesh",
  commands,
  notes:
    'Servers come from the configuration or flags; MB_KAFKA_BOOTSTRAP and MB_REGISTRY_URL are the flags\' defaults.\nThe local mesh: eval "$(npm run -s stack -- env)". Dev tools (simulate, demo): npm run simulate|demo -- --help.',
};

dispatch(program, process.argv.slice(2), (text) => console.log(text)).catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  console.error(`meshbridge: ${message}`);
  process.exitCode = error instanceof ConfigError ? 2 : 1;
});
