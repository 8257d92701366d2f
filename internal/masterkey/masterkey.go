// Package masterkey loads Gatehouse's master key: the 32-byte root secret
// under which secret columns (signing keys, client secrets, TOTP seeds) are
// encrypted at rest.
//
// The key comes from the GATEHOUSE_MASTER_KEY environment variable when it is
// set (every instance sharing one Postgres database must use the same key), or
// else from <data-dir>/master.key, which is generated on first start. The file
// holds the key in standard base64 so an operator can copy it into
// GATEHOUSE_MASTER_KEY for other instances.
package masterkey

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// Size is the length of the master key in bytes (AES-256).
const Size = 32

// FileName is the key file's name inside the data directory.
const FileName = "master.key"

// EnvVar names the environment variable that overrides the key file.
const EnvVar = "GATEHOUSE_MASTER_KEY"

// Source says where a key came from.
type Source string

// Key sources.
const (
	SourceEnv     Source = "environment"
	SourceFile    Source = "file"
	SourceCreated Source = "created"
)

// Key is a master key. Its String, GoString and LogValue never reveal the
// bytes, so logging a Key by mistake leaks nothing.
type Key struct {
	b [Size]byte
}

// Bytes returns a copy of the key material.
func (k Key) Bytes() []byte {
	out := make([]byte, Size)
	copy(out, k.b[:])
	return out
}

// Fingerprint is a short, non-secret identifier of the key (the first 8 bytes
// of its SHA-256), so operators can check that all instances share one key.
func (k Key) Fingerprint() string {
	sum := sha256.Sum256(append([]byte("gatehouse-master-key-fingerprint:"), k.b[:]...))
	return hex.EncodeToString(sum[:8])
}

func (k Key) String() string               { return "masterkey(" + k.Fingerprint() + ")" }
func (k Key) GoString() string             { return k.String() }
func (k Key) LogValue() slog.Value         { return slog.StringValue(k.String()) }
func (k Key) Equal(other Key) bool         { return k.b == other.b }
func (k Key) IsZero() bool                 { return k.b == [Size]byte{} }
func (k Key) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// Parse decodes a base64 (standard or URL alphabet, padded or not) master key
// of exactly Size bytes.
func Parse(s string) (Key, error) {
	s = strings.TrimSpace(s)
	var raw []byte
	var err error
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		raw, err = enc.DecodeString(s)
		if err == nil {
			break
		}
	}
	if err != nil {
		return Key{}, fmt.Errorf("master key is not valid base64: %w", err)
	}
	if len(raw) != Size {
		return Key{}, fmt.Errorf("master key must be %d bytes, got %d (generate one with: head -c 32 /dev/urandom | base64)", Size, len(raw))
	}
	var k Key
	copy(k.b[:], raw)
	if k.IsZero() {
		return Key{}, errors.New("master key must not be all zero bytes")
	}
	return k, nil
}

// Encode returns the key in standard base64, the format of the key file and of
// GATEHOUSE_MASTER_KEY.
func (k Key) Encode() string { return base64.StdEncoding.EncodeToString(k.b[:]) }

// Generate returns a fresh random key.
func Generate() Key {
	var k Key
	// crypto/rand.Read never fails on supported platforms (it aborts the
	// program instead), so the error is always nil.
	_, _ = rand.Read(k.b[:])
	return k
}

// Load returns the master key: from envValue when it is non-empty, else from
// <dataDir>/master.key, creating that file when it does not exist yet.
func Load(dataDir, envValue string) (Key, Source, error) {
	if strings.TrimSpace(envValue) != "" {
		k, err := Parse(envValue)
		if err != nil {
			return Key{}, "", fmt.Errorf("%s: %w", EnvVar, err)
		}
		return k, SourceEnv, nil
	}
	return LoadOrCreateFile(dataDir)
}

// LoadOrCreateFile reads <dataDir>/master.key, or creates it with a new random
// key (mode 0600) when it does not exist. Creation is atomic: the key is
// written to a temporary file which is then hard-linked into place, and linking
// fails when the name exists, so two processes starting together end up with
// the same key and nobody ever reads a half-written file.
func LoadOrCreateFile(dataDir string) (Key, Source, error) {
	if dataDir == "" {
		return Key{}, "", errors.New("master key: no data directory given")
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return Key{}, "", fmt.Errorf("master key: create data directory: %w", err)
	}
	path := filepath.Join(dataDir, FileName)
	k, err := readFile(path)
	if err == nil {
		return k, SourceFile, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return Key{}, "", err
	}
	created, err := createFile(dataDir, path)
	if errors.Is(err, fs.ErrExist) {
		// Another process won the race; use its key.
		k, err := readFile(path)
		if err != nil {
			return Key{}, "", err
		}
		return k, SourceFile, nil
	}
	if err != nil {
		return Key{}, "", err
	}
	return created, SourceCreated, nil
}

func readFile(path string) (Key, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return Key{}, err
		}
		return Key{}, fmt.Errorf("master key: open %s: %w", path, err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return Key{}, fmt.Errorf("master key: stat %s: %w", path, err)
	}
	if !info.Mode().IsRegular() {
		return Key{}, fmt.Errorf("master key: %s is not a regular file", path)
	}
	// Windows has no Unix permission bits to check.
	if runtime.GOOS != "windows" && info.Mode().Perm()&0o077 != 0 {
		return Key{}, fmt.Errorf("master key: %s has mode %04o, but it must be readable by its owner only; run: chmod 600 %s", path, info.Mode().Perm(), path)
	}
	if info.Size() > 1024 {
		return Key{}, fmt.Errorf("master key: %s is %d bytes, too large to be a key file", path, info.Size())
	}
	buf := make([]byte, info.Size())
	if _, err := f.ReadAt(buf, 0); err != nil && len(buf) > 0 {
		return Key{}, fmt.Errorf("master key: read %s: %w", path, err)
	}
	k, err := Parse(string(buf))
	if err != nil {
		return Key{}, fmt.Errorf("master key: %s: %w", path, err)
	}
	return k, nil
}

func createFile(dir, path string) (Key, error) {
	k := Generate()
	tmp, err := os.CreateTemp(dir, ".master.key.tmp-*")
	if err != nil {
		return Key{}, fmt.Errorf("master key: create temporary file: %w", err)
	}
	tmpName := tmp.Name()
	defer os.Remove(tmpName)
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return Key{}, fmt.Errorf("master key: chmod temporary file: %w", err)
	}
	if _, err := tmp.WriteString(k.Encode() + "\n"); err != nil {
		tmp.Close()
		return Key{}, fmt.Errorf("master key: write temporary file: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return Key{}, fmt.Errorf("master key: sync temporary file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return Key{}, fmt.Errorf("master key: close temporary file: %w", err)
	}
	if err := os.Link(tmpName, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return Key{}, fs.ErrExist
		}
		return Key{}, fmt.Errorf("master key: install %s: %w", path, err)
	}
	syncDir(dir)
	return k, nil
}

// syncDir makes the new directory entry durable, so a crash right after first
// start cannot lose the key while keeping data encrypted under it. Best effort:
// some platforms cannot fsync a directory.
func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	_ = d.Sync()
	_ = d.Close()
}
