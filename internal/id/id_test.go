package id

import (
	"errors"
	"sort"
	"testing"
	"time"
)

func TestNewParsesBackAndSortsByTime(t *testing.T) {
	base := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	var ids []string
	for i := range 50 {
		o := New[Org](base.Add(time.Duration(i) * time.Millisecond))
		if _, err := Parse[Org](string(o)); err != nil {
			t.Fatalf("Parse(%q): %v", o, err)
		}
		ids = append(ids, string(o))
	}
	if !sort.StringsAreSorted(ids) {
		t.Fatalf("ids are not in creation order: %v", ids)
	}
	// Within one millisecond, microseconds still order IDs.
	var sub []string
	for i := range 200 {
		sub = append(sub, string(New[User](base.Add(time.Duration(i)*time.Microsecond))))
	}
	if !sort.StringsAreSorted(sub) {
		t.Fatalf("ids a microsecond apart are not in creation order")
	}
	if a, b := New[User](base), New[User](base); a == b {
		t.Fatalf("two ids in the same millisecond collided: %s", a)
	}
}

func TestParseRejectsOtherKindsAndGarbage(t *testing.T) {
	good := string(New[Project](time.Now()))
	if _, err := Parse[Project](good); err != nil {
		t.Fatalf("valid project id refused: %v", err)
	}
	for _, s := range []string{
		"",
		"proj_",
		string(New[Org](time.Now())), // right shape, wrong kind
		"proj_" + "0123456789abcdefghjkmnpqrs"[:25],
		"proj_0123456789abcdefghjkmnpqrsu", // 'u' is not in the alphabet
		"proj_ZZZZZZZZZZZZZZZZZZZZZZZZZZ",
		"proj_z123456789abcdefghjkmnpqrs", // overflows 128 bits
		"PROJ" + good[4:],
		good + " ",
		"proj_01/../../etc/passwdxxxxx",
	} {
		if _, err := Parse[Project](s); !errors.Is(err, ErrMalformed) {
			t.Errorf("Parse(%q) = %v, want ErrMalformed", s, err)
		}
	}
}
