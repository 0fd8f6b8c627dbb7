package cpu

import "flag"

var benchThreads = flag.Int("threads", 1, "threads for the benchmarks")
