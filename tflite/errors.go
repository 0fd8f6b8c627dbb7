package tflite

import (
	"errors"
	"fmt"
)

// ErrMalformed is wrapped by every error about a file (Load, Verify) or a
// model (Save) that breaks the format's rules. The error text names the
// file and the place, e.g.
//
//	tflite: model.tflite: subgraph 0, op 12 (CONV_2D): input 1 is tensor 4097, the subgraph has 300
var ErrMalformed = errors.New("malformed model")

// formatError is a one-line error about a file or model that unwraps to
// ErrMalformed.
type formatError struct {
	file string // file name, or "" while the error travels up
	msg  string
	loc  bool // msg starts with a location ("op 3 (ADD): ...")
}

func (e *formatError) Error() string {
	if e.file == "" {
		return "tflite: " + e.msg
	}
	return "tflite: " + e.file + ": " + e.msg
}

func (e *formatError) Unwrap() error { return ErrMalformed }

func malformedf(format string, args ...any) error {
	return &formatError{msg: fmt.Sprintf(format, args...)}
}

// named returns err with the file name set (err must come from this
// package's checks; others are wrapped as they are).
func named(file string, err error) error {
	var fe *formatError
	if errors.As(err, &fe) {
		return &formatError{file: file, msg: fe.msg, loc: fe.loc}
	}
	return fmt.Errorf("tflite: %s: %w", file, err)
}

// prefixed returns err with where prepended to its message.
func prefixed(where string, err error) error {
	var fe *formatError
	if errors.As(err, &fe) {
		sep := ": "
		if fe.loc {
			sep = ", "
		}
		return &formatError{file: fe.file, msg: where + sep + fe.msg, loc: true}
	}
	return fmt.Errorf("%s: %w", where, err)
}
