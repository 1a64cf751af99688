// The machinery behind the command table (./commands.ts): argument parsing with node:util's
// parseArgs from the declared options, `help`, `--help` on every command and subcommand, the
// list shown for a missing or unknown subcommand, and `--version`. Nothing here knows a command.
import { parseArgs } from "node:util";
import { ConfigError } from "./config.ts";

export interface OptionSpec {
  /** Placeholder shown in help, e.g. "URL" or "N". */
  readonly value: string;
  readonly description: string;
  /** Applied when the option is absent, and shown in help. */
  readonly default?: string;
  /** A switch without a value (`--json`): its value is "true" when given, else undefined. */
  readonly flag?: boolean;
}

export interface PositionalSpec {
  readonly name: string;
  readonly description: string;
  /** One or more (shown as NAME...). */
  readonly variadic?: boolean;
}

export interface ParsedArgs {
  /** Every declared option: the given value, else its default, else undefined. */
  readonly values: Readonly<Record<string, string | undefined>>;
  readonly positionals: readonly string[];
}

export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly options?: Readonly<Record<string, OptionSpec>>;
  readonly positionals?: readonly PositionalSpec[];
  /** More text under the options in `--help`. */
  readonly notes?: string;
  /** A command either has subcommands or runs. */
  readonly subcommands?: readonly Command[];
  /** Imports its module lazily, so a command loads only what it uses (docs/decisions/0006). */
  readonly run?: (args: ParsedArgs) => Promise<void>;
}

export interface Program {
  readonly name: string;
  readonly version: string;
  readonly summary: string;
  readonly commands: readonly Command[];
  /** Closing text of the top-level help. */
  readonly notes?: string;
}

/** A command line that cannot be run as given (exit code 2, like a bad configuration). */
export class UsageError extends ConfigError {}

const HELP_FLAGS = new Set(["--help", "-h"]);

function usageLine(program: Program, path: readonly string[], command: Command): string {
  const words = [program.name, ...path];
  if (command.subcommands !== undefined) return `${words.join(" ")} <${command.subcommands.map((s) => s.name).join("|")}> ...`;
  if (command.options !== undefined && Object.keys(command.options).length > 0) words.push("[options]");
  for (const positional of command.positionals ?? []) words.push(positional.variadic ? `${positional.name}...` : positional.name);
  return words.join(" ");
}

function table(rows: readonly (readonly [string, string])[], indent = "  "): string {
  const width = Math.max(...rows.map(([left]) => left.length));
  return rows.map(([left, right]) => `${indent}${left.padEnd(width)}  ${right}`).join("\n");
}

function optionRows(command: Command): [string, string][] {
  const rows: [string, string][] = Object.entries(command.options ?? {}).map(([name, spec]) => [
    spec.flag === true ? `--${name}` : `--${name} ${spec.value}`,
    spec.default === undefined || spec.default === "" ? spec.description : `${spec.description} (default: ${spec.default})`,
  ]);
  rows.push(["-h, --help", "show this help"]);
  return rows;
}

/** `--help` of one command or subcommand (a command with subcommands lists them). */
export function commandHelp(program: Program, path: readonly string[], command: Command): string {
  const parts = [`${[program.name, ...path].join(" ")} — ${command.summary}`, `usage: ${usageLine(program, path, command)}`];
  if (command.subcommands !== undefined) {
    parts.push(`subcommands:\n${table(command.subcommands.map((sub) => [sub.name, sub.summary]))}`);
    parts.push(`'${[program.name, ...path].join(" ")} <subcommand> --help' shows a subcommand's options.`);
  } else {
    if ((command.positionals ?? []).length > 0) {
      parts.push(
        `arguments:\n${table((command.positionals ?? []).map((p) => [p.variadic ? `${p.name}...` : p.name, p.description]))}`,
      );
    }
    parts.push(`options:\n${table(optionRows(command))}`);
  }
  if (command.notes !== undefined) parts.push(command.notes);
  return parts.join("\n\n");
}

/** `meshbridge help`: every command and subcommand with its summary. */
export function programHelp(program: Program): string {
  const rows: [string, string][] = [];
  for (const command of program.commands) {
    if (command.subcommands === undefined) rows.push([command.name, command.summary]);
    else for (const sub of command.subcommands) rows.push([`${command.name} ${sub.name}`, sub.summary]);
  }
  return [
    `${program.name} ${program.version} — ${program.summary}`,
    `usage: ${program.name} <command> [options]`,
    `commands:\n${table(rows)}`,
    `'${program.name} <command> --help' (or '${program.name} help <command>') shows a command's options; '${program.name} --version' its version.`,
    ...(program.notes === undefined ? [] : [program.notes]),
  ].join("\n\n");
}

