// A cheap guard that the catalog .proto text (what gets registered and compared) and the
// generated descriptor (what actually encodes) describe the same schema: same package, same
// top-level messages in the same order, same field and enum-value names and numbers. It
// catches a .proto edited without re-running `buf generate`. It is no full compiler: types,
// options and labels are left to the build (buf generate + a clean git diff in CI).
import type { DescEnum, DescFile, DescMessage } from "@bufbuild/protobuf";
import { StaleGeneratedCodeError } from "./errors.ts";
import type { ProtoToken } from "./proto-canonical.ts";

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
const INTEGER = /^(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/;

interface ProtoOutline {
  readonly packageName: string;
  readonly topLevelMessages: readonly string[];
  /** "name=number" of every field and enum value, sorted. */
  readonly numbered: readonly string[];
}

export function outlineFromTokens(tokens: readonly ProtoToken[]): ProtoOutline {
  let packageName = "";
  const topLevelMessages: string[] = [];
  const numbered: string[] = [];
  let depth = 0;
  let bracketDepth = 0;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as string;
    if (token === "[") bracketDepth++;
    else if (token === "]") bracketDepth--;
    else if (token === "{") depth++;
    else if (token === "}") depth--;
    else if (depth === 0 && token === "package") packageName = tokens[i + 1] ?? "";
    else if (depth === 0 && bracketDepth === 0 && token === "message") topLevelMessages.push(tokens[i + 1] ?? "");
    else if (
      bracketDepth === 0 &&
      depth > 0 &&
      IDENT.test(token) &&
      tokens[i + 1] === "=" &&
      tokens[i - 1] !== "option" &&
      tokens[i - 1] !== ")"
    ) {
      const negative = tokens[i + 2] === "-";
      const literal = tokens[i + (negative ? 3 : 2)] ?? "";
      if (INTEGER.test(literal)) numbered.push(`${token}=${(negative ? -1 : 1) * Number(literal)}`);
    }
  }
  return { packageName, topLevelMessages, numbered: numbered.sort() };
}

export function outlineFromDescriptor(file: DescFile): ProtoOutline {
  const numbered: string[] = [];
  const addEnum = (e: DescEnum): void => {
    for (const value of e.values) numbered.push(`${value.name}=${value.number}`);
  };
  const addMessage = (m: DescMessage): void => {
    for (const field of m.fields) numbered.push(`${field.name}=${field.number}`);
    for (const nested of m.nestedMessages) addMessage(nested);
    for (const nested of m.nestedEnums) addEnum(nested);
  };
  for (const m of file.messages) addMessage(m);
  for (const e of file.enums) addEnum(e);
  return {
    packageName: file.proto.package,
    topLevelMessages: file.messages.map((m) => m.name),
    numbered: numbered.sort(),
  };
}

/** Throws StaleGeneratedCodeError when the text and the generated descriptor disagree. */
export function assertGeneratedMatches(file: DescFile, tokens: readonly ProtoToken[], protoPath: string): void {
  const text = outlineFromTokens(tokens);
  const generated = outlineFromDescriptor(file);
  const problems: string[] = [];
  if (text.packageName !== generated.packageName) {
    problems.push(`package "${text.packageName}" in the file, "${generated.packageName}" in the generated code`);
  }
  if (text.topLevelMessages.join(",") !== generated.topLevelMessages.join(",")) {
    problems.push(
      `top-level messages [${text.topLevelMessages.join(", ")}] in the file, [${generated.topLevelMessages.join(", ")}] in the generated code`,
    );
  }
  const onlyText = multisetMinus(text.numbered, generated.numbered);
  const onlyGenerated = multisetMinus(generated.numbered, text.numbered);
  if (onlyText.length > 0) problems.push(`only in the file: ${onlyText.slice(0, 5).join(", ")}`);
  if (onlyGenerated.length > 0) problems.push(`only in the generated code: ${onlyGenerated.slice(0, 5).join(", ")}`);
  if (problems.length > 0) {
    throw new StaleGeneratedCodeError(
      `catalog file ${protoPath} and its generated code (${file.name}.proto) disagree — re-run buf generate: ${problems.join("; ")}`,
    );
  }
}

function multisetMinus(a: readonly string[], b: readonly string[]): string[] {
  const counts = new Map<string, number>();
  for (const x of b) counts.set(x, (counts.get(x) ?? 0) + 1);
  const out: string[] = [];
  for (const x of a) {
    const c = counts.get(x) ?? 0;
    if (c > 0) counts.set(x, c - 1);
    else out.push(x);
  }
  return out;
}
