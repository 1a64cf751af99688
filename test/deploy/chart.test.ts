// The Helm chart (deploy/helm/meshbridge), rendered offline for the defaults and the example
// value sets in deploy/examples: helm lint is clean, every object validates, and the fields that
// make the bridge work in a pod are wired: the configuration it reads is one the bridge accepts,
// its secret references resolve, the probes and the ServiceMonitor hit the ops port, the pod
// outlives the shutdown grace, and KEDA scales on the right metrics.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, it } from "node:test";
import type { IScaledObject } from "@kubernetes-models/keda/keda.sh/v1alpha1";
import type { IServiceMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1";
import { parser as promqlParser } from "@prometheus-io/lezer-promql";
import type { IDeployment } from "kubernetes-models/apps/v1";
import type { IPodDisruptionBudget } from "kubernetes-models/policy/v1";
import type { IConfigMap, IContainer, ISecret, IService } from "kubernetes-models/v1";
import { parse } from "yaml";
import { repoRoot } from "../../infra/stack/ports.ts";
import { AFTER_GRACE_MS } from "../../src/cli/bridge.ts";
import { parseConfig } from "../../src/cli/config/load.ts";
import { checkRules } from "../../src/cli/config/rules.ts";
import { configSchema } from "../../src/cli/config/schema.ts";
import { forEachSecret } from "../../src/cli/config/secret-fields.ts";
import { validateSchema } from "../../src/cli/config/validate.ts";
import { examplesDir, findObject, hasKind, helmLint, helmTemplate, type K8sObject, render, validateObjects } from "./render.ts";

const valueSets = [
  // The chart's defaults plus the sections it has none for (values.yaml says why).
  {
    name: "defaults (with the minimal required configuration)",
    files: [join(examplesDir, "minimal.yaml")],
    createsSecret: false,
  },
  { name: "SQS with KEDA aws-sqs-queue", files: [join(examplesDir, "sqs-keda.yaml")], createsSecret: true },
  {
    name: "Pub/Sub with KEDA gcp-pubsub and the Prometheus trigger",
    files: [join(examplesDir, "pubsub-keda.yaml")],
    createsSecret: true,
  },
  { name: "a catalog mounted from a ConfigMap", files: [join(examplesDir, "mounted-catalog.yaml")], createsSecret: false },
] as const;

interface Rendered {
  objects: K8sObject[];
  deployment: IDeployment;
  container: IContainer;
  config: Record<string, unknown>;
}

function rendered(files: readonly string[]): Rendered {
  const { text, objects } = render({ valuesFiles: files });
  assert.deepEqual(validateObjects(text, objects), [], "every rendered object validates");
  const deployment = findObject(objects, "Deployment") as unknown as IDeployment;
  const containers = deployment.spec?.template.spec?.containers ?? [];
  assert.equal(containers.length, 1, "one container");
  const configMap = findObject(objects, "ConfigMap") as unknown as IConfigMap;
  const configText = configMap.data?.["config.yaml"];
  assert.ok(configText !== undefined, "the ConfigMap holds config.yaml");
  return { objects, deployment, container: containers[0]!, config: parse(configText) as Record<string, unknown> };
}

const podSpec = (deployment: IDeployment) => deployment.spec!.template.spec!;

/** Where a path inside the container comes from: the volume mounted at the longest matching mountPath. */
function volumeAt(r: Rendered, path: string) {
  const mount = (r.container.volumeMounts ?? [])
    .filter((candidate) => path.startsWith(`${candidate.mountPath.replace(/\/$/, "")}/`))
    .sort((a, b) => b.mountPath.length - a.mountPath.length)[0];
  if (mount === undefined) return undefined;
  const volume = (podSpec(r.deployment).volumes ?? []).find((candidate) => candidate.name === mount.name);
  return volume === undefined ? undefined : { mount, volume, key: path.slice(mount.mountPath.replace(/\/$/, "").length + 1) };
}

/** Every secret reference of the configuration (and keys.file, a path the bridge reads too). */
function references(config: Record<string, unknown>): { path: string; env?: string; file?: string }[] {
  const found: { path: string; env?: string; file?: string }[] = [];
  forEachSecret(configSchema, config, (holder, key, path) => {
    const value = holder[key];
    if (typeof value === "object" && value !== null && "env" in value) found.push({ path, env: String(value.env) });
    if (typeof value === "object" && value !== null && "file" in value) found.push({ path, file: String(value.file) });
  });
  const keys = config.keys as { file?: string } | undefined;
  if (keys?.file !== undefined) found.push({ path: "keys.file", file: keys.file });
  return found;
}

describe("Helm chart", () => {
  it("refuses the bare defaults, naming the configuration it needs", () => {
    const result = helmTemplate();
    assert.equal(result.ok, false);
    assert.match(
      result.ok ? "" : result.error,
      /expected the bridge's configuration to give config.kafka.bootstrapBrokers, config.registry.url, config.keys, config.sources.sqs or config.sources.pubsub/,
    );
  });

  it("passes helm lint --strict with every example value set", () => {
    for (const set of valueSets) {
      const output = helmLint({ valuesFiles: set.files });
      assert.match(output, /1 chart\(s\) linted, 0 chart\(s\) failed/, `${set.name}: ${output}`);
      assert.doesNotMatch(output, /\[(WARNING|ERROR)\]/, `${set.name}: ${output}`);
    }
  });

  for (const set of valueSets) {
    describe(set.name, () => {
      const r = rendered(set.files);

      it("renders a configuration the bridge's schema and rules accept", () => {
        const result = validateSchema(structuredClone(r.config));
        assert.ok(result.ok, `config.yaml: ${result.ok ? "" : JSON.stringify(result.issues)}`);
        assert.deepEqual(checkRules(result.config), []);
      });

      it("reads the configuration from the ConfigMap, at MB_CONFIG", () => {
        const variable = r.container.env?.find((entry) => entry.name === "MB_CONFIG");
        assert.ok(variable?.value !== undefined, "MB_CONFIG is set");
        const source = volumeAt(r, variable.value);
        assert.ok(source !== undefined, `${variable.value} is mounted`);
        assert.equal(source.volume.configMap?.name, findObject(r.objects, "ConfigMap").metadata.name);
        assert.equal(source.key, "config.yaml");
      });

      it("wires every secret reference to the Secret: env through envFrom, files through its volume", () => {
        const refs = references(r.config);
        assert.ok(refs.length > 0, "the value set has secret references to check");
        const secret = r.objects.find((object) => object.kind === "Secret") as ISecret | undefined;
        assert.equal(secret !== undefined, set.createsSecret, "the chart creates the Secret exactly when secret.create");
        const keys = secret === undefined ? undefined : new Set(Object.keys(secret.stringData ?? {}));
        const secretNames = new Set((r.container.envFrom ?? []).flatMap((source) => source.secretRef?.name ?? []));
        if (secret !== undefined) assert.ok(secretNames.has(secret.metadata!.name!), "the rendered Secret is the envFrom one");
        for (const ref of refs) {
          if (ref.env !== undefined) {
            const direct = r.container.env?.some((entry) => entry.name === ref.env) ?? false;
            assert.ok(direct || secretNames.size > 0, `${ref.path}: ${ref.env} comes from no env entry and no secretRef`);
            if (!direct && keys !== undefined) assert.ok(keys.has(ref.env), `${ref.path}: the Secret has no key ${ref.env}`);
          } else if (ref.file !== undefined) {
            const source = volumeAt(r, ref.file);
            assert.ok(source?.volume.secret?.secretName !== undefined, `${ref.path}: ${ref.file} is on no Secret volume`);
            assert.ok(secretNames.has(source.volume.secret.secretName), `${ref.path}: the volume's Secret is the envFrom one`);
            if (keys !== undefined) assert.ok(keys.has(source.key), `${ref.path}: the Secret has no key ${source.key}`);
          }
        }
      });

      // Where the Secret is managed outside the chart, its keys are unknown here.
      if (set.createsSecret)
        it("resolves every secret as the pod would see it", () => {
          const secret = findObject(r.objects, "Secret") as unknown as ISecret;
          const data = secret.stringData ?? {};
          // The Secret's volume, reproduced in a temporary directory; its keys, the environment.
          const mountRoot = mkdtempSync(join(tmpdir(), "mb-secret-"));
          const config = structuredClone(r.config);
          forEachSecret(configSchema, config, (holder, key) => {
            const value = holder[key];
            if (typeof value !== "object" || value === null || !("file" in value)) return;
            const source = volumeAt(r, String(value.file))!;
            const local = join(mountRoot, source.key);
            mkdirSync(dirname(local), { recursive: true });
            writeFileSync(local, data[source.key] ?? "");
            holder[key] = { file: local };
          });
          const resolved = parseConfig(config, { ...data });
          assert.ok(Object.isFrozen(resolved));
        });

      it("gives the pod more time than the shutdown grace and the releases after it", () => {
        const grace = typeof r.config.shutdownGraceSeconds === "number" ? r.config.shutdownGraceSeconds : 25;
        const period = podSpec(r.deployment).terminationGracePeriodSeconds;
        assert.ok(period !== undefined && period > grace + AFTER_GRACE_MS / 1000, `${period} s > ${grace} s + after-grace`);
      });

      it("probes /healthz (liveness, start-up) and /readyz (readiness) on config.http.port", () => {
        const port = (r.config.http as { port?: number } | undefined)?.port ?? 9464;
        assert.deepEqual(r.container.ports, [{ name: "http", containerPort: port, protocol: "TCP" }]);
        assert.deepEqual(r.container.livenessProbe?.httpGet, { path: "/healthz", port: "http" });
        assert.deepEqual(r.container.startupProbe?.httpGet, { path: "/healthz", port: "http" });
        assert.deepEqual(r.container.readinessProbe?.httpGet, { path: "/readyz", port: "http" });
      });

      it("runs as a non-root user with a read-only root and no privileges", () => {
        const pod = podSpec(r.deployment).securityContext;
        assert.equal(pod?.runAsNonRoot, true);
        assert.ok((pod?.runAsUser ?? 0) > 0, "runAsUser is not root");
        assert.equal(r.container.securityContext?.allowPrivilegeEscalation, false);
        assert.equal(r.container.securityContext?.readOnlyRootFilesystem, true);
        assert.deepEqual(r.container.securityContext?.capabilities?.drop, ["ALL"]);
        assert.ok(r.container.resources?.requests?.memory !== undefined && r.container.resources.limits?.memory !== undefined);
      });

      it("has a PodDisruptionBudget, spreads over nodes and zones, and a ServiceMonitor on the Service's ops port", () => {
        const podLabels = r.deployment.spec!.template.metadata!.labels!;
        const selects = (selector: Record<string, string> | undefined) =>
          selector !== undefined &&
          Object.keys(selector).length > 0 &&
          Object.entries(selector).every(([k, v]) => podLabels[k] === v);
        const pdb = findObject(r.objects, "PodDisruptionBudget") as unknown as IPodDisruptionBudget;
        assert.ok(selects(pdb.spec?.selector?.matchLabels), "the PDB selects the bridge's pods");
        assert.ok((pdb.spec?.maxUnavailable === undefined) !== (pdb.spec?.minAvailable === undefined), "one of the two");
        const spread = podSpec(r.deployment).topologySpreadConstraints ?? [];
        assert.deepEqual(
          spread.map((constraint) => constraint.topologyKey),
          ["kubernetes.io/hostname", "topology.kubernetes.io/zone"],
        );
        assert.ok(
          spread.every((constraint) => selects(constraint.labelSelector?.matchLabels)),
          "spread over the bridge's pods",
        );
        const service = findObject(r.objects, "Service") as unknown as IService;
        assert.ok(selects(service.spec?.selector), "the Service selects the bridge's pods");
        const monitor = findObject(r.objects, "ServiceMonitor") as unknown as IServiceMonitor;
        const serviceLabels = service.metadata!.labels!;
        const monitorSelector = monitor.spec.selector.matchLabels ?? {};
        assert.ok(
          Object.entries(monitorSelector).every(([k, v]) => serviceLabels[k] === v),
          "the ServiceMonitor selects the Service",
        );
        assert.deepEqual(
          monitor.spec.endpoints?.map((endpoint) => [endpoint.port, endpoint.path]),
          [["http", "/metrics"]],
        );
        assert.deepEqual(
          service.spec?.ports?.map((port) => [port.name, port.targetPort]),
          [["http", "http"]],
        );
      });

      it("leaves the replica count to KEDA exactly when a ScaledObject is rendered", () => {
        const scaled = hasKind(r.objects, "ScaledObject");
        assert.equal(r.deployment.spec?.replicas === undefined, scaled);
      });
    });
  }

  it("scales on each SQS queue's length, in-flight messages included (aws-sqs-queue)", () => {
    const r = rendered([join(examplesDir, "sqs-keda.yaml")]);
    const scaled = findObject(r.objects, "ScaledObject") as unknown as IScaledObject;
    assert.equal(scaled.spec.scaleTargetRef.name, r.deployment.metadata!.name);
    const queues = (r.config.sources as { sqs: { queueUrl: string }[] }).sqs.map((queue) => queue.queueUrl);
    assert.deepEqual(
      scaled.spec.triggers.map((trigger) => [trigger.type, trigger.metadata.queueURL, trigger.authenticationRef?.name]),
      queues.map((url) => ["aws-sqs-queue", url, "meshbridge-aws"]),
    );
    for (const trigger of scaled.spec.triggers) {
      assert.equal(trigger.metadata.scaleOnInFlight, "true");
      assert.equal(trigger.metadata.awsRegion, "eu-west-1");
      assert.equal(trigger.metadata.queueLength, "400");
    }
    assert.equal(podSpec(r.deployment).terminationGracePeriodSeconds, 40 + 15, "shutdownGraceSeconds 40 + the margin");
  });

  it("scales on the configured subscriptions (gcp-pubsub) and on the bridge's aggregate backlog gauge (prometheus)", () => {
    const r = rendered([join(examplesDir, "pubsub-keda.yaml")]);
    const scaled = findObject(r.objects, "ScaledObject") as unknown as IScaledObject;
    const pubsub = scaled.spec.triggers.filter((trigger) => trigger.type === "gcp-pubsub");
    assert.deepEqual(
      pubsub.map((trigger) => [trigger.metadata.subscriptionName, trigger.metadata.mode, trigger.metadata.value]),
      [
        ["projects/legacy-events/subscriptions/orders-meshbridge", "SubscriptionSize", "1000"],
        ["projects/other-project/subscriptions/payments-meshbridge", "SubscriptionSize", "1000"],
      ],
    );
    const prometheus = scaled.spec.triggers.filter((trigger) => trigger.type === "prometheus");
    assert.equal(prometheus.length, 1);
    assert.deepEqual(prometheus[0]!.metadata, {
      serverAddress: "http://prometheus-operated.monitoring:9090",
      query: 'sum(max by (source) (meshbridge_source_backlog_messages{namespace="bridges",service="mb-meshbridge"}))',
      threshold: "2000",
      activationThreshold: "0",
    });
    const monitor = findObject(r.objects, "ServiceMonitor");
    assert.equal(monitor.metadata.labels?.release, "kube-prometheus-stack", "serviceMonitor.labels reach the object");
  });

  it("takes the Prometheus metric name and query from values", () => {
    const files = [join(examplesDir, "pubsub-keda.yaml")];
    const named = render({ valuesFiles: files, set: ["keda.prometheus.metricName=other_backlog"] });
    const trigger = (objects: K8sObject[]) =>
      (findObject(objects, "ScaledObject") as unknown as IScaledObject).spec.triggers.find((t) => t.type === "prometheus")!;
    assert.match(trigger(named.objects).metadata.query!, /^sum\(max by \(source\) \(other_backlog\{/);
    const query = render({ valuesFiles: files, set: ["keda.prometheus.query=sum(x)"] });
    assert.equal(trigger(query.objects).metadata.query, "sum(x)");
  });

  it("ships the alerts docs/operations.md explains, each valid PromQL over metrics the bridge exports", () => {
    const r = render({ valuesFiles: [join(examplesDir, "sqs-keda.yaml")], set: ["prometheusRule.enabled=true"] });
    assert.deepEqual(validateObjects(r.text, r.objects), []);
    const rule = findObject(r.objects, "PrometheusRule") as unknown as {
      spec: { groups: { rules: { alert: string; expr: string }[] }[] };
    };
    const rules = rule.spec.groups.flatMap((group) => group.rules);
    const readme = readFileSync(join(repoRoot, "README.md"), "utf8");
    const exported = new Set([...readme.matchAll(/^ {2}\| `([a-z_]+)` +\|/gm)].map((match) => match[1]!));
    assert.ok(exported.has("meshbridge_dead_lettered_total"), "the README metrics table was read");
    for (const { alert, expr } of rules) {
      let errors = 0;
      const metrics: string[] = [];
      promqlParser.parse(expr).iterate({
        enter: (node) => {
          if (node.type.isError) errors++;
          if (node.name === "Identifier") metrics.push(expr.slice(node.from, node.to));
        },
      });
      assert.equal(errors, 0, `${alert}: ${expr} is not valid PromQL`);
      assert.ok(metrics.length > 0, `${alert} names a metric`);
      for (const metric of metrics) {
        const base = metric.replace(/_(bucket|sum|count)$/, "");
        assert.ok(
          metric === "up" || exported.has(metric) || exported.has(base),
          `${alert}: ${metric} is not a metric the bridge exports`,
        );
      }
      assert.match(expr, /namespace="bridges",service="mb-meshbridge"/, `${alert} selects this release's series`);
    }
    const guide = readFileSync(join(repoRoot, "docs", "operations.md"), "utf8");
    const explained = [...guide.slice(guide.indexOf("## What each alert means")).matchAll(/^\| `(Meshbridge[A-Za-z]+)` /gm)].map(
      (match) => match[1]!,
    );
    assert.deepEqual(
      explained.sort(),
      rules.map((entry) => entry.alert).sort(),
      "docs/operations.md explains exactly the shipped alerts",
    );
    const budget = rules.find((entry) => entry.alert === "MeshbridgeSaturated")!;
    const custom = render({
      valuesFiles: [join(examplesDir, "sqs-keda.yaml")],
      set: ["prometheusRule.enabled=true", "config.budget.maxMessages=1000"],
    });
    const customRules = (findObject(custom.objects, "PrometheusRule") as unknown as typeof rule).spec.groups.flatMap(
      (g) => g.rules,
    );
    assert.match(budget.expr, />= 3600$/, "90 % of the default budget");
    assert.match(
      customRules.find((entry) => entry.alert === "MeshbridgeSaturated")!.expr,
      />= 900$/,
      "90 % of config.budget.maxMessages",
    );
    assert.equal(
      hasKind(render({ valuesFiles: [join(examplesDir, "sqs-keda.yaml")] }).objects, "PrometheusRule"),
      false,
      "off by default",
    );
  });

  it("mounts a catalog volume read-only where config.catalog.module points", () => {
    const r = rendered([join(examplesDir, "mounted-catalog.yaml")]);
    const module = (r.config.catalog as { module: string }).module;
    const source = volumeAt(r, module);
    assert.ok(source !== undefined, `${module} is on a volume`);
    assert.equal(source.mount.readOnly, true);
    assert.equal(source.volume.configMap?.name, "support-catalog");
    assert.ok(
      source.volume.configMap?.items?.some((item) => item.path === source.key),
      `the volume has ${source.key}`,
    );
    const defaults = rendered([join(examplesDir, "minimal.yaml")]);
    assert.equal(volumeAt(defaults, "/catalog/index.ts"), undefined, "no catalog volume by default");
    assert.equal((defaults.config.catalog as { module: string }).module, "/app/catalog/index.ts", "the image's demo catalog");
  });

  describe("refuses value sets that would break the bridge, naming the key", () => {
    const refusals = [
      {
        why: "a termination grace period not above the shutdown grace",
        set: ["config.shutdownGraceSeconds=60", "terminationGracePeriodSeconds=60"],
        message: /terminationGracePeriodSeconds \(60\) must exceed config.shutdownGraceSeconds \(60\)/,
      },
      { why: "ops port 0", set: ["config.http.port=0"], message: /config.http.port: expected 1-65535/ },
      {
        why: "a misspelt values key (values.schema.json)",
        set: ["keda.sqs.queuLength=3"],
        message: /at '\/keda\/sqs': additional properties 'queuLength' not allowed/,
      },
      {
        why: "a catalog volume the module is not on",
        set: ["catalog.volume.emptyDir.medium=Memory"],
        message: /config.catalog.module must name a file under catalog.mountPath \/catalog, got "\/app\/catalog\/index.ts"/,
      },
      {
        why: "KEDA without a trigger",
        set: ["keda.enabled=true"],
        message: /at least one of keda.sqs, keda.pubsub, keda.prometheus/,
      },
      {
        why: "an SQS trigger without authentication",
        set: ["keda.enabled=true", "keda.sqs.enabled=true"],
        message: /keda.sqs.authenticationRef: expected the name of a TriggerAuthentication/,
      },
      {
        why: "a Prometheus trigger without a server",
        set: ["keda.enabled=true", "keda.prometheus.enabled=true"],
        message: /keda.prometheus.serverAddress: expected the Prometheus URL/,
      },
    ];
    for (const refusal of refusals) {
      it(refusal.why, () => {
        const result = helmTemplate({ valuesFiles: [join(examplesDir, "minimal.yaml")], set: refusal.set });
        assert.equal(result.ok, false, "helm template refuses");
        assert.match(result.ok ? "" : result.error, refusal.message);
      });
    }
  });

  it("validation catches a misspelt field and a wrong type (the validators are not no-ops)", () => {
    const { text, objects } = render({ valuesFiles: [join(examplesDir, "minimal.yaml")] });
    const deployment = findObject(objects, "Deployment");
    const broken = text.replace("readinessProbe:", "readinesProbe:");
    assert.notEqual(broken, text);
    assert.match(validateObjects(broken, objects).join("\n"), /readinesProbe/);
    const wrongType = structuredClone(deployment) as unknown as IDeployment;
    wrongType.spec!.template.spec!.containers[0]!.ports![0]!.containerPort = "http" as unknown as number;
    assert.match(validateObjects(text, [wrongType as unknown as K8sObject]).join("\n"), /containerPort must be integer/);
    const scaled = findObject(render({ valuesFiles: [join(examplesDir, "sqs-keda.yaml")] }).objects, "ScaledObject");
    const badTrigger = structuredClone(scaled) as unknown as IScaledObject;
    badTrigger.spec.triggers[0]!.metadata.queueLength = 400 as unknown as string;
    assert.match(validateObjects(text, [badTrigger as unknown as K8sObject]).join("\n"), /queueLength must be string/);
  });
});
