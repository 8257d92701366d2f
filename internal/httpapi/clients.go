package httpapi

import "github.com/danielgtaylor/huma/v2"

// ClientService is what the OAuth client operations need.
type ClientService interface{}

func registerClients(api huma.API, h *handler) {}
