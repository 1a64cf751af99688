// Every generated part of the docs. Adding one is one entry here plus its markers in the file.
import { renderConfigTable } from "./config-table.ts";
import { ERROR_CLASSES_SECTION, renderErrorClasses } from "./error-classes.ts";
import type { GeneratedSection } from "./generated-section.ts";

export const generatedSections: readonly GeneratedSection[] = [
  { file: "README.md", name: "config", render: renderConfigTable },
  { file: "README.md", name: ERROR_CLASSES_SECTION, render: renderErrorClasses },
];
