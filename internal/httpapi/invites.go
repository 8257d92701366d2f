package httpapi

import "github.com/danielgtaylor/huma/v2"

func registerInvites(api huma.API, h *handler) {}
