package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/fp16tool/fp16tool/graph"
	"github.com/fp16tool/fp16tool/internal/testenv"
)

// run executes the command line in process and returns its exit status,
// stdout and stderr.
func run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := execute(args, &out, &errb)
	return code, out.String(), errb.String()
}

// wantOneLineError checks a failed run: status 1, nothing on stdout, one
// line "fp16tool: ..." on stderr containing want.
func wantOneLineError(t *testing.T, code int, stdout, stderr, want string) {
	t.Helper()
	if code != 1 {
		t.Errorf("exit status %d, want 1", code)
	}
	if stdout != "" {
		t.Errorf("stdout not empty: %q", stdout)
	}
	if !strings.HasPrefix(stderr, "fp16tool: ") || strings.Count(stderr, "\n") != 1 || !strings.HasSuffix(stderr, "\n") {
		t.Errorf("stderr is not one line \"fp16tool: ...\": %q", stderr)
	}
	if !strings.Contains(stderr, want) {
		t.Errorf("stderr %q does not contain %q", stderr, want)
	}
	if strings.Contains(stderr, "goroutine") || strings.Contains(stderr, "Usage:") {
		t.Errorf("stderr has a trace or usage text: %q", stderr)
	}
}

func TestRootHelpAndVersion(t *testing.T) {
	code, out, errs := run(t, "--help")
	if code != 0 || errs != "" {
		t.Fatalf("--help: status %d, stderr %q", code, errs)
	}
	for _, s := range []string{"fp16tool inspect model.tflite", "inspect", "version", "completion", "--quiet", "--verbose"} {
		if !strings.Contains(out, s) {
			t.Errorf("--help lacks %q:\n%s", s, out)
		}
	}
	code, out, _ = run(t, "version")
	if code != 0 || !strings.HasPrefix(out, "fp16tool ") || !strings.Contains(out, runtime.Version()) {
		t.Errorf("version: status %d, output %q", code, out)
	}
	code, out, _ = run(t, "--version")
	if code != 0 || !strings.HasPrefix(out, "fp16tool ") {
		t.Errorf("--version: status %d, output %q", code, out)
	}
	code, out, _ = run(t, "completion", "bash")
	if code != 0 || !strings.Contains(out, "bash completion") {
		t.Errorf("completion bash: status %d, %d bytes", code, len(out))
	}
	code, out, _ = run(t, "inspect", "--help")
	if code != 0 || !strings.Contains(out, "--json") || !strings.Contains(out, "Examples:") {
		t.Errorf("inspect --help: status %d\n%s", code, out)
	}
}

func TestErrorsAreOneLine(t *testing.T) {
	dir := t.TempDir()
	junk := filepath.Join(dir, "junk.tflite")
	if err := os.WriteFile(junk, []byte("this is not a model"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"bogus"}, `unknown command "bogus"`},
		{[]string{"inspect"}, "accepts 1 arg(s), received 0"},
		{[]string{"inspect", "a", "b"}, "accepts 1 arg(s), received 2"},
		{[]string{"inspect", "--bogus", "x"}, "unknown flag: --bogus"},
		{[]string{"inspect", filepath.Join(dir, "missing.tflite")}, "missing.tflite: no such file or directory"},
		{[]string{"inspect", dir}, "is a directory"},
		{[]string{"inspect", junk}, junk},
		{[]string{"version", "extra"}, `unknown command "extra"`},
		{[]string{"-q", "-v", "version"}, "none of the others can be"},
	} {
		code, out, errs := run(t, tc.args...)
		wantOneLineError(t, code, out, errs, tc.want)
	}
}

func TestPanicIsOneLine(t *testing.T) {
	saved := loadModel
	defer func() { loadModel = saved }()
	loadModel = func(string) (*graph.Model, error) { panic("boom\nsecond line") }
	f := filepath.Join(t.TempDir(), "m.tflite")
	os.WriteFile(f, []byte("x"), 0o644)
	code, out, errs := run(t, "inspect", f)
	wantOneLineError(t, code, out, errs, "fp16tool: internal error: boom; second line")
}

