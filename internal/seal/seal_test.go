package seal

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"testing"
)

func newSealer(t *testing.T) *Sealer {
	t.Helper()
	s, err := New(bytes.Repeat([]byte{7}, KeySize))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestRoundTrip(t *testing.T) {
	s := newSealer(t)
	for _, plain := range [][]byte{nil, {}, []byte("x"), bytes.Repeat([]byte("secret"), 1000)} {
		aad := []byte("signing_keys.private_key:key_1")
		sealed := s.Seal(plain, aad)
		if sealed[0] != version1 {
			t.Fatalf("version byte %d, want %d", sealed[0], version1)
		}
		// Only long enough plaintexts: a one-byte value turns up among random
		// ciphertext bytes by chance.
		if len(plain) >= 16 && bytes.Contains(sealed, plain) {
			t.Fatal("sealed value contains the plaintext")
		}
		got, err := s.Open(sealed, aad)
		if err != nil {
			t.Fatalf("Open(%d bytes): %v", len(plain), err)
		}
		if !bytes.Equal(got, plain) {
			t.Fatalf("Open gave %q, want %q", got, plain)
		}
	}
}

func TestSealIsRandomised(t *testing.T) {
	s := newSealer(t)
	a := s.Seal([]byte("same"), []byte("t.c:1"))
	b := s.Seal([]byte("same"), []byte("t.c:1"))
	if bytes.Equal(a, b) {
		t.Fatal("two seals of the same value are identical: the nonce is not random")
	}
}

func TestWrongAAD(t *testing.T) {
	s := newSealer(t)
	plain := []byte("private key")
	sealed := s.Seal(plain, []byte("signing_keys.private_key:key_a"))
	if _, err := s.Open(sealed, []byte("signing_keys.private_key:key_a")); err != nil {
		t.Fatalf("baseline: %v", err)
	}
	for _, aad := range []string{
		"signing_keys.private_key:key_b", // another row
		"clients.secret:key_a",           // another column and table
		"signing_keys.private_key:key_a ",
		"",
	} {
		got, err := s.Open(sealed, []byte(aad))
		if !errors.Is(err, ErrOpen) || got != nil {
			t.Fatalf("Open with aad %q: got %q, %v; want ErrOpen", aad, got, err)
		}
	}
}

func TestTamperedByte(t *testing.T) {
	s := newSealer(t)
	aad := []byte("t.c:1")
	sealed := s.Seal([]byte("some secret value"), aad)
	// Every position: the version byte, the nonce, the ciphertext and the tag.
	for i := range sealed {
		bad := bytes.Clone(sealed)
		bad[i] ^= 0x01
		got, err := s.Open(bad, aad)
		if !errors.Is(err, ErrOpen) || got != nil {
			t.Fatalf("byte %d flipped: got %q, %v; want ErrOpen", i, got, err)
		}
	}
	// Appended or dropped bytes fail too.
	if _, err := s.Open(append(bytes.Clone(sealed), 0), aad); !errors.Is(err, ErrOpen) {
		t.Fatalf("appended byte: %v", err)
	}
	if _, err := s.Open(sealed[:len(sealed)-1], aad); !errors.Is(err, ErrOpen) {
		t.Fatalf("dropped byte: %v", err)
	}
}

func TestWrongKey(t *testing.T) {
	s := newSealer(t)
	other, err := New(bytes.Repeat([]byte{8}, KeySize))
	if err != nil {
		t.Fatal(err)
	}
	aad := []byte("t.c:1")
	sealed := s.Seal([]byte("value"), aad)
	if _, err := other.Open(sealed, aad); !errors.Is(err, ErrOpen) {
		t.Fatalf("Open under another master key: %v, want ErrOpen", err)
	}
	if _, err := s.Open(other.Seal([]byte("value"), aad), aad); !errors.Is(err, ErrOpen) {
		t.Fatalf("Open of another key's value: %v, want ErrOpen", err)
	}
}

func TestShortInput(t *testing.T) {
	s := newSealer(t)
	aad := []byte("t.c:1")
	sealed := s.Seal(nil, aad) // the shortest valid value: version, nonce, tag
	if _, err := s.Open(sealed, aad); err != nil {
		t.Fatalf("baseline shortest value: %v", err)
	}
	for n := range len(sealed) {
		got, err := s.Open(sealed[:n], aad)
		if !errors.Is(err, ErrOpen) || got != nil {
			t.Fatalf("%d-byte input: got %q, %v; want ErrOpen", n, got, err)
		}
	}
}

func TestUnknownVersion(t *testing.T) {
	s := newSealer(t)
	aad := []byte("t.c:1")
	sealed := s.Seal([]byte("value"), aad)
	sealed[0] = 2
	if _, err := s.Open(sealed, aad); !errors.Is(err, ErrOpen) {
		t.Fatalf("version 2: %v, want ErrOpen", err)
	}
}

func TestNewRejectsBadKeys(t *testing.T) {
	for _, n := range []int{0, 16, 31, 33, 64} {
		if _, err := New(make([]byte, n)); err == nil {
			t.Fatalf("New accepted a %d-byte key", n)
		}
	}
	// The Sealer keeps its own copy: changing the caller's slice afterwards
	// must not change the key.
	key := bytes.Repeat([]byte{9}, KeySize)
	s, err := New(key)
	if err != nil {
		t.Fatal(err)
	}
	sealed := s.Seal([]byte("v"), nil)
	clear(key)
	if _, err := s.Open(sealed, nil); err != nil {
		t.Fatalf("Open after the caller cleared its key slice: %v", err)
	}
}

func TestDeriveKey(t *testing.T) {
	s := newSealer(t)
	a := s.DeriveKey("refresh-token v1")
	if len(a) != KeySize {
		t.Fatalf("derived key is %d bytes, want %d", len(a), KeySize)
	}
	if !bytes.Equal(a, s.DeriveKey("refresh-token v1")) {
		t.Fatal("the same purpose gave two keys")
	}
	if bytes.Equal(a, s.DeriveKey("refresh-token v2")) {
		t.Fatal("two purposes gave the same key")
	}
	other, _ := New(bytes.Repeat([]byte{8}, KeySize))
	if bytes.Equal(a, other.DeriveKey("refresh-token v1")) {
		t.Fatal("two master keys gave the same derived key")
	}
	if bytes.Equal(a, bytes.Repeat([]byte{7}, KeySize)) {
		t.Fatal("derived key equals the master key")
	}
	// A purpose that spells the sealing label does not reach the sealing key:
	// a value sealed by s must not open under a Sealer built from the derived key.
	d, err := New(s.DeriveKey(sealLabel))
	if err != nil {
		t.Fatal(err)
	}
	sealed := s.Seal([]byte("v"), nil)
	if _, err := d.Open(sealed, nil); !errors.Is(err, ErrOpen) {
		t.Fatalf("a derived key opened a sealed value: %v", err)
	}
}

func TestFormattingHidesKey(t *testing.T) {
	key := make([]byte, KeySize)
	rand.Read(key)
	s, err := New(key)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"%v", "%+v", "%#v", "%s"} {
		if out := fmt.Sprintf(f, s); out != "seal.Sealer{…}" {
			t.Fatalf("%s of a Sealer printed %q", f, out)
		}
	}
}
