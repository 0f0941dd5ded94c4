# Worker image: `docker build --build-arg GIT_COMMIT=$(git rev-parse --short=12 HEAD) -t aurora-restore-worker .`
# (docker-compose.yml builds it as service `worker`). Two stages so the runtime image has no compiler, dev
# dependencies or sources, and runs as a non-root user. Node.js 24, the current LTS (package.json engines: >= 22).

# ---- build: compile TypeScript and pre-bundle the workflow code (lib/workflow-bundle.js) ----
FROM node:24-bookworm-slim AS build
WORKDIR /app
# Dependencies first: this layer is reused until the lockfile changes.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# The commit goes into lib/build-info.json, the worker's default build id (<version>-<commit>) for Worker Deployment
# Versioning; the image has no .git to read it from.
ARG GIT_COMMIT=""
RUN GIT_COMMIT="$GIT_COMMIT" npm run build

# ---- runtime: production dependencies + compiled output only ----
FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/lib ./lib
# The node image's unprivileged user (uid 1000); the worker needs no write access to /app.
USER node
# Connection and settings come from the environment: TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE (or a
# @temporalio/envconfig profile), AWS credentials (AWS_PROFILE with ~/.aws mounted, or AWS_* variables), and
# AURORA_RESTORE_* worker settings (src/worker/config.ts; versioning: src/worker/deployment.ts).
CMD ["node", "--max-old-space-size=512", "lib/worker/main.js"]
