# Tessera container image: `docker build -t tessera .` then
# `docker run -p 8000:8000 -v tessera-data:/data tessera` (see docs/deployment.md).
# test/process/dockerfile.test.ts runs this file's npm and node steps on the host.

# Build stage: dev dependencies compile TypeScript and bundle dist/, then leave.
FROM node:20-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 compiles from source where no prebuilt binary can be fetched.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
RUN npm run build
# What runs needs no compiler and no dev dependency; the native module built above is kept.
RUN npm prune --omit=dev --no-audit --no-fund

# Runtime stage: production dependencies and dist/ only, as the unprivileged `node` user.
FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    TESSERA_HOST=0.0.0.0 \
    TESSERA_PORT=8000 \
    TESSERA_DATABASE_URL=sqlite:/data/tessera.db
WORKDIR /app
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.TESSERA_PORT||8000)+'/healthz').then((r)=>process.exit(r.ok?0:1),()=>process.exit(1))"
# node itself is PID 1 (no npm, no shell): SIGTERM from `docker stop` reaches the server, which drains.
# The flags are those of `npm run start:prod`.
CMD ["node", "--enable-source-maps", "--max-semi-space-size=2", "--max-old-space-size=256", "--v8-pool-size=1", "dist/server.js"]
