package store

// SessionReader reads sessions and their refresh tokens.
type SessionReader interface{}

// SessionWriter changes sessions and their refresh tokens.
type SessionWriter interface{}
