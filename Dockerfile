# syntax=docker/dockerfile:1
# The reverse-etl CLI, and the ecom events API emulator (`serve-api`) for docker-compose.
#   docker build -t reverse-etl .
#   docker run --rm --env-file config.env -v "$PWD/work:/work" reverse-etl run --use-checkpoint
# Settings and secrets come from the environment (or a mounted config.env) at run time only.

ARG NODE_IMAGE=node:20-bookworm-slim

# better-sqlite3 compiles from source when no prebuilt binary matches the platform.
FROM ${NODE_IMAGE} AS toolchain
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3 make g++ \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./

FROM toolchain AS build
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM toolchain AS deps
RUN npm ci --omit=dev --no-audit --no-fund \
    && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
RUN chmod 0755 dist/program/bin.js \
    && ln -s /app/dist/program/bin.js /usr/local/bin/reverse-etl \
    && mkdir -p /work \
    && chown node:node /work
# config.env, state/ and data/ resolve against the working directory: mount a volume here.
WORKDIR /work
USER node
# For `serve-api`; the URL follows the --port the container is started with.
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 \
    CMD ["node", "-e", "fetch(process.env.HEALTHCHECK_URL || 'http://127.0.0.1:8000/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["reverse-etl"]
CMD ["--help"]
