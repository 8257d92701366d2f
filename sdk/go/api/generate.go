// Package api is the typed client for Gatehouse's backend REST API, generated
// from the OpenAPI document the server publishes at /api/v1/openapi.json.
// The document is committed next to the generated code so the client can be
// rebuilt without a running server; gatehouse.NewClient wraps it with secret
// key authentication.
package api

//go:generate go tool -modfile=../tools/go.mod oapi-codegen -config oapi-codegen.yaml openapi.json
