package store

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
)

func TestDir(t *testing.T) {
	ctx := context.Background()
	d := Dir{Root: t.TempDir()}

	if _, err := d.Open(ctx, "work/run/missing.json"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Open missing: err = %v, want ErrNotFound", err)
	}
	if err := d.Put(ctx, "work/run/a.json", strings.NewReader("hello"), "application/json"); err != nil {
		t.Fatal(err)
	}
	rc, err := d.Open(ctx, "work/run/a.json")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(rc)
	rc.Close()
	if string(b) != "hello" {
		t.Errorf("read back %q", b)
	}
	ok, err := d.Exists(ctx, "work/run/a.json")
	if err != nil || !ok {
		t.Errorf("Exists = %v, %v", ok, err)
	}

	// PutIfAbsent claims a key once.
	for i, want := range []bool{true, false} {
		got, err := d.PutIfAbsent(ctx, "reports/x/run.sent", []byte("s"))
		if err != nil || got != want {
			t.Errorf("PutIfAbsent #%d = %v, %v; want %v", i, got, err, want)
		}
	}
	if err := d.Delete(ctx, "reports/x/run.sent"); err != nil {
		t.Fatal(err)
	}
	if err := d.Delete(ctx, "reports/x/run.sent"); err != nil {
		t.Errorf("deleting a missing key: %v", err)
	}
	if got, _ := d.PutIfAbsent(ctx, "reports/x/run.sent", nil); !got {
		t.Error("PutIfAbsent after Delete did not claim the key")
	}
}

func TestDirKeysStayInsideRoot(t *testing.T) {
	d := Dir{Root: "/tmp/root"}
	for _, key := range []string{"../../etc/passwd", "/abs/key", "a/../../b"} {
		p, err := d.path(key)
		if err != nil {
			continue
		}
		if !strings.HasPrefix(p, "/tmp/root/") {
			t.Errorf("key %q maps to %q, outside the root", key, p)
		}
	}
}
