// Package testenv locates the test data that testdata/fetch.sh installs
// (the real MediaPipe models and the photos) and the oracle, and decides
// what a test does when they are missing: under CI=true it fails, locally
// it skips with a message saying what to install.
package testenv

import (
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"testing"
)

// Fixtures are the ten real models testdata/fetch.sh extracts, by file
// name without ".tflite".
var Fixtures = []string{
	"face_detection_short_range",
	"face_detection_full_range",
	"face_detection_full_range_sparse",
	"hand_landmark_lite",
	"hand_landmark_full",
	"pose_landmark_lite",
	"pose_landmark_full",
	"pose_landmark_heavy",
	"selfie_segmentation",
	"selfie_segmentation_landscape",
}

// Root returns the repository root (the folder holding go.mod).
func Root() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// InCI reports whether the tests run under CI (CI=true), where missing
// test dependencies are failures.
func InCI() bool { return os.Getenv("CI") == "true" }

// Missing fails the test under CI and skips it otherwise, with what to
// install.
func Missing(t testing.TB, what, install string) {
	t.Helper()
	if InCI() {
		t.Fatalf("%s is missing (CI=true): %s", what, install)
	}
	t.Skipf("%s is missing: %s", what, install)
}

// ModelsDir is where testdata/fetch.sh puts the fixture models.
func ModelsDir() string { return filepath.Join(Root(), "testdata", "models") }

// PhotosDir is where testdata/fetch.sh puts the real photos.
func PhotosDir() string { return filepath.Join(Root(), "testdata", "photos") }

// Model returns the path of fixture name (without ".tflite"), failing or
// skipping the test when it has not been fetched.
func Model(t testing.TB, name string) string {
	t.Helper()
	p := filepath.Join(ModelsDir(), name+".tflite")
	if _, err := os.Stat(p); err != nil {
		Missing(t, "fixture "+name+".tflite", "run testdata/fetch.sh")
	}
	return p
}

// Models returns the paths of all fixtures that are present, failing or
// skipping when none or only some are.
func Models(t testing.TB) []string {
	t.Helper()
	var out []string
	for _, n := range AvailableFixtures() {
		out = append(out, filepath.Join(ModelsDir(), n+".tflite"))
	}
	if len(out) != len(Fixtures) {
		Missing(t, "the fixture models", "run testdata/fetch.sh")
	}
	return out
}

// AvailableFixtures returns the names of the fixtures present on disk.
func AvailableFixtures() []string {
	var out []string
	for _, n := range Fixtures {
		if _, err := os.Stat(filepath.Join(ModelsDir(), n+".tflite")); err == nil {
			out = append(out, n)
		}
	}
	return out
}

// Photos returns the paths of the real photos, sorted, failing or skipping
// when there are none.
func Photos(t testing.TB) []string {
	t.Helper()
	var out []string
	for _, pat := range []string{"*.png", "*.jpg", "*.jpeg"} {
		m, _ := filepath.Glob(filepath.Join(PhotosDir(), pat))
		out = append(out, m...)
	}
	sort.Strings(out)
	if len(out) == 0 {
		Missing(t, "the test photos", "run testdata/fetch.sh")
	}
	return out
}
