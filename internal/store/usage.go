package store

// Billing data: monthly active users per organization.

// UsageReader reads them.
type UsageReader interface{}

// UsageWriter changes them.
type UsageWriter interface{}
