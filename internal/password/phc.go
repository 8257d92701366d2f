package password

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// ErrMalformed is wrapped by the errors of encoded hashes that are not a
// well-formed argon2id PHC string within the bounds below.
var ErrMalformed = errors.New("password: malformed hash")

// Bounds on what a stored hash may ask for. A hash is read from the
// database, not from a request, but a corrupted or planted row must not be
// able to make one verification allocate gigabytes or run for minutes.
const (
	maxMemoryKiB = 1 << 20 // 1 GiB
	maxTime      = 64
	minSaltLen   = 8
	maxSaltLen   = 64
	minKeyLen    = 16
	maxKeyLen    = 128
)

// b64 is the PHC string format's base64: standard alphabet, no padding, and
// strict, so that each hash has exactly one spelling.
var b64 = base64.RawStdEncoding.Strict()

// encoded is a parsed argon2id PHC string.
type encoded struct {
	params Params
	salt   []byte
	key    []byte
}

// format writes $argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt>$<key>.
func (e encoded) format() string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, e.params.Memory, e.params.Time, e.params.Threads,
		b64.EncodeToString(e.salt), b64.EncodeToString(e.key))
}

// parse reads an argon2id PHC string. It accepts exactly what format writes
// (any parameters within bounds), and refuses everything else with an error
// wrapping ErrMalformed; it never panics on any input.
func parse(s string) (encoded, error) {
	fail := func(why string) (encoded, error) {
		return encoded{}, fmt.Errorf("%w: %s", ErrMalformed, why)
	}
	parts := strings.Split(s, "$")
	// "" before the leading '$', then id, version, parameters, salt, key.
	if len(parts) != 6 || parts[0] != "" {
		return fail("want $argon2id$v=19$m=..,t=..,p=..$salt$hash")
	}
	if parts[1] != "argon2id" {
		return fail(fmt.Sprintf("algorithm %.20q is not argon2id", parts[1]))
	}
	v, ok := strings.CutPrefix(parts[2], "v=")
	if !ok {
		return fail("no version")
	}
	if n, err := parseUint(v, 32); err != nil || n != argon2.Version {
		return fail(fmt.Sprintf("version %.10q is not %d", v, argon2.Version))
	}
	var e encoded
	kv := strings.Split(parts[3], ",")
	if len(kv) != 3 {
		return fail("want parameters m, t and p")
	}
	for i, want := range []string{"m", "t", "p"} {
		name, val, ok := strings.Cut(kv[i], "=")
		if !ok || name != want {
			return fail(fmt.Sprintf("parameter %d is not %s", i+1, want))
		}
		bits := 32
		if want == "p" {
			bits = 8
		}
		n, err := parseUint(val, bits)
		if err != nil {
			return fail(fmt.Sprintf("parameter %s: %v", want, err))
		}
		switch want {
		case "m":
			e.params.Memory = uint32(n)
		case "t":
			e.params.Time = uint32(n)
		case "p":
			e.params.Threads = uint8(n)
		}
	}
	// The decoder skips line breaks even in strict mode; a hash has none.
	if strings.ContainsAny(parts[4]+parts[5], "\r\n") {
		return fail("line break in salt or hash")
	}
	var err error
	if e.salt, err = b64.DecodeString(parts[4]); err != nil {
		return fail("salt is not unpadded base64")
	}
	if e.key, err = b64.DecodeString(parts[5]); err != nil {
		return fail("hash is not unpadded base64")
	}
	e.params.SaltLen, e.params.KeyLen = uint32(len(e.salt)), uint32(len(e.key))
	if err := e.params.validate(); err != nil {
		return fail(err.Error())
	}
	return e, nil
}

// parseUint reads a canonical decimal: no sign, no leading zeros.
func parseUint(s string, bits int) (uint64, error) {
	if s == "" || (len(s) > 1 && s[0] == '0') || s[0] == '+' || s[0] == '-' {
		return 0, fmt.Errorf("%.12q is not a canonical number", s)
	}
	return strconv.ParseUint(s, 10, bits)
}
