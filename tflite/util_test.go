package tflite

import (
	"fmt"
	"unsafe"

	"github.com/fp16tool/fp16tool/tflite/internal/schema"
)

func sprint(v ...any) string {
	s := fmt.Sprintf("%+v", v)
	if len(s) > 600 {
		s = s[:600] + "..."
	}
	return s
}

func uintptrOf(b []byte) uintptr { return uintptr(unsafe.Pointer(unsafe.SliceData(b))) }

// rawOpCodes returns (deprecated_builtin_code, builtin_code) of each
// operator code of a verified file.
func rawOpCodes(data []byte) ([][2]int32, error) {
	if err := verifyStructure(data); err != nil {
		return nil, err
	}
	root := schema.GetRootAsModel(data, 0)
	var oc schema.OperatorCode
	out := make([][2]int32, root.OperatorCodesLength())
	for i := range out {
		root.OperatorCodes(&oc, i)
		out[i] = [2]int32{int32(oc.DeprecatedBuiltinCode()), int32(oc.BuiltinCode())}
	}
	return out, nil
}
