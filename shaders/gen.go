//go:build ignore

// gen.go regenerates the committed SPIR-V: go generate ./shaders
// (needs glslc: apt-get install glslc, or the Vulkan SDK).
package main

import (
	"fmt"
	"os"

	"github.com/fp16tool/fp16tool/shaders/internal/spvgen"
)

func main() {
	glslc := os.Getenv("GLSLC")
	if glslc == "" {
		glslc = "glslc"
	}
	files, err := spvgen.Generate(glslc, ".", ".")
	if err == nil {
		err = spvgen.WriteVersion(glslc, ".")
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "shaders: ", err)
		os.Exit(1)
	}
	fmt.Printf("shaders: wrote %d SPIR-V files\n", len(files))
}
