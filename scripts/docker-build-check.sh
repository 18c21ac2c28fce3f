#!/usr/bin/env bash
# Replays the Dockerfile without a Docker engine: runs the build stage's ENV/COPY/RUN steps in a plain
# temp directory, assembles the final stage's COPYs beside it, then starts the gateway there with the
# image's CMD on a free loopback port and checks /healthz and the SIGTERM drain; also loads the cache's
# default embedder from the result. A broken build step fails this script.
# Prints the size of the pruned node_modules. Usage: scripts/docker-build-check.sh [--keep]
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/sy-docker-check-XXXXXX")"
gateway_pid=""
cleanup() {
  if [[ -n "$gateway_pid" ]]; then kill "$gateway_pid" 2>/dev/null || true; wait "$gateway_pid" 2>/dev/null || true; fi
  if [[ "${1:-}" != "--keep" ]]; then rm -rf "$work"; else echo "kept $work"; fi
}
trap 'cleanup "${KEEP:-}"' EXIT
[[ "${1:-}" == "--keep" ]] && KEEP=--keep

# Dockerfile instructions, one per line (backslash continuations joined), as "stage<TAB>instruction".
instructions() {
  awk '
    /^[[:space:]]*#/ && !cont { next }
    { line = cont ? line " " $0 : $0 }
    /\\[[:space:]]*$/ { sub(/\\[[:space:]]*$/, "", line); cont = 1; next }
    { cont = 0; if (line ~ /[^[:space:]]/) { if (line ~ /^FROM /) stage++; print stage "\t" line } }
  ' "$repo/Dockerfile"
}

build="$work/build"    # the build stage's WORKDIR
final="$work/final"    # the final stage's WORKDIR
mkdir -p "$build" "$final"

# Build stage (stage 1): ENV exported, COPY from the repo, RUN in the build directory.
while IFS=$'\t' read -r stage line; do
  [[ "$stage" == 1 ]] || continue
  op="${line%% *}"; args="${line#* }"
  case "$op" in
    FROM|WORKDIR) ;;
    ENV) eval "export $args" ;;
    COPY)
      read -r -a parts <<<"$args"
      dest="${parts[-1]}"
      for src in "${parts[@]:0:${#parts[@]}-1}"; do
        # A file copied into a folder (dest ends in /) creates the folder, as Docker does.
        if [[ -f "$repo/$src" && "$dest" == */ ]]; then mkdir -p "$build/$dest"; fi
        cp -R "$repo/$src" "$build/${dest%/}/"
      done ;;
    RUN) echo "+ RUN $args"; (cd "$build" && bash -euo pipefail -c "$args") ;;
    *) echo "docker-build-check: unsupported build-stage instruction $op" >&2; exit 1 ;;
  esac
done < <(instructions)

# Final stage (stage 2): COPY --from=build takes from the build directory, plain COPY from the repo.
cmd=""
while IFS=$'\t' read -r stage line; do
  [[ "$stage" == 2 ]] || continue
  op="${line%% *}"; args="${line#* }"
  case "$op" in
    COPY)
      from="$repo"
      read -r -a parts <<<"$args"
      if [[ "${parts[0]}" == --from=build ]]; then from="$build"; parts=("${parts[@]:1}"); fi
      dest="${parts[-1]}"
      for src in "${parts[@]:0:${#parts[@]}-1}"; do
        src="${src#/app/}"
        if [[ "$dest" == */ ]]; then cp -R "$from/$src" "$final/$dest"; else mkdir -p "$(dirname "$final/$dest")"; cp -R "$from/$src" "$final/$dest"; fi
      done ;;
    CMD) cmd="$args" ;;
  esac
done < <(instructions)
[[ -n "$cmd" ]] || { echo "docker-build-check: the final stage has no CMD" >&2; exit 1; }

echo "node_modules after pruning: $(du -sm "$final/node_modules" | cut -f1) MB (linux-x64 CPU)"

# The semantic cache's default embedder must load from the final tree: the kept onnxruntime binary and the
# model prebuilt in the build stage (its source vectors are gone, so a missing model would fail here).
(cd "$final" && env -i PATH="$PATH" HOME="$work" node --input-type=module -e "
  const { loadEmbedder } = await import('./dist/cache/embedding/load-embedder.js')
  const embedder = await loadEmbedder({ kind: 'default', threads: 1 })
  const [v] = await embedder.embed(['what is the capital of france'])
  if (v.length !== embedder.dimensions) throw new Error('embedder returned a vector of the wrong size')
  await embedder.close()
  console.log('default embedder: ' + embedder.id + ', ' + embedder.dimensions + ' dimensions')
")

# Start the image's CMD (exec form) with a loopback-only test config: auth.mode none refuses 0.0.0.0.
port="$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")"
cat >"$work/gateway.yaml" <<YAML
server: { host: 127.0.0.1, port: $port, drain_timeout_ms: 2000 }
auth: { mode: none }
providers: [ { name: upstream, type: openai-compatible, base_url: "http://127.0.0.1:9/v1" } ]
models: [ { name: m, targets: [ { provider: upstream, model: m } ] } ]
YAML
mapfile -t argv < <(node -e 'for (const a of JSON.parse(process.argv[1])) console.log(a)' "$cmd")
(cd "$final" && exec env -i PATH="$PATH" HOME="$work" NODE_ENV=production SWITCHYARD_CONFIG="$work/gateway.yaml" "${argv[@]}" >"$work/gateway.log" 2>&1) &
gateway_pid=$!
for _ in $(seq 1 150); do
  if node -e "fetch('http://127.0.0.1:$port/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))" 2>/dev/null; then
    kill -TERM "$gateway_pid"
    status=0; wait "$gateway_pid" || status=$?
    gateway_pid=""
    [[ "$status" == 0 ]] || { echo "docker-build-check: the gateway exited $status on SIGTERM" >&2; cat "$work/gateway.log" >&2; exit 1; }
    echo "docker-build-check: ok (healthz answered, SIGTERM drained and exited 0)"
    exit 0
  fi
  kill -0 "$gateway_pid" 2>/dev/null || { echo "docker-build-check: the gateway exited before /healthz answered" >&2; cat "$work/gateway.log" >&2; exit 1; }
  sleep 0.2
done
echo "docker-build-check: /healthz did not answer within 30 s" >&2; cat "$work/gateway.log" >&2; exit 1
