package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/store/sqlstore"
)

// floor is the least a refresh endpoint can do: one indexed read of the
// session by the token's hash, one UPDATE that rotates the hash, and one
// ES256 signature, on the same database through pools opened with the
// store's own driver settings. It checks nothing else (no client, no
// policy, no roles), so it is a floor, not an alternative implementation.
type floor struct {
	read   func(ctx context.Context, hash []byte) *sql.Row
	update func(ctx context.Context, newHash []byte, at time.Time, id string, oldHash []byte) (sql.Result, error)
	key    *ecdsa.PrivateKey
	mac    []byte
	header string
	close  func()
}

const (
	floorRead = `SELECT id, user_id, organization_id, facts, expires_at, idle_expires_at, revoked_at
FROM sessions WHERE refresh_hash = $1`
	floorUpdate = `UPDATE sessions SET prev_refresh_hash = refresh_hash, refresh_hash = $1,
refreshed_at = $2, last_active_at = $2 WHERE id = $3 AND refresh_hash = $4`
)

// newFloor prepares the floor's two statements. On SQLite they are
// prepared once (the store prepares its own too); on Postgres pgx caches
// them per connection, as it does for the store.
func newFloor(ctx context.Context, db *sqlstore.DB) (*floor, error) {
	pools := db.Pools()
	readDB, writeDB := pools["sqlite_read"], pools["sqlite_write"]
	if pg := pools["postgres"]; pg != nil {
		readDB, writeDB = pg, pg
	}
	if readDB == nil || writeDB == nil {
		return nil, fmt.Errorf("unexpected pools %v", pools)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	f := &floor{key: key, mac: make([]byte, 32), close: func() {}}
	_, _ = rand.Read(f.mac)
	hdr, _ := json.Marshal(map[string]string{"alg": "ES256", "typ": "at+jwt", "kid": "key_floor"})
	f.header = base64.RawURLEncoding.EncodeToString(hdr)
	if db.Engine() == sqlstore.EngineSQLite {
		rs, err := readDB.PrepareContext(ctx, floorRead)
		if err != nil {
			return nil, err
		}
		us, err := writeDB.PrepareContext(ctx, floorUpdate)
		if err != nil {
			rs.Close()
			return nil, err
		}
		f.read = func(ctx context.Context, h []byte) *sql.Row { return rs.QueryRowContext(ctx, h) }
		f.update = func(ctx context.Context, nh []byte, at time.Time, id string, oh []byte) (sql.Result, error) {
			return us.ExecContext(ctx, nh, at, id, oh)
		}
		f.close = func() { rs.Close(); us.Close() }
		return f, nil
	}
	f.read = func(ctx context.Context, h []byte) *sql.Row { return readDB.QueryRowContext(ctx, floorRead, h) }
	f.update = func(ctx context.Context, nh []byte, at time.Time, id string, oh []byte) (sql.Result, error) {
		return writeDB.ExecContext(ctx, floorUpdate, nh, at, id, oh)
	}
	return f, nil
}

func (f *floor) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	tok := r.PostForm.Get("refresh_token")
	sum := sha256.Sum256([]byte(tok))
	var (
		sid, uid, oid, facts string
		exp, idle            time.Time
		revoked              sql.NullTime
	)
	err := f.read(r.Context(), sum[:]).Scan(&sid, &uid, &oid, &facts, &exp, &idle, &revoked)
	if errors.Is(err, sql.ErrNoRows) {
		http.Error(w, `{"error":"invalid_grant"}`, http.StatusBadRequest)
		return
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	m := hmac.New(sha256.New, f.mac)
	m.Write([]byte(tok))
	next := "gh_rt_" + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
	nsum := sha256.Sum256([]byte(next))
	now := time.Now().UTC().Truncate(time.Microsecond)
	res, err := f.update(r.Context(), nsum[:], now, sid, sum[:])
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	if n, _ := res.RowsAffected(); n != 1 {
		http.Error(w, `{"error":"invalid_grant"}`, http.StatusBadRequest)
		return
	}
	at, err := f.sign(sid, uid, oid, now)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"access_token": at, "token_type": "Bearer", "expires_in": 300, "refresh_token": next,
	})
}

// sign makes a compact JWS of an access-token-sized payload.
func (f *floor) sign(sid, uid, oid string, now time.Time) (string, error) {
	iat := strconv.FormatInt(now.Unix(), 10)
	payload := `{"iss":"http://127.0.0.1/p/proj_floor","sub":"` + uid + `","aud":["cli_floor"],"client_id":"cli_floor",` +
		`"sid":"` + sid + `","org_id":"` + oid + `","org":"Acme","email":"user@example.com","email_verified":true,` +
		`"roles":["owner"],"permissions":[],"amr":["otp"],"iat":` + iat + `,"exp":` + iat + `,"jti":"` + rand.Text() + `"}`
	in := f.header + "." + base64.RawURLEncoding.EncodeToString([]byte(payload))
	d := sha256.Sum256([]byte(in))
	r, s, err := ecdsa.Sign(rand.Reader, f.key, d[:])
	if err != nil {
		return "", err
	}
	var sig [64]byte
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return in + "." + base64.RawURLEncoding.EncodeToString(sig[:]), nil
}

// healthzBody is what the server's GET /healthz writes.
const healthzBody = "{\"status\":\"ok\"}\n"

// bareHealthz writes the same response as the server's /healthz with
// nothing around it.
func bareHealthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte(healthzBody))
}

// listen serves h on a random loopback port until the returned stop.
func listen(h http.Handler) (base string, stop func(), err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return "http://" + ln.Addr().String(), func() { _ = srv.Close() }, nil
}
