package gatehouse

import (
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"unicode/utf8"
)

// A small JSON reader for the token header and claims. Tokens are verified on
// every request, and a reflection-driven decoder costs more than the rest of
// the work besides the signature; this reader walks the bytes once and only
// materialises the members it knows. Strings with escapes, and numbers that
// are not plain integers, fall back to encoding/json, which is rare.

var errJSON = errors.New("invalid JSON")

// maxDepth bounds nesting in members that are skipped, so a hostile payload
// cannot recurse deeply (the signature is checked first anyway).
const maxDepth = 32

// The input is a string so that member names and values without escapes
// are substrings of it: reading a token's claims copies the payload once.
type scanner struct {
	b string
	i int
}

func (s *scanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// peek returns the next non-space byte without consuming it (0 at the end).
func (s *scanner) peek() byte {
	s.ws()
	if s.i >= len(s.b) {
		return 0
	}
	return s.b[s.i]
}

func (s *scanner) eat(c byte) bool {
	if s.peek() == c {
		s.i++
		return true
	}
	return false
}

// object calls member for each key of an object; member must consume the
// value.
func (s *scanner) object(member func(key string) error) error {
	if !s.eat('{') {
		return errJSON
	}
	if s.eat('}') {
		return nil
	}
	for {
		if s.peek() != '"' {
			return errJSON
		}
		key, err := s.str()
		if err != nil {
			return err
		}
		if !s.eat(':') {
			return errJSON
		}
		s.ws()
		if err := member(key); err != nil {
			return err
		}
		if s.eat(',') {
			continue
		}
		if s.eat('}') {
			return nil
		}
		return errJSON
	}
}

// end reports whether only whitespace is left.
func (s *scanner) end() bool {
	s.ws()
	return s.i == len(s.b)
}

// str reads a string; the scanner must be at its opening quote. Strings
// with escapes are decoded by encoding/json.
func (s *scanner) str() (string, error) {
	if s.peek() != '"' {
		return "", errJSON
	}
	start := s.i
	s.i++
	escaped := false
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			s.i++
			if !escaped {
				// encoding/json would replace bad bytes with U+FFFD; a
				// signed token has no reason to contain any.
				v := s.b[start+1 : s.i-1]
				if !utf8.ValidString(v) {
					return "", errJSON
				}
				return v, nil
			}
			var out string
			if err := json.Unmarshal([]byte(s.b[start:s.i]), &out); err != nil {
				return "", errJSON
			}
			return out, nil
		case c == '\\':
			escaped = true
			s.i += 2
		case c < 0x20:
			return "", errJSON
		default:
			s.i++
		}
	}
	return "", errJSON
}

// null consumes a JSON null if one is next.
func (s *scanner) null() bool {
	if s.peek() == 'n' && s.i+4 <= len(s.b) && string(s.b[s.i:s.i+4]) == "null" {
		s.i += 4
		return true
	}
	return false
}

func (s *scanner) boolean() (bool, error) {
	s.ws()
	switch {
	case s.i+4 <= len(s.b) && string(s.b[s.i:s.i+4]) == "true":
		s.i += 4
		return true, nil
	case s.i+5 <= len(s.b) && string(s.b[s.i:s.i+5]) == "false":
		s.i += 5
		return false, nil
	}
	return false, errJSON
}

// numberSpan consumes the bytes a JSON number may contain.
func (s *scanner) numberSpan() string {
	s.ws()
	start := s.i
	for s.i < len(s.b) {
		switch c := s.b[s.i]; {
		case c >= '0' && c <= '9', c == '-', c == '+', c == '.', c == 'e', c == 'E':
			s.i++
		default:
			return s.b[start:s.i]
		}
	}
	return s.b[start:s.i]
}

// seconds reads a NumericDate (RFC 7519): seconds since the epoch, possibly
// fractional; the fraction is dropped.
func (s *scanner) seconds() (int64, error) {
	span := s.numberSpan()
	if len(span) == 0 {
		return 0, errJSON
	}
	if plainInt(span) {
		return strconv.ParseInt(span, 10, 64)
	}
	var f float64
	if err := json.Unmarshal([]byte(span), &f); err != nil {
		return 0, errJSON
	}
	if math.IsNaN(f) || f > math.MaxInt64/2 || f < math.MinInt64/2 {
		return 0, errJSON
	}
	return int64(f), nil
}

// plainInt reports whether span is a non-negative integer in canonical JSON
// form that fits an int64 comfortably.
func plainInt(span string) bool {
	if len(span) == 0 || len(span) > 18 || (span[0] == '0' && len(span) > 1) {
		return false
	}
	for i := range len(span) {
		if c := span[i]; c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// strings reads an array of strings.
func (s *scanner) strings() ([]string, error) {
	if !s.eat('[') {
		return nil, errJSON
	}
	var out []string
	if s.eat(']') {
		return []string{}, nil
	}
	for {
		v, err := s.str()
		if err != nil {
			return nil, err
		}
		out = append(out, v)
		if s.eat(',') {
			continue
		}
		if s.eat(']') {
			return out, nil
		}
		return nil, errJSON
	}
}

// skip consumes any value.
func (s *scanner) skip(depth int) error {
	if depth > maxDepth {
		return errJSON
	}
	switch s.peek() {
	case '"':
		_, err := s.str()
		return err
	case '{':
		return s.object(func(string) error { return s.skip(depth + 1) })
	case '[':
		s.i++
		if s.eat(']') {
			return nil
		}
		for {
			if err := s.skip(depth + 1); err != nil {
				return err
			}
			if s.eat(',') {
				continue
			}
			if s.eat(']') {
				return nil
			}
			return errJSON
		}
	case 't', 'f':
		_, err := s.boolean()
		return err
	case 'n':
		if s.null() {
			return nil
		}
		return errJSON
	default:
		span := s.numberSpan()
		if len(span) == 0 || !json.Valid([]byte(span)) {
			return errJSON
		}
		return nil
	}
}
