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
	"strings"
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

// Photos returns the paths of the real photos the manifests list
// (PhotoNames), sorted, failing or skipping when any is missing. Other
// files in PhotosDir are ignored, so that the int8 tests' split of the
// photos into calibration and evaluation halves does not move.
func Photos(t testing.TB) []string {
	t.Helper()
	var out []string
	for _, n := range PhotoNames(t) {
		p := filepath.Join(PhotosDir(), n)
		if _, err := os.Stat(p); err != nil {
			Missing(t, "the test photo testdata/photos/"+n, "run testdata/fetch.sh")
		}
		out = append(out, p)
	}
	if len(out) == 0 {
		Missing(t, "the test photos", "run testdata/fetch.sh")
	}
	return out
}

// PersonPhotos are the photos testdata/fetch.sh installs that show what
// the fixtures look for: a person, a face or a hand (astronaut.png from
// python3-skimage, the others from opencv-doc). The other photos show no
// one. The int8 tests' split (sorted, even positions calibrate) puts a
// near face, a hand and whole bodies in each half, a colour photo of a
// person in each.
var PersonPhotos = []string{
	"astronaut.png",   // calibration: a near face, upper body (colour)
	"basketball1.png", // calibration: two people full length, far faces (grey)
	"left06.jpg",      // evaluation: a near face, upper body (grey)
	"left09.jpg",      // calibration: a hand holding a chessboard (grey)
	"messi5.jpg",      // evaluation: a footballer full length, far face (colour)
	"right04.jpg",     // evaluation: a hand holding a chessboard (grey)
}

// IsPersonPhoto reports whether the photo at path (by its file name) is
// one of PersonPhotos.
func IsPersonPhoto(path string) bool {
	for _, n := range PersonPhotos {
		if filepath.Base(path) == n {
			return true
		}
	}
	return false
}

// PhotoManifests are the committed manifests (sha256 and file name per
// line) of the photos testdata/fetch.sh installs, one per Debian package.
var PhotoManifests = []string{"photos.sha256", "photos-opencv.sha256"}

// PhotoNames returns the file names of every photo the manifests list,
// sorted.
func PhotoNames(t testing.TB) []string {
	t.Helper()
	var out []string
	for _, m := range PhotoManifests {
		b, err := os.ReadFile(filepath.Join(Root(), "testdata", m))
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(b), "\n") {
			if f := strings.Fields(line); len(f) == 2 {
				out = append(out, f[1])
			}
		}
	}
	sort.Strings(out)
	return out
}
