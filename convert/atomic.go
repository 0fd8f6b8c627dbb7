package convert

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// ErrSameFile marks an output path that is the input file.
var ErrSameFile = errors.New("output would overwrite the input")

// CheckOutput fails when out names the same file as in: the same cleaned
// absolute path, or (when out exists) the same file by os.SameFile, which
// also catches symbolic and hard links; and when out is a folder.
func CheckOutput(in, out string) error {
	ai, err1 := filepath.Abs(in)
	ao, err2 := filepath.Abs(out)
	if err1 == nil && err2 == nil && ai == ao {
		return fmt.Errorf("%w: %s", ErrSameFile, out)
	}
	so, errOut := os.Stat(out)
	if errOut == nil && so.IsDir() {
		return fmt.Errorf("%w: output %s is a folder, want a file path", ErrUsage, out)
	}
	si, err := os.Stat(in)
	if err != nil {
		return nil // reading the input reports it
	}
	if errOut == nil && os.SameFile(si, so) {
		return fmt.Errorf("%w: %s is the same file as %s", ErrSameFile, out, in)
	}
	return nil
}

// WriteFileAtomic writes data to path through a temporary file in the same
// folder: write, fsync, close, rename over path, then fsync the folder.
// Readers see the old file or the whole new one; on any error the
// temporary file is removed and path is untouched.
func WriteFileAtomic(path string, data []byte, perm os.FileMode) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return fmt.Errorf("cannot write %s: folder %s: %w", path, dir, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if _, err = f.Write(data); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = f.Chmod(perm); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("write %s: sync: %w", path, err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if d, derr := os.Open(dir); derr == nil {
		d.Sync() // best effort: some file systems cannot sync folders
		d.Close()
	}
	return nil
}
