package rulestead

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// The shared conformance fixtures (bindings/fixtures/README.md).
const (
	fixtures = "../fixtures"
	pubKey   = fixtures + "/test-signing.pub"
)

func snapshotBytes(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixtures, "snapshots", name+".rsnap"))
	if err != nil {
		t.Fatalf("fixture snapshot %s: %v", name, err)
	}
	return b
}

// publish writes the fixture snapshot name to path the way a publisher
// must: a new file in the same directory, renamed into place.
func publish(t testing.TB, name, path string) {
	t.Helper()
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, snapshotBytes(t, name), 0o444); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// served is a temporary directory holding the fixture snapshot name, and
// the path of the file the client serves.
func served(t testing.TB, name string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "prod.rsnap")
	publish(t, name, path)
	return path
}

func open(t testing.TB, path string, opts Options) *Client {
	t.Helper()
	if opts.KeyFiles == nil && opts.Keys == nil {
		opts.KeyFiles = []string{pubKey}
	}
	c, err := Open(path, opts)
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// waitEvent reads events until one named name arrives, or fails after 10 s.
func waitEvent(t *testing.T, c *Client, name string) Event {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case e, ok := <-c.Events():
			if !ok {
				t.Fatalf("waiting for %s: the events channel was closed", name)
			}
			if e.Name == name {
				return e
			}
		case <-deadline:
			t.Fatalf("no %s event within 10 s (status: %+v)", name, c.Status())
		}
	}
}
