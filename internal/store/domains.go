package store

// Domains organizations claim and verify (package domain).

// DomainReader reads them.
type DomainReader interface{}

// DomainWriter changes them.
type DomainWriter interface{}
