// Command fp16tool quantizes TensorFlow Lite models (float16, int8) and
// runs, benchmarks and compares them. See root.go for how commands are
// organized and `fp16tool --help` for usage.
package main

import "os"

func main() {
	os.Exit(execute(os.Args[1:], os.Stdout, os.Stderr))
}
