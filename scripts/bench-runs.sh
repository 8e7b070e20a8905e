#!/usr/bin/env bash
# Times whole runs of logsift on generated logs and records peak RSS.
#   scripts/bench-runs.sh [SIZES...]        default sizes: 10MB 100MB 1GB
#   FORMATS="amplify cloudfront-gz" STAGED=1 scripts/bench-runs.sh 10MB 2GB
# Prints a Markdown table: size, format, mode, seconds, MB/s, rows/s, peak RSS.
# Throughput is per process; logsift reads a file on one goroutine, so it is per core.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@"); [ ${#sizes[@]} -gt 0 ] || sizes=(10MB 100MB 1GB)
formats=(${FORMATS:-amplify cloudfront-gz})
dir=${BENCH_DIR:-/tmp/logsift-bench}
mkdir -p "$dir"
[ -x /usr/bin/time ] || { echo "needs GNU time (/usr/bin/time): apt-get install time" >&2; exit 1; }
go build -o "$dir/logsift" ./cmd/logsift
go build -o "$dir/loggen" ./cmd/loggen

echo "| input | format | mode | seconds | MB/s | rows/s | peak RSS MB |"
echo "|---|---|---|---|---|---|---|"
for size in "${sizes[@]}"; do
  for fmt in "${formats[@]}"; do
    case $fmt in
      amplify) f="$dir/in-$size.csv"; args=(-format amplify) ;;
      cloudfront-gz) f="$dir/in-$size.log.gz"; args=(-format cloudfront -gzip) ;;
      *) echo "unknown format $fmt" >&2; exit 1 ;;
    esac
    [ -s "$f" ] || "$dir/loggen" "${args[@]}" -size "$size" -seed 1 -o "$f"
    bytes=$(stat -c %s "$f")
    modes=(local); [ "${STAGED:-0}" = 1 ] && modes+=(staged)
    for mode in "${modes[@]}"; do
      extra=(); [ "$mode" = staged ] && extra=(--staged)
      set +e
      /usr/bin/time -f '%e %M' -o "$dir/time.txt" "$dir/logsift" analyze --quiet --format json --out "$dir/report.json" "${extra[@]}" "$f" 2>"$dir/stderr.txt"
      rc=$?
      set -e
      if [ $rc -gt 1 ]; then echo "logsift failed on $f:" >&2; cat "$dir/stderr.txt" >&2; exit 1; fi
      read -r secs kb < <(tail -1 "$dir/time.txt")
      rows=$(grep -o '"parsed": [0-9]*' "$dir/report.json" | head -1 | grep -o '[0-9]*$')
      # Throughput counts uncompressed bytes for gzip input.
      raw=$bytes; [[ $fmt == *-gz ]] && raw=$(gzip -dc "$f" | wc -c)
      awk -v s="$size" -v f="$fmt" -v m="$mode" -v t="$secs" -v b="$raw" -v r="$rows" -v k="$kb" \
        'BEGIN { if (t < 0.01) t = 0.01; printf "| %s | %s | %s | %.2f | %.0f | %.0f | %.0f |\n", s, f, m, t, b/1e6/t, r/t, k/1024 }'
    done
  done
done