// withModel makes the inspect command load m for any file.
func withModel(t *testing.T, m *graph.Model) string {
	saved := loadModel
	t.Cleanup(func() { loadModel = saved })
	loadModel = func(string) (*graph.Model, error) { return m, nil }
	f := filepath.Join(t.TempDir(), "m.tflite")
	if err := os.WriteFile(f, make([]byte, 1000), 0o644); err != nil {
		t.Fatal(err)
	}
	return f
}

func tinyModel() *graph.Model {
	return &graph.Model{Version: 3, Subgraphs: []*graph.Subgraph{{
		Tensors: []*graph.Tensor{
			{Name: "x", Type: graph.Float32, Shape: []int32{1, 4}},
			{Name: "w", Type: graph.Float32, Shape: []int32{3, 4}, Data: make([]byte, 48)},
			{Name: "y", Type: graph.Float32, Shape: []int32{1, 3}},
		},
		Inputs: []int{0}, Outputs: []int{2},
		Ops: []*graph.Op{{Code: graph.OpFullyConnected, Inputs: []int{0, 1, -1}, Outputs: []int{2}}},
	}}}
}

func TestInspectInProcess(t *testing.T) {
	f := withModel(t, tinyModel())
	code, out, errs := run(t, "inspect", f)
	if code != 0 || errs != "" {
		t.Fatalf("status %d, stderr %q", code, errs)
	}
	for _, s := range []string{"File size:", "1,000 bytes", "MACs:", "12 (12)", "FULLY_CONNECTED"} {
		if !strings.Contains(out, s) {
			t.Errorf("text lacks %q:\n%s", s, out)
		}
	}
	code, out, _ = run(t, "inspect", "--json", f)
	var r struct {
		File     string `json:"file"`
		FileSize int64  `json:"file_size"`
		MACs     int64  `json:"macs"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &r) != nil || r.MACs != 12 || r.FileSize != 1000 || r.File != f {
		t.Errorf("--json: status %d, parsed %+v from\n%s", code, r, out)
	}
}

// TestBinaryExitCodes builds the real binary and checks exit statuses and
// that errors are single lines without a Go trace.
func TestBinaryExitCodes(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "fp16tool")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	junk := filepath.Join(t.TempDir(), "junk.tflite")
	if err := os.WriteFile(junk, []byte("TFL3 but not really a model"), 0o644); err != nil {
		t.Fatal(err)
	}
	type binCase struct {
		args []string
		code int
		want string // on stderr for failures, stdout for successes
	}
	var extra []binCase
	if fx := testenv.AvailableFixtures(); len(fx) > 0 {
		p := filepath.Join(testenv.ModelsDir(), fx[0]+".tflite")
		extra = append(extra, binCase{[]string{"inspect", p}, 0, "MACs:"}, binCase{[]string{"inspect", "--json", p}, 0, `"macs": `})
	}
	for _, tc := range append([]binCase{
		{[]string{"inspect", junk}, 1, "fp16tool: " + junk + ": tflite: junk.tflite: "},
		{[]string{"version"}, 0, "fp16tool "},
		{[]string{"--help"}, 0, "Usage:"},
		{[]string{"inspect", "/nonexistent/model.tflite"}, 1, "fp16tool: stat /nonexistent/model.tflite: no such file or directory\n"},
		{[]string{"nope"}, 1, `fp16tool: unknown command "nope"`},
		{[]string{"inspect", "--json"}, 1, "fp16tool: accepts 1 arg(s), received 0\n"},
	}, extra...) {
		cmd := exec.Command(bin, tc.args...)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		code := 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if code != tc.code {
			t.Errorf("%v: exit %d, want %d (stderr %q)", tc.args, code, tc.code, errb.String())
		}
		got := out.String()
		if tc.code != 0 {
			got = errb.String()
			if strings.Count(got, "\n") != 1 {
				t.Errorf("%v: stderr is not one line: %q", tc.args, got)
			}
		}
		if !strings.Contains(got, tc.want) {
			t.Errorf("%v: output %q does not contain %q", tc.args, got, tc.want)
		}
	}
}
