// Package tools pins the code generators of the Go SDK in a module of their
// own, so applications importing the SDK do not inherit their dependencies.
package tools
