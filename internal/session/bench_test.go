package session_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/session"
	"github.com/gatehouse-auth/gatehouse/internal/store/sqlstore"
	"github.com/gatehouse-auth/gatehouse/internal/tenancy"
	"github.com/gatehouse-auth/gatehouse/internal/testclock"
	"github.com/gatehouse-auth/gatehouse/internal/testdb"
	"github.com/gatehouse-auth/gatehouse/internal/user"
)

// The refresh benchmarks compare Service.Refresh plus one ES256 signature
// with a floor measured on the same database in the same run: one read by
// primary key, a hash comparison, one conditional UPDATE and one ES256
// signature, with prepared statements and nothing else. docs/sessions.md
// records the ratios.

// signJWT is the one signature a refresh costs: header and claims encoded,
// hashed and signed with P-256.
func signJWT(b *testing.B, key *ecdsa.PrivateKey, claims any) string {
	body, err := json.Marshal(claims)
	if err != nil {
		b.Fatal(err)
	}
	enc := base64.RawURLEncoding
	signing := enc.EncodeToString([]byte(`{"alg":"ES256","typ":"at+jwt","kid":"key_bench"}`)) + "." + enc.EncodeToString(body)
	digest := sha256.Sum256([]byte(signing))
	sig, err := ecdsa.SignASN1(rand.Reader, key, digest[:])
	if err != nil {
		b.Fatal(err)
	}
	return signing + "." + enc.EncodeToString(sig)
}

type benchEnv struct {
	*env
	db   *sqlstore.DB
	key  *ecdsa.PrivateKey
	user *user.User
	proj id.Project
}

func newBenchEnv(b *testing.B, open func(testing.TB) *sqlstore.DB) *benchEnv {
	db := open(b)
	e := newEnv(b, db)
	// Real time: the benchmark runs for seconds and sessions last days.
	e.clk = testclock.New(time.Now())
	e.sess = session.New(db, testKey, session.WithLogger(quiet))
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	a := e.tenant("Bench")
	// Two roles with permissions, so the read aggregates something.
	for _, k := range []string{"invoices.read", "invoices.write", "reports.read"} {
		_, err := e.ten.CreatePermission(e.ctx, system, a.P.ID, tenancy.PermissionInput{Key: k})
		fatalIf(b, err)
	}
	_, err = e.ten.CreateRole(e.ctx, system, a.P.ID, tenancy.RoleInput{Key: "billing", Name: "Billing", Permissions: []string{"invoices.read", "invoices.write", "reports.read"}})
	fatalIf(b, err)
	_, err = e.ten.AssignRole(e.ctx, system, a.P.ID, string(a.U.ID), tenancy.RoleRef{Key: "billing"})
	fatalIf(b, err)
	return &benchEnv{env: e, db: db, key: key, user: a.U, proj: a.P.ID}
}

// chains logs the user in n times and returns the first refresh tokens.
func (be *benchEnv) chains(b *testing.B, n int) []string {
	out := make([]string, n)
	for i := range out {
		_, out[i] = be.connect(be.user, "cli_bench")
	}
	return out
}

func BenchmarkRefresh(b *testing.B) {
	for _, eng := range testdb.Engines() {
		b.Run(eng.Name, func(b *testing.B) {
			be := newBenchEnv(b, eng.Open)
			ctx := context.Background()
			refresh := func(b *testing.B, tok string) string {
				g, err := be.sess.Refresh(ctx, be.proj, "cli_bench", tok)
				if err != nil {
					b.Fatal(err)
				}
				signJWT(b, be.key, map[string]any{
					"iss": "https://gatehouse.test/p/" + be.proj, "sub": g.User.ID, "sid": g.Session.ID, "org_id": g.Org.ID,
					"org": map[string]any{"id": g.Org.ID, "name": g.Org.Name}, "email": g.User.Email, "roles": g.Roles,
					"permissions": g.Permissions, "amr": g.Session.Facts.AMR(), "exp": time.Now().Add(5 * time.Minute).Unix(),
				})
				return g.RefreshToken
			}
			b.Run("serial", func(b *testing.B) {
				tok := be.chains(b, 1)[0]
				for b.Loop() {
					tok = refresh(b, tok)
				}
			})
			b.Run("parallel", func(b *testing.B) {
				toks := be.chains(b, 64)
				var next atomic.Int64
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					tok := toks[next.Add(1)-1]
					for pb.Next() {
						tok = refresh(b, tok)
					}
				})
			})
		})
	}
}

// floor is the minimal refresh: read by ID, compare, update, sign.
type floor struct {
	read, update *sql.Stmt
	key          *ecdsa.PrivateKey
	n            atomic.Int64
}