/** Finds the command a path of words names, descending into subcommands. */
function resolve(
  program: Program,
  words: readonly string[],
): { command: Command | undefined; path: string[]; rest: string[] } | undefined {
  let candidates: readonly Command[] = program.commands;
  let command: Command | undefined;
  const path: string[] = [];
  let index = 0;
  while (index < words.length) {
    const next = candidates.find((c) => c.name === words[index]);
    if (next === undefined) break;
    command = next;
    path.push(next.name);
    index++;
    if (next.subcommands === undefined) break;
    candidates = next.subcommands;
  }
  return { command, path, rest: words.slice(index) };
}

function parse(program: Program, path: readonly string[], command: Command, args: readonly string[]) {
  const declared = command.options ?? {};
  const options: Record<string, { type: "string" | "boolean"; short?: string }> = { help: { type: "boolean", short: "h" } };
  for (const [name, spec] of Object.entries(declared)) options[name] = { type: spec.flag === true ? "boolean" : "string" };
  const where = path.join(" ");
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...args], options, allowPositionals: (command.positionals ?? []).length > 0, strict: true });
  } catch (error) {
    const reason = error instanceof Error ? error.message.split(/\.\s/)[0]! : String(error);
    throw new UsageError(`${where}: ${reason}; '${program.name} ${where} --help' lists the options`);
  }
  if (parsed.values.help === true) return "help" as const;
  const values: Record<string, string | undefined> = {};
  for (const [name, spec] of Object.entries(declared)) {
    const given = parsed.values[name];
    values[name] = typeof given === "string" ? given : given === true ? "true" : spec.default;
  }
  const required = command.positionals ?? [];
  if (required.length > 0 && parsed.positionals.length === 0) {
    throw new UsageError(
      `${where}: give ${required.map((p) => (p.variadic ? `${p.name}...` : p.name)).join(" ")}\n\n${commandHelp(program, path, command)}`,
    );
  }
  return { values, positionals: parsed.positionals };
}

/** Runs the command the words name; help and version go to `out`. */
export async function dispatch(program: Program, argv: readonly string[], out: (text: string) => void): Promise<void> {
  const [first, ...others] = argv;
  if (first === undefined || HELP_FLAGS.has(first)) return out(programHelp(program));
  if (first === "--version" || first === "-V") return out(`${program.name} ${program.version}`);
  const helpOnly = first === "help";
  const words = helpOnly ? others : argv;
  if (helpOnly && words.length === 0) return out(programHelp(program));
  const found = resolve(program, words);
  const command = found?.command;
  if (found === undefined || command === undefined) {
    throw new UsageError(`unknown command '${words.join(" ")}'\n\n${programHelp(program)}`);
  }
  const { path, rest } = found;
  if (helpOnly) {
    if (command.subcommands !== undefined && rest.length > 0) throw unknownSubcommand(program, path, command, rest[0]!);
    return out(commandHelp(program, path, command));
  }
  if (command.subcommands !== undefined) {
    const next = rest[0];
    if (next !== undefined && HELP_FLAGS.has(next)) return out(commandHelp(program, path, command));
    if (next === undefined || next.startsWith("-")) {
      throw new UsageError(`${path.join(" ")}: give a subcommand\n\n${commandHelp(program, path, command)}`);
    }
    throw unknownSubcommand(program, path, command, next);
  }
  const parsed = parse(program, path, command, rest);
  if (parsed === "help") return out(commandHelp(program, path, command));
  if (command.run === undefined) throw new Error(`command '${path.join(" ")}' has nothing to run`);
  await command.run(parsed);
}

function unknownSubcommand(program: Program, path: readonly string[], command: Command, word: string): UsageError {
  return new UsageError(`${path.join(" ")}: unknown subcommand '${word}'\n\n${commandHelp(program, path, command)}`);
}

/** A non-negative number option (already defaulted by the table). */
export function numberOption(args: ParsedArgs, name: string): number {
  const raw = args.values[name];
  if (raw === undefined) throw new UsageError(`--${name} is required`);
  const parsed = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(parsed) || parsed < 0) {
    throw new UsageError(`--${name}: expected a non-negative number, got ${raw}`);
  }
  return parsed;
}

/** A string option that must be given. */
export function requiredOption(args: ParsedArgs, name: string, where: string): string {
  const value = args.values[name];
  if (value === undefined || value === "") throw new UsageError(`${where}: --${name} is required`);
  return value;
}

/** A string option limited to some values. */
export function choiceOption<T extends string>(args: ParsedArgs, name: string, choices: readonly T[]): T {
  const value = args.values[name];
  const match = choices.find((choice) => choice === value);
  if (match === undefined) throw new UsageError(`--${name}: expected ${choices.join(" or ")}, got ${value ?? "nothing"}`);
  return match;
}
