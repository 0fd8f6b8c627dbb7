//go:build !amd64 || purego

package cpu

// Without assembly the Go loops of resizeH and resizeV run.
const (
	useResizeAsm    = false
	useResizeAVX512 = false
)

func resizeHAsm(c, ow int, src *int8, xs *lerp32, dst *int32) {
	panic("unreachable: resizeHAsm without assembly")
}

func resizeVAsm(n int, top, bot *int32, fy int32, out *int8) {
	panic("unreachable: resizeVAsm without assembly")
}

func resizeVAVX512(n int, top, bot *int32, fy int32, out *int8) {
	panic("unreachable: resizeVAVX512 without assembly")
}
