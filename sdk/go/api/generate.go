// Package api is the typed client for Gatehouse's backend REST API, generated
// from the OpenAPI document the server publishes at /api/v1/openapi.json.
// The document is committed next to the generated code so the client can be
// rebuilt without a running server; gatehouse.NewClient wraps it with secret
// key authentication.
//
// The generator is pinned in the separate sdk/go/tools module (so that
// importing the SDK does not pull it in); GOWORK=off because -modfile does not
// work in the repository's workspace mode.
package api

//go:generate env GOWORK=off go tool -modfile=../tools/go.mod oapi-codegen -config oapi-codegen.yaml openapi.json
