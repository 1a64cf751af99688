# syntax=docker/dockerfile:1
# meshbridge: Node 24 runs the TypeScript sources as they are (type stripping, no build step).
# Stage 1 installs the production dependencies; stage 2 is the runtime, as the non-root `node`
# user, with the demo catalog baked in at /app/catalog/index.ts. A team's own catalog is mounted
# (e.g. at /catalog) and named by `catalog.module` in the configuration (docs/catalogs.md): the
# bridge resolves the catalog's imports itself, so a mounted catalog needs no node_modules.
# Keep NODE_VERSION in step with the `node` devDependency (test/deploy/dockerfile.test.ts checks).
ARG NODE_VERSION=24.21.0

FROM node:${NODE_VERSION}-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: no production dependency needs an install script to run.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
  && npm cache clean --force

FROM node:${NODE_VERSION}-slim AS runtime
LABEL org.opencontainers.image.title="meshbridge" \
      org.opencontainers.image.description="Legacy SNS/SQS and Pub/Sub events into the Kafka event mesh as registered Protobuf"
ENV NODE_ENV=production \
    MB_CONFIG=/etc/meshbridge/config.yaml
WORKDIR /app
COPY --from=deps --chown=root:root /app/node_modules ./node_modules
COPY --chown=root:root package.json package-lock.json ./
COPY --chown=root:root src ./src
COPY --chown=root:root catalog ./catalog
# The files belong to root and are read-only for the process; it writes nothing but logs (stderr).
USER 1000:1000
# The ops port (http.port): /metrics, /healthz, /readyz.
EXPOSE 9464
# Kubernetes ignores HEALTHCHECK and uses the chart's probes; this is for plain docker runs.
# The slim image has no curl, so Node asks /healthz itself.
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:9464/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM starts the bridge's graceful shutdown (shutdownGraceSeconds); node is PID 1 and the
# bridge installs its own signal handlers, so no init process is needed.
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "src/cli/main.ts"]
CMD ["run"]
