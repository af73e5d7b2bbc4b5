# syntax=docker/dockerfile:1
#
# toggl-webhooks-sync container image.
#
#   docker build -t toggl-webhooks-sync .
#   docker run --rm --read-only -e TOGGL_API_TOKEN -v "$PWD/subscriptions:/config:ro" \
#     toggl-webhooks-sync sync --dry-run /config
#
# Two stages so the runtime image holds no compiler, no node_modules and no npm cache:
#   build      full toolchain: typechecks src/ and bundles it with every dependency into dist/
#   runtime    dist/ (the bundle) + package.json (the module type) + schemas/, nothing else

# The base image of every stage, in one place: a current Node LTS on alpine. Pinned by digest as
# node:24-alpine@sha256:<index digest> by Renovate (renovate.json, pinDigests), which keeps the digest current
# in reviewed pull requests; no digest is written here by hand. Until that first pin lands, the release
# workflow resolves the tag's digest once and builds with NODE_IMAGE=node:24-alpine@sha256:..., so a published
# image never floats on a tag (.github/workflows/release.yml, "Pin the base image"). Another Node line:
# --build-arg NODE_IMAGE=node:22-alpine.
ARG NODE_IMAGE=node:24-alpine

FROM ${NODE_IMAGE} AS build
WORKDIR /src
# Lockfile first: the dependency layer is reused until package*.json changes.
COPY package.json package-lock.json ./
# tsc needs no install script either; skipping them keeps dev tooling's postinstall out of the build.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/build.mjs ./scripts/build.mjs
COPY schemas ./schemas
COPY src ./src
RUN npm run build -- --no-lib

FROM ${NODE_IMAGE} AS runtime
ARG VERSION=0.0.0-dev
ARG REVISION=unknown
ARG CREATED=unknown
ARG SOURCE=https://github.com/toggl-webhooks-sync/toggl-webhooks-sync
LABEL org.opencontainers.image.title="toggl-webhooks-sync" \
      org.opencontainers.image.description="GitOps for Toggl Track webhook subscriptions: declare them in YAML, sync them to your workspaces." \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.url="${SOURCE}" \
      org.opencontainers.image.documentation="${SOURCE}#readme" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}"

# The program never runs npm, yarn or corepack; removing them shrinks the image and its CVE surface.
RUN rm -rf /usr/local/lib/node_modules /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack \
      /usr/local/bin/yarn /usr/local/bin/yarnpkg /opt/yarn-*

# A 1 MiB young generation: the daemon allocates little per reconcile, and the default 16 MiB semi-spaces
# are most of its resident memory (docs/daemon-and-metrics.md). Old-space stays V8's default.
ENV NODE_ENV=production
ENV NODE_OPTIONS=--max-semi-space-size=1
WORKDIR /app
# Files stay owned by root and are read-only to the process: it must not be able to rewrite its own code.
COPY --from=build /src/dist ./dist
COPY package.json ./
COPY schemas ./schemas

# Numeric UID:GID (the image's `node` user) so Kubernetes can verify runAsNonRoot without /etc/passwd.
# Nothing is written at runtime: the image works with a read-only root filesystem (docker run --read-only,
# readOnlyRootFilesystem: true). Subscription files are mounted at /config.
USER 1000:1000
EXPOSE 9464

# For `docker run` / compose users of the default daemon command; Kubernetes ignores HEALTHCHECK and uses
# the chart's probes. busybox wget ships with alpine, so no extra package. One-shot commands (sync,
# validate) exit long before the first check; override with --no-healthcheck for `sync --watch`.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD wget -q -O /dev/null http://127.0.0.1:9464/healthz || exit 1

# V8 flags that NODE_OPTIONS does not accept, hence here, in the entrypoint the chart runs as well (it sets
# no `command`), where a NODE_OPTIONS of the user's cannot drop them (docs/daemon-and-metrics.md, "Memory"):
#   --single-threaded-gc  no GC helper threads, whose native allocations made the daemon's RSS creep; its
#                         heap is small enough that GC on the main thread is cheap.
#   --max-opt=1           JavaScript runs in V8's interpreter and baseline compiler only. The optimizing
#                         compilers kept replacing the machine code of the same hot functions, and that code
#                         was the RSS that grew between reconcile 1,000 and 10,000 (no JS object grew). The
#                         price is CPU: ~8 ms per reconcile instead of ~4.5 (the daemon is idle between
#                         them), and a one-shot run of a large tree takes about twice as long (override with
#                         --entrypoint node ... /app/dist/cli.js). Not --jitless, which also removes
#                         WebAssembly, and with it Node's fetch.
ENTRYPOINT ["node", "--single-threaded-gc", "--max-opt=1", "/app/dist/cli.js"]
CMD ["daemon", "/config"]
