package store

// LoginReader reads login attempts with their email codes and magic links.
type LoginReader interface{}

// LoginWriter changes login attempts with their email codes and magic links.
type LoginWriter interface{}
