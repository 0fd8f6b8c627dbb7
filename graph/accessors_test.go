package graph

import "testing"

func TestFusedActivation(t *testing.T) {
	tests := []struct {
		op   *Op
		want Activation
		has  bool
	}{
		{&Op{Code: OpAdd, Options: AddOptions{Activation: ActRelu6}}, ActRelu6, true},
		{&Op{Code: OpMul, Options: &MulOptions{Activation: ActRelu}}, ActRelu, true},
		{&Op{Code: OpSub, Options: (*SubOptions)(nil)}, ActNone, true},
		{&Op{Code: OpDiv}, ActNone, true},
		{&Op{Code: OpMaximum}, ActNone, false},
	}
	for _, tc := range tests {
		got, has := FusedActivation(tc.op)
		if got != tc.want || has != tc.has {
			t.Errorf("%s: got %v %v, want %v %v", tc.op.Name(), got, has, tc.want, tc.has)
		}
	}
}

func TestOptionsAsAndDecodeInts(t *testing.T) {
	o, err := OptionsAs[AddOptions](&Op{Options: &AddOptions{Activation: ActRelu}})
	if err != nil || o.Activation != ActRelu {
		t.Errorf("OptionsAs = %+v, %v", o, err)
	}
	if _, err := OptionsAs[AddOptions](&Op{Options: MulOptions{}}); err == nil {
		t.Error("OptionsAs accepted MulOptions as AddOptions")
	}
	v, err := DecodeInts(Int64, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 3, 0, 0, 0, 0, 0, 0, 0}, 2)
	if err != nil || v[0] != -1 || v[1] != 3 {
		t.Errorf("DecodeInts = %v, %v", v, err)
	}
	if _, err := DecodeInts(Float32, make([]byte, 4), 1); err == nil {
		t.Error("DecodeInts accepted FLOAT32")
	}
}
