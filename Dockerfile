# Worker image: `docker build -t aurora-restore-worker .` (docker-compose.yml builds it as service `worker`).
# Two stages so the runtime image has no compiler, dev dependencies or sources, and runs as a non-root user.

# ---- build: compile TypeScript and pre-bundle the workflow code (lib/workflow-bundle.js) ----
FROM node:20-bookworm-slim AS build
WORKDIR /app
# Dependencies first: this layer is reused until the lockfile changes.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# ---- runtime: production dependencies + compiled output only ----
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/lib ./lib
# The node image's unprivileged user (uid 1000); the worker needs no write access to /app.
USER node
# Connection and settings come from the environment: TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE (or a
# @temporalio/envconfig profile), AWS credentials (AWS_PROFILE with ~/.aws mounted, or AWS_* variables), and
# AURORA_RESTORE_* worker settings (src/worker/config.ts).
CMD ["node", "lib/worker/main.js"]
