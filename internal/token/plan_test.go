package token

import (
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

func TestPlanFor(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	period, retention := 30*24*time.Hour, 7*24*time.Hour
	at := func(d time.Duration) *time.Time { v := t0.Add(d); return &v }
	key := func(name string, state store.SigningKeyState, activated, retired *time.Time) *store.SigningKey {
		return &store.SigningKey{ID: id.SigningKey("key_" + name), State: state, CreatedAt: t0, ActivatedAt: activated, RetiredAt: retired}
	}
	cur := key("cur", store.SigningKeyCurrent, at(0), nil)
	next := key("next", store.SigningKeyNext, nil, nil)
	oldRetired := key("old", store.SigningKeyRetired, at(-period), at(-retention))
	newRetired := key("new", store.SigningKeyRetired, at(-period), at(-retention+time.Second))
	legacy := key("legacy", store.SigningKeyCurrent, nil, nil) // no activation time: counts from creation

	type want struct {
		retire, activate    *store.SigningKey
		newCurrent, newNext bool
		remove              []*store.SigningKey
	}
	for _, tc := range []struct {
		name string
		keys []*store.SigningKey
		now  time.Time
		want want
	}{
		{"first use", nil, t0, want{newCurrent: true, newNext: true}},
		{"steady", []*store.SigningKey{cur, next}, t0.Add(period - time.Second), want{}},
		{"due", []*store.SigningKey{cur, next}, t0.Add(period), want{retire: cur, activate: next, newNext: true}},
		{"due without a next key", []*store.SigningKey{cur}, t0.Add(period), want{retire: cur, newCurrent: true, newNext: true}},
		{"next missing", []*store.SigningKey{cur}, t0, want{newNext: true}},
		{"current missing", []*store.SigningKey{next}, t0, want{activate: next, newNext: true}},
		{"retention over", []*store.SigningKey{oldRetired, cur, next}, t0, want{remove: []*store.SigningKey{oldRetired}}},
		{"retention running", []*store.SigningKey{newRetired, cur, next}, t0, want{}},
		{"legacy current due by creation", []*store.SigningKey{legacy, next}, t0.Add(period), want{retire: legacy, activate: next, newNext: true}},
	} {
		got := planFor(tc.keys, tc.now, period, retention)
		if got.retire != tc.want.retire || got.activate != tc.want.activate || got.newCurrent != tc.want.newCurrent ||
			got.newNext != tc.want.newNext || len(got.remove) != len(tc.want.remove) {
			t.Errorf("%s: got %+v, want %+v", tc.name, got, tc.want)
			continue
		}
		for i := range got.remove {
			if got.remove[i] != tc.want.remove[i] {
				t.Errorf("%s: removes %s, want %s", tc.name, got.remove[i].ID, tc.want.remove[i].ID)
			}
		}
		w := tc.want
		if got.empty() != (w.retire == nil && w.activate == nil && !w.newCurrent && !w.newNext && len(w.remove) == 0) {
			t.Errorf("%s: empty() = %v", tc.name, got.empty())
		}
	}
}
