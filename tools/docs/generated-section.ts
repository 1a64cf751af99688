// Generated parts of Markdown files live between two markers:
//   <!-- BEGIN GENERATED: name -->  ...  <!-- END GENERATED: name -->
// and are rewritten from their source (npm run docs); a test fails when they drift.

export interface GeneratedSection {
  /** Markdown file, relative to the repository root. */
  readonly file: string;
  /** The marker's name. */
  readonly name: string;
  /** The section's content (without the markers). */
  render(): string;
}

const begin = (name: string) => `<!-- BEGIN GENERATED: ${name} -->`;
const end = (name: string) => `<!-- END GENERATED: ${name} -->`;

function bounds(text: string, file: string, name: string): [number, number] {
  const start = text.indexOf(begin(name));
  const stop = text.indexOf(end(name));
  if (start < 0 || stop < start) throw new Error(`${file}: expected the markers "${begin(name)}" … "${end(name)}", got none`);
  return [start + begin(name).length, stop];
}

/** What the file holds between the section's markers now. */
export function currentContent(text: string, file: string, name: string): string {
  const [start, stop] = bounds(text, file, name);
  return text.slice(start, stop).replace(/^\n/, "").replace(/\n$/, "");
}

/** The file's text with the section's content replaced. */
export function replaceContent(text: string, file: string, name: string, content: string): string {
  const [start, stop] = bounds(text, file, name);
  return `${text.slice(0, start)}\n${content}\n${text.slice(stop)}`;
}
