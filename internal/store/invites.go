package store

// Invitations to join an organization (package invite).

// InviteReader reads them.
type InviteReader interface{}

// InviteWriter changes them.
type InviteWriter interface{}
