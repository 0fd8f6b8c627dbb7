#!/usr/bin/env bash
# gpu/gpucheck.sh: the Vulkan checks, prepared to run in a few minutes on a
# machine with a real GPU (or on lavapipe). Needs Go, gcc and a Vulkan
# loader and driver; glslc is optional (the committed SPIR-V is used).
# Results go to $OUT (default /tmp/gpucheck): devices.json, tests.txt,
# conformance.txt, fixtures.txt, bench.txt, bench_fixtures.txt.
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

echo "==> kernel and backend tests on the default (best) device, every precision it supports"
CI=true go test -count=1 -v ./gpu -run '.' -skip 'TestConformance|TestFixtures' 2>&1 | tee "$OUT/tests.txt" | grep -E '^(--- FAIL|FAIL|ok|PASS)' || true
grep -q '^ok' "$OUT/tests.txt" || { echo "gpu tests failed: see $OUT/tests.txt"; exit 1; }

echo "==> conformance suite on the Vulkan backend (fp16, fp32acc, fp32)"
CI=true go test -count=1 -v ./gpu -run TestConformance 2>&1 | tee "$OUT/conformance.txt" | grep -E '^(--- FAIL|FAIL|ok)|SKIP:' | sort | uniq -c | sort -rn | head -20 || true

echo "==> fixtures on a real photo vs the CPU float32 result (SNR per output), every precision"
CI=true go test -count=1 -v ./gpu -run TestFixtures -fixture-precisions fp16,fp32acc,fp32 -timeout 20m 2>&1 | tee "$OUT/fixtures.txt" | grep -E 'SNR|SKIP:|^(--- FAIL|FAIL|ok)' || true

if [[ -z "${QUICK:-}" ]]; then
	echo "==> GEMM tile tuning (1024³) and benchmarks"
	"$OUT/fp16tool" devices --tune 1024 | grep -E '^Vulkan|gemm' | tee "$OUT/tune.txt"
	go test -run '^$' -bench 'Gemm512|Layers|DispatchOverhead' -benchtime 10x ./gpu | tee "$OUT/bench.txt"
	echo "==> every fixture: fp16tool bench on the CPU and on Vulkan in each precision"
	for m in testdata/models/*.tflite; do
		"$OUT/fp16tool" bench --backend=cpu --runs 20 --json "$m" >"$OUT/bench_$(basename "$m" .tflite)_cpu.json" || true
		for p in fp16 fp32acc fp32; do
			"$OUT/fp16tool" bench --backend=vulkan --gpu-precision=$p --runs 20 --json "$m" \
				>"$OUT/bench_$(basename "$m" .tflite)_$p.json" 2>>"$OUT/bench_errors.txt" || true
		done
	done
	for f in "$OUT"/bench_*_*.json; do
		[[ -s $f ]] && printf '%-60s %s\n' "$(basename "$f" .json)" "$(grep -o '"median_ms": [0-9.]*' "$f")"
	done | tee "$OUT/bench_fixtures.txt"
fi
echo "==> done: $OUT"
