package gatehouse

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/gatehouse-auth/gatehouse/sdk/go/api"
)

// NewClient returns a client for Gatehouse's backend API that authenticates
// every request with the project secret key (gh_sk_…). baseURL is the
// Gatehouse server's public URL, e.g. https://auth.example.com; the API path
// /api/v1 is added unless baseURL already ends with it. Keep the secret key
// on your servers: it grants full control of the project.
func NewClient(baseURL, secretKey string, opts ...api.ClientOption) (*api.ClientWithResponses, error) {
	if !strings.HasPrefix(secretKey, "gh_sk_") {
		return nil, errors.New("gatehouse: secret key must start with gh_sk_")
	}
	base := strings.TrimSuffix(baseURL, "/")
	if !strings.HasSuffix(base, "/api/v1") {
		base += "/api/v1"
	}
	auth := api.WithRequestEditorFn(func(_ context.Context, req *http.Request) error {
		req.Header.Set("Authorization", "Bearer "+secretKey)
		return nil
	})
	return api.NewClientWithResponses(base, append([]api.ClientOption{auth}, opts...)...)
}
