package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// chains are the refresh tokens each worker rotates: worker w owns its own
// sessions, so no two requests ever present the same token at once.
type chains struct {
	toks [][]string
	next []int
}

func newChains(toks []string, workers int) *chains {
	c := &chains{toks: make([][]string, workers), next: make([]int, workers)}
	for i, t := range toks {
		c.toks[i%workers] = append(c.toks[i%workers], t)
	}
	return c
}

// refreshStep presents the worker's next token to endpoint with
// client_secret_basic and keeps the successor.
func refreshStep(client *http.Client, endpoint, clientID, secret string, ch *chains) step {
	basicID, basicSecret := url.QueryEscape(clientID), url.QueryEscape(secret)
	return func(ctx context.Context, w int) error {
		mine := ch.toks[w]
		i := ch.next[w]
		ch.next[w] = (i + 1) % len(mine)
		body := "grant_type=refresh_token&refresh_token=" + url.QueryEscape(mine[i])
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(basicID, basicSecret)
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		raw, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return err
		}
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("status %d: %.200s", resp.StatusCode, raw)
		}
		var out struct {
			AccessToken  string `json:"access_token"`
			RefreshToken string `json:"refresh_token"`
		}
		if err := json.Unmarshal(raw, &out); err != nil {
			return err
		}
		if out.AccessToken == "" || out.RefreshToken == "" {
			return fmt.Errorf("answer without tokens: %.200s", raw)
		}
		mine[i] = out.RefreshToken
		return nil
	}
}

// getStep fetches endpoint and expects 200 with the healthz body.
func getStep(client *http.Client, endpoint string) step {
	return func(ctx context.Context, _ int) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpoint, nil)
		if err != nil {
			return err
		}
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		raw, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return err
		}
		if resp.StatusCode != http.StatusOK || string(raw) != healthzBody {
			return fmt.Errorf("status %d: %.200s", resp.StatusCode, raw)
		}
		return nil
	}
}
