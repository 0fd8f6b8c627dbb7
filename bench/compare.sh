#!/bin/sh
# compare.sh [-t THREADS] [-r RUNS] [-n ROUNDS] [MODEL.tflite ...]
#
# Runs the CPU backend and the oracle (LiteRT.js, its WASM build with
# XNNPACK) on the same models, the same photo input and the same thread
# count, in one run, and prints both median latencies, their ratio
# (fp16tool / LiteRT.js: below 1 means fp16tool is faster) and fp16tool's
# GFLOP/s as a Markdown table. Without models, the ten fixtures.
# Needs Node and `npm ci` in tools/oracle, and testdata/fetch.sh.
set -eu
threads=1
rounds=3
runs=20
while getopts t:r:n: opt; do
	case $opt in
	t) threads=$OPTARG ;;
	r) runs=$OPTARG ;;
	n) rounds=$OPTARG ;;
	*) echo "usage: $0 [-t THREADS] [-r RUNS] [-n ROUNDS] [MODEL.tflite ...]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
root=$(cd "$(dirname "$0")/.." && pwd)
models=""
for m in "$@"; do
	models="$models $(cd "$(dirname "$m")" && pwd)/$(basename "$m")"
done
cd "$root"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! FP16TOOL_COMPARE=1 FP16TOOL_COMPARE_THREADS=$threads FP16TOOL_COMPARE_RUNS=$runs FP16TOOL_COMPARE_ROUNDS=$rounds \
	FP16TOOL_COMPARE_MODELS="$models" \
	go test ./cpu -run '^TestCompareOracle$' -count=1 -v -timeout 60m >"$log" 2>&1; then
	tail -n 40 "$log" >&2
	exit 1
fi
sed -n 's/^[[:space:]]*//; /^|/p; /thread(s)/p' "$log"
