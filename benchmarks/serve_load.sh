#!/usr/bin/env bash
# Load benchmark of `pix2pix serve` (not a test): wrk POSTs one picture to /translate for DURATION
# seconds at 1, 2 and 8 concurrent connections, against a server on the shipped zoo; then sequential
# requests with curl give the HTTP overhead as the difference between the whole request time and the
# server's own translation time (X-Translation-Seconds). Prints requests/s, p50 / p99 latency, non-2xx
# answers (503s above the concurrency limit) and the server's peak RSS.
#
#   benchmarks/serve_load.sh [BIN] [MODEL] [IMAGE]     # DURATION=30 PORT=8391 by default
#
# wrk comes from Debian (apt-get install wrk). Everything stays on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${1:-.build/release/pix2pix}"
model="${2:-gray2color}"
image="${3:-Zoo/gray2color/2.0.0/samples/input_0.png}"
duration="${DURATION:-30}"
port="${PORT:-8391}"
command -v wrk >/dev/null || { echo "serve_load: wrk is missing (apt-get install wrk)" >&2; exit 1; }

"$bin" serve --zoo Zoo --port "$port" --quiet ${SERVE_ARGS:-} >/tmp/serve_load.log 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
url="http://127.0.0.1:$port/api/models/$model/translate"
curl -sf --data-binary @"$image" -H 'Content-Type: image/png' "$url" -o /dev/null   # loads the model

lua="$(mktemp)"
cat >"$lua" <<LUA
local f = io.open("$image", "rb"); wrk.body = f:read("*all"); f:close()
wrk.method = "POST"; wrk.headers["Content-Type"] = "image/png"
done = function(summary, latency, requests)
  io.write(string.format("RESULT %.2f %.1f %.1f %d %d\n", summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.errors.status, summary.requests))
end
LUA
limit="$(curl -s "http://127.0.0.1:$port/healthz" | python3 -c 'import json,sys; l=json.load(sys.stdin)["limits"]; print(l["concurrency"], l["queue"])')"
echo "serve_load: $model, $(python3 -c "import struct;d=open('$image','rb').read(24);print('%dx%d'%struct.unpack('>II',d[16:24]))") PNG, ${duration} s per level; concurrency, queue: $limit; $(nproc) cores"
printf '%-12s %10s %10s %10s %10s %10s\n' connections 'req/s' 'p50 ms' 'p99 ms' 'non-2xx' requests
for c in 1 2 8; do
  line="$(wrk -t1 -c"$c" -d"${duration}s" --timeout 60s -s "$lua" "$url" | grep '^RESULT')"
  read -r _ rps p50 p99 errors total <<<"$line"
  printf '%-12s %10s %10s %10s %10s %10s\n' "$c" "$rps" "$p50" "$p99" "$errors" "$total"
done
echo "peak RSS of the server: $(awk '/VmHWM/ {printf "%.0f MiB", $2/1024}' /proc/$server/status)"

# HTTP overhead: whole request (curl) minus the server's translation time, sequential requests.
python3 - "$url" "$image" <<'PY'
import statistics, subprocess, sys
url, image = sys.argv[1], sys.argv[2]
total, server = [], []
for _ in range(20):
    out = subprocess.run(['curl', '-s', '-o', '/dev/null', '-D', '-', '-w', 'TOTAL %{time_total}\n', '--data-binary', '@' + image,
                          '-H', 'Content-Type: image/png', url], capture_output=True, text=True).stdout
    for line in out.splitlines():
        if line.lower().startswith('x-translation-seconds:'): server.append(float(line.split(':')[1]))
        if line.startswith('TOTAL'): total.append(float(line.split()[1]))
print(f"sequential: median request {statistics.median(total) * 1000:.1f} ms, of which translation on the server "
      f"{statistics.median(server) * 1000:.1f} ms (decode, translate, encode): HTTP and upload overhead "
      f"{(statistics.median(total) - statistics.median(server)) * 1000:.1f} ms")
PY
