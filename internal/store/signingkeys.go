package store

// SigningKeyReader reads token signing keys (per project; private halves sealed under the master key).
type SigningKeyReader interface{}

// SigningKeyWriter changes token signing keys (per project; private halves sealed under the master key).
type SigningKeyWriter interface{}