func newFloor(b *testing.B, be *benchEnv) *floor {
	pools := be.db.Pools()
	readDB, writeDB := pools[be.db.Engine()], pools[be.db.Engine()]
	if be.db.Engine() == sqlstore.EngineSQLite {
		readDB, writeDB = pools["sqlite_read"], pools["sqlite_write"]
	}
	ctx := context.Background()
	read, err := readDB.PrepareContext(ctx, `SELECT user_id, organization_id, refresh_hash FROM sessions WHERE id = $1`)
	if err != nil {
		b.Fatal(err)
	}
	update, err := writeDB.PrepareContext(ctx, `UPDATE sessions SET refresh_hash = $1, refreshed_at = $2 WHERE id = $3 AND refresh_hash = $4`)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { read.Close(); update.Close() })
	return &floor{read: read, update: update, key: be.key}
}

func (f *floor) hash() []byte {
	h := sha256.Sum256(fmt.Appendf(nil, "floor-%d-%d", time.Now().UnixNano(), f.n.Add(1)))
	return h[:]
}

// link is where a floor chain stands: its session and current hash.
type link struct {
	sid  string
	hash []byte
}

// step reads the session, checks that h is its current hash, moves it to a
// new hash and signs.
func (f *floor) step(b *testing.B, l link) link {
	ctx := context.Background()
	var uid, oid string
	var cur []byte
	if err := f.read.QueryRowContext(ctx, l.sid).Scan(&uid, &oid, &cur); err != nil {
		b.Fatal(err)
	}
	if subtle.ConstantTimeCompare(cur, l.hash) != 1 {
		b.Fatal("floor: the chain's hash is not current")
	}
	next := f.hash()
	if _, err := f.update.ExecContext(ctx, next, time.Now().UTC(), l.sid, l.hash); err != nil {
		b.Fatal(err)
	}
	signJWT(b, f.key, map[string]any{"sub": uid, "sid": l.sid, "org_id": oid, "exp": time.Now().Add(5 * time.Minute).Unix()})
	return link{sid: l.sid, hash: next}
}

// seed gives n fresh sessions a known refresh hash each.
func (f *floor) seed(b *testing.B, be *benchEnv, n int) []link {
	out := make([]link, n)
	for i := range out {
		g, tok := be.connect(be.user, "cli_bench")
		h := sha256.Sum256([]byte(tok))
		out[i] = link{sid: string(g.Session.ID), hash: h[:]}
	}
	return out
}

func BenchmarkRefreshFloor(b *testing.B) {
	for _, eng := range testdb.Engines() {
		b.Run(eng.Name, func(b *testing.B) {
			be := newBenchEnv(b, eng.Open)
			f := newFloor(b, be)
			b.Run("serial", func(b *testing.B) {
				h := f.seed(b, be, 1)[0]
				for b.Loop() {
					h = f.step(b, h)
				}
			})
			b.Run("parallel", func(b *testing.B) {
				hs := f.seed(b, be, 64)
				var next atomic.Int64
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					h := hs[next.Add(1)-1]
					for pb.Next() {
						h = f.step(b, h)
					}
				})
			})
		})
	}
}

// BenchmarkRefreshPaired alternates one refresh and one floor step in the
// same loop, so both see the same machine load, and reports each one's mean
// time and their ratio (floor time / refresh time: the share of the floor's
// throughput that Refresh reaches).
func BenchmarkRefreshPaired(b *testing.B) {
	for _, eng := range testdb.Engines() {
		b.Run(eng.Name, func(b *testing.B) {
			be := newBenchEnv(b, eng.Open)
			f := newFloor(b, be)
			tok := be.chains(b, 1)[0]
			h := f.seed(b, be, 1)[0]
			ctx := context.Background()
			var inRefresh, inFloor time.Duration
			for b.Loop() {
				start := time.Now()
				g, err := be.sess.Refresh(ctx, be.proj, "cli_bench", tok)
				if err != nil {
					b.Fatal(err)
				}
				signJWT(b, be.key, map[string]any{
					"sub": g.User.ID, "sid": g.Session.ID, "org_id": g.Org.ID, "org": map[string]any{"id": g.Org.ID, "name": g.Org.Name},
					"email": g.User.Email, "roles": g.Roles, "permissions": g.Permissions, "amr": g.Session.Facts.AMR(),
					"exp": time.Now().Add(5 * time.Minute).Unix(),
				})
				tok = g.RefreshToken
				mid := time.Now()
				h = f.step(b, h)
				inRefresh += mid.Sub(start)
				inFloor += time.Since(mid)
			}
			n := float64(b.N)
			b.ReportMetric(float64(inRefresh.Nanoseconds())/n, "refresh-ns/op")
			b.ReportMetric(float64(inFloor.Nanoseconds())/n, "floor-ns/op")
			b.ReportMetric(float64(inFloor)/float64(inRefresh), "floor/refresh")
		})
	}
}
