package oidc

import (
	"sync"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/id"
)

// ClientCacheTTL is how long the token and revocation endpoints reuse a
// client registration they read. Reading it costs a database round trip
// per token request, as much as the refresh itself on SQLite; in exchange
// a rotated secret or a deleted client may still be accepted for up to
// this long by an instance that read it just before the change.
// Authorization requests always read the registration afresh.
const ClientCacheTTL = time.Second

// maxCachedClients bounds the cache; past it the cache starts over.
const maxCachedClients = 10_000

type clientKey struct {
	project id.Project
	client  id.Client
}

type cachedClient struct {
	c     *Client
	until time.Time
}

// clientCache holds recently read client registrations. Only found
// clients are kept, so a new client works at once.
type clientCache struct {
	mu sync.Mutex
	m  map[clientKey]cachedClient
}

func (cc *clientCache) get(p id.Project, c id.Client, now time.Time) *Client {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	e, ok := cc.m[clientKey{p, c}]
	if !ok || !now.Before(e.until) {
		return nil
	}
	return e.c
}

func (cc *clientCache) put(c *Client, now time.Time) {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	if cc.m == nil || len(cc.m) >= maxCachedClients {
		cc.m = map[clientKey]cachedClient{}
	}
	cc.m[clientKey{c.ProjectID, c.ID}] = cachedClient{c: c, until: now.Add(ClientCacheTTL)}
}

func (cc *clientCache) drop(p id.Project, c id.Client) {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	delete(cc.m, clientKey{p, c})
}
