# syntax=docker/dockerfile:1.7
# opsbot's production image. Build: `docker build -t opsbot:0.1.0 .`
#
# Every base is pinned by exact version. To pin by content as well, resolve the digest once and
# append it, e.g. `FROM node:24.21.0-bookworm-slim@sha256:<digest>`, where the digest comes from
# `docker buildx imagetools inspect node:24.21.0-bookworm-slim` (or `crane digest …`); a
# digest-pinned base only changes when someone edits this file.
ARG NODE_IMAGE=node:24.21.0-bookworm-slim
ARG GO_IMAGE=golang:1.26.8-bookworm

# --- OpenTofu, built from source through tools/tofu -----------------------------------------
# The wrapper module pins OpenTofu v1.12.6 and its go.sum pins the checksum of every module in
# the build (checked against the Go checksum database on download); -mod=readonly refuses to
# build anything go.sum does not already vouch for. The flags are scripts/testenv/gobuild.ts's.
FROM ${GO_IMAGE} AS tofu
ENV CGO_ENABLED=0 GOWORK=off GOFLAGS=-mod=readonly GOTOOLCHAIN=local
WORKDIR /src/tools/tofu
COPY tools/tofu/go.mod tools/tofu/go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download && go mod verify
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    go build -trimpath -ldflags "-X github.com/opentofu/opentofu/version.dev=no" -o /out/tofu github.com/opentofu/opentofu/cmd/tofu \
 && /out/tofu version

# --- cosign, built from source through tools/cosign ------------------------------------------
# Checks image signatures before a deploy is committed (apps with `verify.cosign`). The same
# release and flags as the test environment's (scripts/testenv/tools.ts cosignTool), so what is
# tested is what runs. No replace lines to repeat.
FROM ${GO_IMAGE} AS cosign
ENV CGO_ENABLED=0 GOWORK=off GOFLAGS=-mod=readonly GOTOOLCHAIN=local
WORKDIR /src/tools/cosign
COPY tools/cosign/go.mod tools/cosign/go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download && go mod verify
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    go build -trimpath -ldflags "-X sigs.k8s.io/release-utils/version.gitVersion=v2.6.5" -o /out/cosign github.com/sigstore/cosign/v2/cmd/cosign \
 && /out/cosign version

# --- build: every dependency, compile TypeScript --------------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` would compile before the sources are here; the build runs below.
RUN --mount=type=cache,target=/root/.npm npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# --- production dependencies only ------------------------------------------------------------
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --ignore-scripts --no-audit --no-fund

# --- runtime ---------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
# tini reaps the git/ssh/tofu children and forwards SIGTERM to node, which drains its jobs
# (workers.shutdownGrace) before exiting. git and ssh reach the GitOps and infra repositories;
# bubblewrap is Terraform's sandbox (it needs user namespaces from the container runtime).
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini git openssh-client ca-certificates bubblewrap \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 opsbot \
 && useradd --system --uid 10001 --gid opsbot --home-dir /home/opsbot --create-home --shell /usr/sbin/nologin opsbot
COPY --from=tofu /out/tofu /usr/local/bin/tofu
COPY --from=cosign /out/cosign /usr/local/bin/cosign
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json opsbot.example.yaml ./
COPY bin ./bin
COPY config ./config
COPY gitops ./gitops
COPY terraform ./terraform

# No secrets here: tokens come from the environment at run time (env file, Kubernetes Secret).
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    OPSBOT_HOME=/home/opsbot/.opsbot \
    TF_BINARY=/usr/local/bin/tofu \
    TF_IN_AUTOMATION=1 \
    OPSBOT_COSIGN=/usr/local/bin/cosign
# Numeric, so Kubernetes' runAsNonRoot can verify it without reading /etc/passwd.
USER 10001:10001
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["tini", "--", "node", "bin/opsbot.js"]
CMD ["start", "--no-console"]
