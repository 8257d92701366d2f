package main

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// runServe sets up what the refresh and healthz comparisons use, prints the
// URLs, the token files and the wrk commands, and serves until interrupted,
// so an external load generator (wrk with refresh.lua) can drive the same
// targets the built-in one does.
func runServe(ctx context.Context, o options, e *env) error {
	rs, err := setUpRefresh(ctx, o, e)
	if err != nil {
		return err
	}
	defer rs.stop()
	t, toks, floorURL := rs.tenant, rs.tokens, rs.floorURL
	bareURL, stopBare, err := listen(http.HandlerFunc(bareHealthz))
	if err != nil {
		return err
	}
	defer stopBare()
	dir, err := os.MkdirTemp("", "gatehouse-loadtest-tokens-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	ghFile, floorFile := filepath.Join(dir, "gatehouse.tokens"), filepath.Join(dir, "floor.tokens")
	if err := os.WriteFile(ghFile, []byte(strings.Join(toks[:o.sessions], "\n")+"\n"), 0o600); err != nil {
		return err
	}
	if err := os.WriteFile(floorFile, []byte(strings.Join(toks[o.sessions:], "\n")+"\n"), 0o600); err != nil {
		return err
	}
	auth := "Basic " + base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(string(t.clientID))+":"+url.QueryEscape(t.clientSecret)))
	endpoint := e.base + "/p/" + string(t.project.ID) + "/oauth/token"
	fmt.Printf(`
serving until interrupted (Ctrl-C); each token file is good for one run
(the tokens rotate): restart this program for the next.

GH_TOKENS=%s GH_AUTH='%s' GH_THREADS=2 \
  wrk -t2 -c8 -d10s -s scripts/loadtest/refresh.lua %s

GH_TOKENS=%s GH_AUTH='%s' GH_THREADS=2 \
  wrk -t2 -c8 -d10s -s scripts/loadtest/refresh.lua %s/token

wrk -t2 -c8 -d10s %s/healthz
wrk -t2 -c8 -d10s %s/healthz
`, ghFile, auth, endpoint, floorFile, auth, floorURL, e.base, bareURL)
	<-ctx.Done()
	return nil
}
