package httpapi

import "github.com/danielgtaylor/huma/v2"

// SessionService is what the session operations need.
type SessionService interface{}

func registerSessions(api huma.API, h *handler) {}
