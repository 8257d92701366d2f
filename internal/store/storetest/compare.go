package storetest

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// cmpOpts compares rows the way a caller sees them: instants by value (the
// location is checked separately by requireUTC), nil and empty slices alike,
// and JSON by meaning because engines may reorder keys or drop whitespace.
var cmpOpts = cmp.Options{
	cmpopts.EquateEmpty(),
	cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) }),
	cmp.Transformer("json", func(m json.RawMessage) any {
		var v any
		if err := json.Unmarshal(m, &v); err != nil {
			return "invalid JSON: " + string(m)
		}
		return v
	}),
}

// same fails when got differs from want in any field, and when any time in got
// is not in UTC.
func same(t testing.TB, want, got any, what string) {
	t.Helper()
	if d := cmp.Diff(want, got, cmpOpts); d != "" {
		t.Fatalf("%s mismatch (-want +got):\n%s", what, d)
	}
	requireUTC(t, got, what)
}

// requireUTC walks v and fails on the first time.Time whose location is not
// UTC: callers format and compare times without converting them first.
func requireUTC(t testing.TB, v any, what string) {
	t.Helper()
	if path, loc, ok := findNonUTC(reflect.ValueOf(v), what); !ok {
		t.Fatalf("%s: time at %s is in location %q, want UTC", what, path, loc)
	}
}

var timeType = reflect.TypeFor[time.Time]()

func findNonUTC(v reflect.Value, path string) (string, string, bool) {
	if !v.IsValid() {
		return "", "", true
	}
	if v.Type() == timeType {
		tm := v.Interface().(time.Time)
		if tm.Location() != time.UTC {
			return path, tm.Location().String(), false
		}
		return "", "", true
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return "", "", true
		}
		return findNonUTC(v.Elem(), path)
	case reflect.Struct:
		for i := range v.NumField() {
			if !v.Type().Field(i).IsExported() {
				continue
			}
			if p, l, ok := findNonUTC(v.Field(i), path+"."+v.Type().Field(i).Name); !ok {
				return p, l, false
			}
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			if p, l, ok := findNonUTC(v.Index(i), fmt.Sprintf("%s[%d]", path, i)); !ok {
				return p, l, false
			}
		}
	}
	return "", "", true
}

// pages walks a keyset-paginated list with the given page size until a short
// page, checking that no page exceeds the limit, that IDs move strictly in
// one direction across pages (no duplicates, no going back) and returning
// every row seen.
func pages[T any](t testing.TB, limit int, desc bool, list func(store.Page) ([]T, error), idOf func(T) string) []T {
	t.Helper()
	var all []T
	after := ""
	for range 10_000 {
		got, err := list(store.Page{After: after, Limit: limit})
		if err != nil {
			t.Fatalf("list page after %q: %v", after, err)
		}
		if len(got) > limit {
			t.Fatalf("page after %q has %d rows, limit %d", after, len(got), limit)
		}
		for _, row := range got {
			id := idOf(row)
			if after != "" && (!desc && id <= after || desc && id >= after) {
				t.Fatalf("page after %q returned %q out of order (descending=%v)", after, id, desc)
			}
			after = id
		}
		all = append(all, got...)
		if len(got) < limit {
			return all
		}
	}
	t.Fatalf("pagination did not end")
	return nil
}

// ids maps rows to their IDs, for compact comparisons of list results.
func ids[T any](rows []T, idOf func(T) string) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = idOf(r)
	}
	return out
}

// sortedCopy returns IDs sorted ascending (or descending).
func sortedCopy(in []string, desc bool) []string {
	out := slices.Clone(in)
	slices.Sort(out)
	if desc {
		slices.Reverse(out)
	}
	return out
}
