package sqlstore

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// Page sizes: a zero or negative limit means the default, and no page is
// larger than maxPageSize.
const (
	defaultPageSize = 50
	maxPageSize     = 1000
)

func pageLimit(p store.Page) int32 {
	switch {
	case p.Limit <= 0:
		return defaultPageSize
	case p.Limit > maxPageSize:
		return maxPageSize
	}
	return int32(p.Limit)
}

// dbTime is how every time is stored: UTC, truncated to microseconds (what
// Postgres keeps), so both engines return exactly the value written.
func dbTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

func dbNullTime(t *time.Time) sql.NullTime {
	if t == nil {
		return sql.NullTime{}
	}
	return sql.NullTime{Time: dbTime(*t), Valid: true}
}

func normTimePtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	v := dbTime(*t)
	return &v
}

func fromNullTime(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	v := t.Time.UTC()
	return &v
}

func dbNullString(s string) sql.NullString {
	return sql.NullString{String: s, Valid: s != ""}
}

func dbSeconds(d *time.Duration) sql.NullInt64 {
	if d == nil {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: int64(*d / time.Second), Valid: true}
}

func fromSeconds(n sql.NullInt64) *time.Duration {
	if !n.Valid {
		return nil
	}
	d := time.Duration(n.Int64) * time.Second
	return &d
}

// encodeList stores a list as a JSON array; nil and empty both become "[]".
func encodeList[T ~string](xs []T) string {
	if len(xs) == 0 {
		return "[]"
	}
	b, err := json.Marshal(xs)
	if err != nil {
		// Marshalling a slice of strings cannot fail.
		return "[]"
	}
	return string(b)
}

// decodeList reads a JSON array; it never returns nil.
func decodeList[T ~string](column, s string) ([]T, error) {
	out := []T{}
	if s == "" {
		return out, nil
	}
	if err := json.Unmarshal([]byte(s), &out); err != nil {
		return nil, fmt.Errorf("decode %s: %w", column, err)
	}
	if out == nil {
		out = []T{}
	}
	return out, nil
}
