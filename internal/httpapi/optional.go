package httpapi

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/gatehouse-auth/gatehouse/internal/tenancy"
)

// NullableSeconds is a PATCH field that distinguishes absent (unchanged),
// null (reset to the project default) and a number of seconds.
type NullableSeconds struct {
	Set   bool
	Value *int64
}

// UnmarshalJSON runs only when the field is present, null included.
func (n *NullableSeconds) UnmarshalJSON(b []byte) error {
	n.Set = true
	if string(b) == "null" {
		n.Value = nil
		return nil
	}
	var v int64
	if err := json.Unmarshal(b, &v); err != nil {
		return fmt.Errorf("expected a number of seconds or null: %w", err)
	}
	n.Value = &v
	return nil
}

// Schema documents the field as a nullable integer.
func (NullableSeconds) Schema(huma.Registry) *huma.Schema {
	minimum, maximum := 60.0, float64(366*24*3600)
	return &huma.Schema{
		Type:        huma.TypeInteger,
		Format:      "int64",
		Nullable:    true,
		Minimum:     &minimum,
		Maximum:     &maximum,
		Description: "Seconds (60 to 366 days); null resets to the project default; omit to leave unchanged.",
	}
}

// change converts the field for the service (nil: unchanged).
func (n NullableSeconds) change() *tenancy.DurationChange {
	if !n.Set {
		return nil
	}
	if n.Value == nil {
		return &tenancy.DurationChange{}
	}
	d := time.Duration(*n.Value) * time.Second
	return &tenancy.DurationChange{Value: &d}
}

func secondsPtr(d *time.Duration) *int64 {
	if d == nil {
		return nil
	}
	s := int64(*d / time.Second)
	return &s
}
