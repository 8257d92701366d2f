package store

// OAuthReader reads OAuth clients and authorization codes.
type OAuthReader interface{}

// OAuthWriter changes OAuth clients and authorization codes.
type OAuthWriter interface{}
