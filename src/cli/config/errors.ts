// A configuration that cannot be used: every problem found, each naming its path, what was
// expected and what was found (never a secret's value). main.ts exits 2 on it.

export interface ConfigIssue {
  /** Dotted path with list indexes, e.g. "sources.sqs[0].receivers"; "" for the whole file. */
  readonly path: string;
  readonly message: string;
}

export class ConfigError extends Error {
  override readonly name = "ConfigError";
  readonly issues: readonly ConfigIssue[];

  constructor(issuesOrMessage: readonly ConfigIssue[] | string) {
    const issues = typeof issuesOrMessage === "string" ? [{ path: "", message: issuesOrMessage }] : issuesOrMessage;
    super(ConfigError.format(issues));
    this.issues = issues;
  }

  static format(issues: readonly ConfigIssue[]): string {
    const lines = issues.map((issue) => (issue.path === "" ? issue.message : `${issue.path}: ${issue.message}`));
    return lines.length === 1 ? lines[0]! : `invalid configuration (${lines.length} problems):\n  ${lines.join("\n  ")}`;
  }
}
