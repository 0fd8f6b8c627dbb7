package gpu

import (
	"testing"

	"github.com/fp16tool/fp16tool/internal/testenv"
)

func missing(t testing.TB, err error) {
	t.Helper()
	testenv.Missing(t, "a Vulkan device ("+err.Error()+")", "apt-get install mesa-vulkan-drivers libvulkan1 (lavapipe)")
}
