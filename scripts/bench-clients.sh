#!/usr/bin/env bash
# Times logsift on logs where every line is a new suspicious client (issue 9 item 5) and records peak RSS
# and report size.
#   scripts/bench-clients.sh [COUNTS...]            default: 200000 lines
#   SHAPES="env6 sqlmap6 env4" STAGED=1 scripts/bench-clients.sh 200000 1000000
# Shapes (Apache combined lines, one request per client, one second apart per thousand lines):
#   env6    GET /.env -> 404 from a new IPv6 /64 per line (2001:db8:H:L::1), curl's user agent
#   sqlmap6 the same from sqlmap's user agent with a UNION SELECT query
#   env4    GET /.env -> 404 from a new IPv4 address per line (45.0.0.0 upwards)
#   spread4 the same from an address in a /24 of its own per line (11.0.0.7, 11.0.1.7, ...): no prefix to aggregate
#   mixed4  env4's probes with every fourth line a visitor's page view (200, a browser) from the same /24s:
#           no prefix may be blocked, every prober is listed on its own
# Prints a Markdown table: lines, shape, mode, seconds, lines/s, peak RSS MB, report MB, address file MB.
set -euo pipefail
cd "$(dirname "$0")/.."
counts=("$@"); [ ${#counts[@]} -gt 0 ] || counts=(200000)
shapes=(${SHAPES:-env6})
dir=${BENCH_DIR:-/tmp/logsift-bench}
mkdir -p "$dir"
[ -x /usr/bin/time ] || { echo "needs GNU time (/usr/bin/time): apt-get install time" >&2; exit 1; }
go build -o "$dir/logsift" ./cmd/logsift

gen() { # gen SHAPE COUNT: writes the log to stdout
  awk -v shape="$1" -v n="$2" 'BEGIN {
    for (i = 0; i < n; i++) {
      s = int(i / 1000); t = sprintf("20/Nov/2026:%02d:%02d:%02d +0000", 10 + int(s / 3600), int(s / 60) % 60, s % 60)
      if (shape == "env4" || shape == "mixed4") ip = sprintf("%d.%d.%d.%d", 45 + int(i / 16777216), int(i / 65536) % 256, int(i / 256) % 256, i % 256)
      else if (shape == "spread4") ip = sprintf("%d.%d.%d.7", 11 + int(i / 65536), int(i / 256) % 256, i % 256)
      else ip = sprintf("2001:db8:%x:%x::1", int(i / 65536), i % 65536)
      if (shape == "sqlmap6") { req = "GET /item.php?id=1%20UNION%20ALL%20SELECT%20NULL,NULL--%20- HTTP/1.1"; st = 500; ua = "sqlmap/1.7.2#stable (https://sqlmap.org)" }
      else if (shape == "mixed4" && i % 4 == 3) { req = "GET /blog/post-" (i % 50) " HTTP/1.1"; st = 200; ua = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36" }
      else { req = "GET /.env HTTP/1.1"; st = 404; ua = "curl/8.5.0" }
      printf "%s - - [%s] \"%s\" %d 153 \"-\" \"%s\"\n", ip, t, req, st, ua
    }
  }'
}

echo "| lines | shape | mode | seconds | lines/s | peak RSS MB | report MB | address file MB |"
echo "|---|---|---|---|---|---|---|---|"
for n in "${counts[@]}"; do
  for shape in "${shapes[@]}"; do
    f="$dir/clients-$shape-$n.log"
    [ -s "$f" ] || gen "$shape" "$n" >"$f"
    modes=(local); [ "${STAGED:-0}" = 1 ] && modes+=(staged)
    for mode in "${modes[@]}"; do
      extra=(); [ "$mode" = staged ] && extra=(--staged)
      rm -f "$dir/clients-report.json" "$dir/clients-report.addresses.csv"
      set +e
      /usr/bin/time -f '%e %M' -o "$dir/time.txt" "$dir/logsift" analyze --quiet --format json --out "$dir/clients-report.json" "${extra[@]}" "$f" 2>"$dir/stderr.txt"
      rc=$?
      set -e
      if [ $rc -gt 1 ]; then echo "logsift failed on $f (exit $rc):" >&2; tail -5 "$dir/stderr.txt" >&2; fi
      read -r secs kb < <(tail -1 "$dir/time.txt")
      size=$(stat -c %s "$dir/clients-report.json" 2>/dev/null || echo 0)
      asize=$(stat -c %s "$dir/clients-report.addresses.csv" 2>/dev/null || echo 0)
      awk -v n="$n" -v sh="$shape" -v m="$mode" -v t="$secs" -v k="$kb" -v b="$size" -v a="$asize" \
        'BEGIN { if (t < 0.01) t = 0.01; printf "| %d | %s | %s | %.2f | %.0f | %.0f | %.1f | %.1f |\n", n, sh, m, t, n/t, k/1024, b/1e6, a/1e6 }'
    done
  done
done
