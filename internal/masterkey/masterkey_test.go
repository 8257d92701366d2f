package masterkey

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func TestCreatesKeyFileOnceWithOwnerOnlyMode(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "data")

	k1, src, err := Load(dir, "")
	if err != nil {
		t.Fatalf("first load: %v", err)
	}
	if src != SourceCreated {
		t.Fatalf("first load source = %q, want %q", src, SourceCreated)
	}
	path := filepath.Join(dir, FileName)
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := info.Mode().Perm(); got != 0o600 {
		t.Fatalf("key file mode = %04o, want 0600", got)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	decoded, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(raw)))
	if err != nil || len(decoded) != Size {
		t.Fatalf("key file holds %q: want base64 of %d bytes (err %v)", raw, Size, err)
	}
	if !bytes.Equal(decoded, k1.Bytes()) {
		t.Fatal("key file content differs from the returned key")
	}

	k2, src, err := Load(dir, "")
	if err != nil {
		t.Fatalf("second load: %v", err)
	}
	if src != SourceFile || !k1.Equal(k2) {
		t.Fatalf("second load: source %q, same key %v; want file and the same key", src, k1.Equal(k2))
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("data dir holds %d entries, want only %s (temporary files must be removed)", len(entries), FileName)
	}
}

func TestConcurrentFirstStartsAgreeOnOneKey(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	const n = 16
	keys := make([]Key, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			keys[i], _, errs[i] = LoadOrCreateFile(dir)
		}()
	}
	close(start)
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("loader %d: %v", i, errs[i])
		}
		if !keys[i].Equal(keys[0]) {
			t.Fatalf("loader %d got a different key than loader 0", i)
		}
	}
	onDisk, _, err := LoadOrCreateFile(dir)
	if err != nil || !onDisk.Equal(keys[0]) {
		t.Fatalf("key on disk differs from the key handed out (err %v)", err)
	}
}

func TestRefusesKeyFileReadableByOthers(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, FileName)
	good := Generate().Encode() + "\n"
	for _, mode := range []os.FileMode{0o644, 0o640, 0o604, 0o660} {
		if err := os.WriteFile(path, []byte(good), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
		_, _, err := Load(dir, "")
		if err == nil || !strings.Contains(err.Error(), "chmod 600") {
			t.Fatalf("mode %04o: err = %v, want a refusal telling to chmod 600", mode, err)
		}
	}
	// The same content with owner-only permissions is accepted.
	if err := os.Chmod(path, 0o600); err != nil {
		t.Fatal(err)
	}
	k, src, err := Load(dir, "")
	if err != nil || src != SourceFile || k.Encode()+"\n" != good {
		t.Fatalf("mode 0600: key %v source %q err %v; want the file's key", k, src, err)
	}
}

func TestRefusesMalformedKeyFileWithoutReplacingIt(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"too short":  base64.StdEncoding.EncodeToString(make([]byte, 16)),
		"too long":   base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 33)),
		"not base64": "this is not a key!!",
		"empty":      "",
		"all zero":   base64.StdEncoding.EncodeToString(make([]byte, Size)),
	}
	for name, content := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			path := filepath.Join(dir, FileName)
			if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			_, _, err := Load(dir, "")
			if err == nil || !strings.Contains(err.Error(), path) {
				t.Fatalf("err = %v, want an error naming %s", err, path)
			}
			after, _ := os.ReadFile(path)
			if string(after) != content {
				t.Fatal("a malformed key file must be left alone, not overwritten")
			}
		})
	}
}

func TestEnvironmentOverridesFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	want := Generate()

	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawURLEncoding} {
		got, src, err := Load(dir, enc.EncodeToString(want.Bytes())+"\n")
		if err != nil || src != SourceEnv || !got.Equal(want) {
			t.Fatalf("env key: got %v source %q err %v", got, src, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, FileName)); !os.IsNotExist(err) {
		t.Fatal("a key from the environment must not create a key file")
	}

	for _, bad := range []string{
		base64.StdEncoding.EncodeToString(make([]byte, 31)),
		"%%%%",
	} {
		_, _, err := Load(dir, bad)
		if err == nil || !strings.Contains(err.Error(), EnvVar) {
			t.Fatalf("env %q: err = %v, want an error naming %s", bad, err, EnvVar)
		}
	}
}

func TestKeyNeverPrintsItsBytes(t *testing.T) {
	t.Parallel()
	k := Generate()
	secret := k.Encode()
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("loaded", "key", k)
	outputs := []string{
		fmt.Sprint(k), fmt.Sprintf("%v %+v %#v %s", k, k, k, k), logs.String(),
	}
	for _, out := range outputs {
		if strings.Contains(out, secret) || strings.Contains(out, fmt.Sprint(k.Bytes())) {
			t.Fatalf("output reveals the key: %s", out)
		}
		if !strings.Contains(out, k.Fingerprint()) {
			t.Fatalf("output %q should carry the fingerprint", out)
		}
	}
	if Generate().Fingerprint() == k.Fingerprint() {
		t.Fatal("two random keys share a fingerprint")
	}
}
