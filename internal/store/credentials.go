package store

// CredentialReader reads password hashes and throttle counters.
type CredentialReader interface{}

// CredentialWriter changes password hashes and throttle counters.
type CredentialWriter interface{}
