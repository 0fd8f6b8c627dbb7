#!/bin/sh
# compare.sh [-t THREADS] [-r RUNS] [-n ROUNDS] [-p] [MODEL.tflite ...]
#
# Runs the CPU backend and the oracle (LiteRT.js, its WASM build with
# XNNPACK) on the same models, the same photo input and the same thread
# count, in one run, and prints both median latencies, their ratio
# (fp16tool / LiteRT.js: below 1 means fp16tool is faster) and the GFLOP/s
# each reaches, as a Markdown table. Without models, the ten fixtures.
# Needs Node and `npm ci` in tools/oracle, and testdata/fetch.sh.
#
# -p runs the measurement (both runtimes, not the build) under the
# real-time round-robin policy (chrt -r 10; needs root or CAP_SYS_NICE), so that
# other processes on a shared machine do not preempt it: on a 2-core VM
# shared with busy neighbours this is the difference between noise and a
# measurement.
set -eu
threads=1
rounds=3
runs=20
prio=""
while getopts t:r:n:p opt; do
	case $opt in
	t) threads=$OPTARG ;;
	r) runs=$OPTARG ;;
	n) rounds=$OPTARG ;;
	p) prio="chrt -r 10" ;;
	*) echo "usage: $0 [-t THREADS] [-r RUNS] [-n ROUNDS] [-p] [MODEL.tflite ...]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
root=$(cd "$(dirname "$0")/.." && pwd)
models=""
for m in "$@"; do
	models="$models $(cd "$(dirname "$m")" && pwd)/$(basename "$m")"
done
cd "$root"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go test -c -o "$tmp/cpu.test" ./cpu
cd "$root/cpu"
if ! FP16TOOL_COMPARE=1 FP16TOOL_COMPARE_THREADS=$threads FP16TOOL_COMPARE_RUNS=$runs FP16TOOL_COMPARE_ROUNDS=$rounds \
	FP16TOOL_COMPARE_MODELS="$models" \
	$prio "$tmp/cpu.test" -test.run '^TestCompareOracle$' -test.count=1 -test.v -test.timeout 60m >"$tmp/log" 2>&1; then
	tail -n 40 "$tmp/log" >&2
	exit 1
fi
sed -n 's/^[[:space:]]*//; /^|/p; /thread(s)/p' "$tmp/log"
