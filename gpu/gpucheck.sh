#!/usr/bin/env bash
# gpu/gpucheck.sh: the Vulkan checks, prepared to run in a few minutes on a
# machine with a real GPU (or on lavapipe). Needs Go, gcc and a Vulkan
# loader and driver; glslc is optional (the committed SPIR-V is used).
# Results go to $OUT (default /tmp/gpucheck): devices.json, tests.txt,
# bench.txt.
#
#   bash gpu/gpucheck.sh            # everything
#   QUICK=1 bash gpu/gpucheck.sh    # skip the benchmarks
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
OUT=${OUT:-/tmp/gpucheck}
mkdir -p "$OUT"

echo "==> build"
go build -o "$OUT/fp16tool" ./cmd/fp16tool

echo "==> devices"
"$OUT/fp16tool" devices | tee "$OUT/devices.txt"
"$OUT/fp16tool" devices --json >"$OUT/devices.json"

echo "==> kernel tests on the default (best) device, every precision it supports"
CI=true go test -count=1 -v ./gpu 2>&1 | tee "$OUT/tests.txt" | grep -E '^(--- FAIL|FAIL|ok|PASS)' || true
grep -q '^ok' "$OUT/tests.txt" || { echo "gpu tests failed: see $OUT/tests.txt"; exit 1; }

if [[ -z "${QUICK:-}" ]]; then
	echo "==> GEMM tile tuning (1024³) and benchmarks"
	"$OUT/fp16tool" devices --tune 1024 | grep -E '^Vulkan|gemm' | tee "$OUT/tune.txt"
	go test -run '^$' -bench 'Gemm512|Layers|DispatchOverhead' -benchtime 10x ./gpu | tee "$OUT/bench.txt"
fi
echo "==> done: $OUT"
