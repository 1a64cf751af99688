// Every generated part of the docs. Adding one is one entry here plus its markers in the file.
import { renderConfigTable } from "./config-table.ts";
import type { GeneratedSection } from "./generated-section.ts";

export const generatedSections: readonly GeneratedSection[] = [{ file: "README.md", name: "config", render: renderConfigTable }];
