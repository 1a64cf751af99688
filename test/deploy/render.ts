// Renders the Helm chart offline and validates what comes out: every object against the
// Kubernetes schemas (strict, unknown fields refused) and, for the CRDs, against the KEDA and
// prometheus-operator models; the ConfigMap's configuration against the bridge's own schema.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ScaledObject } from "@kubernetes-models/keda/keda.sh/v1alpha1";
import { PrometheusRule, ServiceMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1";
import { Deployment } from "kubernetes-models/apps/v1";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1";
import { ConfigMap, Secret, Service, ServiceAccount } from "kubernetes-models/v1";
import { parseAllDocuments } from "yaml";
import { repoRoot } from "../../infra/stack/ports.ts";
import { deployTools, missingTools } from "../../tools/deploy/tools.ts";

export const chartDir = join(repoRoot, "deploy", "helm", "meshbridge");
export const examplesDir = join(repoRoot, "deploy", "examples");
/** The chart's lowest supported Kubernetes (Chart.yaml kubeVersion) and the newest schemas shipped. */
export const kubernetesVersions = ["1.27.0", "1.37.0"] as const;
/** A helm built by `go install` believes in Kubernetes 1.20 unless told otherwise. */
const kubeVersionFlag = ["--kube-version", kubernetesVersions[1]];

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; namespace?: string };
  [field: string]: unknown;
}

/** Fails the calling test with the install command when a tool is missing (never a silent skip). */
export function requireTools(): void {
  const missing = missingTools();
  if (missing.length > 0) throw new Error(`deployment tools missing:\n${missing.join("\n")}`);
}

export interface RenderOptions {
  valuesFiles?: readonly string[];
  set?: readonly string[];
  namespace?: string;
}

function helmArguments(options: RenderOptions): string[] {
  return [
    ...(options.valuesFiles ?? []).flatMap((file) => ["--values", file]),
    ...(options.set ?? []).flatMap((pair) => ["--set", pair]),
  ];
}

/** `helm lint --strict`: its output, or throws with it. */
export function helmLint(options: RenderOptions = {}): string {
  requireTools();
  return execFileSync(deployTools.helm, ["lint", "--strict", ...kubeVersionFlag, chartDir, ...helmArguments(options)], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
}

/** `helm template`: the rendered text, or the error helm printed. */
export function helmTemplate(options: RenderOptions = {}): { ok: true; text: string } | { ok: false; error: string } {
  requireTools();
  const result = spawnSync(
    deployTools.helm,
    ["template", "mb", chartDir, "--namespace", options.namespace ?? "bridges", ...kubeVersionFlag, ...helmArguments(options)],
    { encoding: "utf8" },
  );
  return result.status === 0 ? { ok: true, text: result.stdout } : { ok: false, error: `${result.stderr}${result.stdout}` };
}

export function parseObjects(text: string): K8sObject[] {
  return parseAllDocuments(text)
    .map((document) => {
      if (document.errors.length > 0) throw new Error(`rendered YAML does not parse: ${document.errors[0]!.message}`);
      return document.toJS() as K8sObject | null;
    })
    .filter((object): object is K8sObject => object !== null);
}

/** Renders and parses; throws with helm's message when it refuses. */
export function render(options: RenderOptions = {}): { text: string; objects: K8sObject[] } {
  const result = helmTemplate(options);
  if (!result.ok) throw new Error(`helm template failed:\n${result.error}`);
  return { text: result.text, objects: parseObjects(result.text) };
}

// Each kind the chart may render, with its model's validation (types, required fields, enums).
const models: Record<string, (object: K8sObject) => void> = {
  "v1/ConfigMap": (object) => new ConfigMap(object as never).validate(),
  "v1/Secret": (object) => new Secret(object as never).validate(),
  "v1/Service": (object) => new Service(object as never).validate(),
  "v1/ServiceAccount": (object) => new ServiceAccount(object as never).validate(),
  "apps/v1/Deployment": (object) => new Deployment(object as never).validate(),
  "policy/v1/PodDisruptionBudget": (object) => new PodDisruptionBudget(object as never).validate(),
  "monitoring.coreos.com/v1/ServiceMonitor": (object) => new ServiceMonitor(object as never).validate(),
  "monitoring.coreos.com/v1/PrometheusRule": (object) => new PrometheusRule(object as never).validate(),
  "keda.sh/v1alpha1/ScaledObject": (object) => new ScaledObject(object as never).validate(),
};
const customKinds = new Set([
  "monitoring.coreos.com/v1/ServiceMonitor",
  "monitoring.coreos.com/v1/PrometheusRule",
  "keda.sh/v1alpha1/ScaledObject",
]);

/** Problems of the rendered objects; empty when every one validates. */
export function validateObjects(text: string, objects: readonly K8sObject[]): string[] {
  const problems: string[] = [];
  for (const object of objects) {
    const kind = `${object.apiVersion}/${object.kind}`;
    const validate = models[kind];
    if (validate === undefined) {
      problems.push(`${kind} ${object.metadata.name}: no model to validate it with (add one to test/deploy/render.ts)`);
      continue;
    }
    try {
      validate(object);
    } catch (error) {
      problems.push(`${kind} ${object.metadata.name}: ${String(error)}`);
    }
  }
  // The models accept unknown fields; the schemas in strict mode do not (a misspelt key is an error).
  const file = join(mkdtempSync(join(tmpdir(), "mb-chart-")), "rendered.yaml");
  writeFileSync(file, text);
  for (const version of kubernetesVersions) {
    const result = spawnSync("python3", ["-m", "kubernetes_validate", "--strict", "--quiet", "-k", version, file], {
      encoding: "utf8",
      env: { ...process.env, PYTHONPATH: deployTools.kubernetesValidatePath },
    });
    const lines = `${result.stdout}${result.stderr}`.split("\n").filter((line) => line.trim() !== "");
    // Only the CRDs may lack a schema there; they were validated by their models above.
    const unexpected = lines.filter(
      (line) => !(line.startsWith("WARN") && [...customKinds].some((kind) => line.includes(`kind ${kind.split("/").pop()}`))),
    );
    if (result.status !== 0 || unexpected.length > 0) {
      problems.push(`kubernetes-validate --strict -k ${version} (exit ${result.status}):\n${unexpected.join("\n")}`);
    }
  }
  return problems;
}

export function findObject(objects: readonly K8sObject[], kind: string): K8sObject {
  const found = objects.filter((object) => object.kind === kind);
  if (found.length !== 1) throw new Error(`expected one ${kind} in the rendered chart, got ${found.length}`);
  return found[0]!;
}

export const hasKind = (objects: readonly K8sObject[], kind: string): boolean => objects.some((object) => object.kind === kind);
