// Command loadtest measures Gatehouse's hot HTTP paths next to baselines
// measured in the same run, on the same machine, with the same load
// generator:
//
//   - refresh: POST /p/{project}/oauth/token with grant_type=refresh_token
//     against a minimal handler doing one indexed read, one UPDATE and one
//     ES256 signature on the same database;
//   - healthz: GET /healthz through the server's whole middleware against a
//     bare net/http handler writing the same body;
//   - login: the password request of the hosted pages, then whole password
//     logins, against raw argon2id at the same parameters, then an overload
//     past the KDF cap (429 with Retry-After, never a pile-up);
//   - serve: set up the refresh and healthz targets and wait, for an external
//     generator (wrk with refresh.lua).
//
// It starts the real server in-process (internal/server) on SQLite or on a
// fresh Postgres database it creates and drops. Targets are measured in
// alternating rounds so a change in the machine's load weighs on both, and
// each is reported with its CPU time per request (this process, plus the
// Postgres backends of the test database), which a shared machine disturbs
// far less than throughput. Results are printed, never asserted.
//
//	go run ./scripts/loadtest -engine sqlite -mode refresh,healthz,login
//	go run ./scripts/loadtest -engine postgres -pg 'postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable'
package main

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/server"
	"github.com/gatehouse-auth/gatehouse/internal/store/sqlstore"
)

type options struct {
	engine      string
	pg          string
	modes       []string
	duration    time.Duration
	warmup      time.Duration
	rounds      int
	concurrency int
	sessions    int
	cpuprofile  string
	loginConc   int
	overload    int
	analyze     bool
	logLevel    string
}

func main() {
	var o options
	var modes string
	flag.StringVar(&o.engine, "engine", "sqlite", "database engine: sqlite or postgres")
	flag.StringVar(&o.pg, "pg", envOr("GATEHOUSE_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"),
		"Postgres server URL; a fresh database is created next to it and dropped at the end")
	flag.StringVar(&modes, "mode", "refresh,healthz", "comma-separated: refresh, healthz, login; or serve (set up and wait for an external generator such as wrk with refresh.lua)")
	flag.DurationVar(&o.duration, "duration", 5*time.Second, "length of each measured round of each target")
	flag.DurationVar(&o.warmup, "warmup", time.Second, "unmeasured run of each target before the rounds")
	flag.IntVar(&o.rounds, "rounds", 2, "rounds per target, alternating targets")
	flag.IntVar(&o.concurrency, "concurrency", 8, "concurrent workers (closed loop, one request in flight each)")
	flag.IntVar(&o.sessions, "sessions", 1000, "sessions per refresh target (each worker rotates its own share)")
	flag.StringVar(&o.cpuprofile, "cpuprofile", "", "write CPU profiles of the first measured round of each target: FILE.<mode>.a (Gatehouse) and FILE.<mode>.b (baseline)")
	flag.IntVar(&o.loginConc, "login-concurrency", 0, "workers for the password login rate (0: twice GOMAXPROCS, so the KDF slots stay busy while other requests wait on the database)")
	flag.IntVar(&o.overload, "overload", 32, "workers for the password overload run (past the KDF cap)")
	flag.BoolVar(&o.analyze, "analyze", true, "on Postgres, ANALYZE after the set-up, as autovacuum does in a live database (false: plan on a fresh database's empty statistics)")
	flag.StringVar(&o.logLevel, "server-log-level", "warn", "the server's log level; at info every request is logged (to a file in the temporary data directory)")
	flag.Parse()
	o.modes = strings.Split(modes, ",")
	if o.engine != sqlstore.EngineSQLite && o.engine != sqlstore.EnginePostgres {
		fatal(fmt.Errorf("-engine must be sqlite or postgres"))
	}
	if o.concurrency < 1 || o.sessions < o.concurrency || o.rounds < 1 {
		fatal(fmt.Errorf("need -concurrency ≥ 1, -sessions ≥ -concurrency, -rounds ≥ 1"))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, o); err != nil {
		fatal(err)
	}
}

func run(ctx context.Context, o options) (err error) {
	fmt.Printf("loadtest: engine=%s server-log-level=%s GOMAXPROCS=%d NumCPU=%d %s concurrency=%d rounds=%d×%s\n",
		o.engine, o.logLevel, runtime.GOMAXPROCS(0), runtime.NumCPU(), runtime.Version(), o.concurrency, o.rounds, o.duration)
	level, err := server.ParseLevel(o.logLevel)
	if err != nil {
		return err
	}
	e, err := startServer(ctx, o.engine, o.pg, level)
	if err != nil {
		return err
	}
	defer func() {
		if serr := e.stop(); serr != nil && err == nil {
			err = serr
		}
	}()
	for _, m := range o.modes {
		switch strings.TrimSpace(m) {
		case "refresh":
			err = runRefresh(ctx, o, e)
		case "healthz":
			err = runHealthz(ctx, o, e)
		case "login":
			err = runLogin(ctx, o, e)
		case "serve":
			err = runServe(ctx, o, e)
		default:
			err = fmt.Errorf("unknown mode %q", m)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// target is one side of a comparison.
type target struct {
	name string
	fn   step
}

// compare warms both targets up, then measures them in alternating rounds
// (A B, B A, …) and prints every round, the totals and ratio = A / B.
func compare(ctx context.Context, o options, e *env, conc int, a, b target, profile string) error {
	for _, t := range []target{a, b} {
		drive(ctx, t.name, o.warmup, conc, t.fn, e.dbCPU)
	}
	var ra, rb []result
	printHeader()
	for i := range o.rounds {
		order := []*target{&a, &b}
		if i%2 == 1 {
			slices.Reverse(order)
		}
		for _, t := range order {
			var stopProfile func()
			if i == 0 && profile != "" {
				side := ".a"
				if t == &b {
					side = ".b"
				}
				var err error
				if stopProfile, err = startProfile(profile + side); err != nil {
					return err
				}
			}
			r := drive(ctx, t.name, o.duration, conc, t.fn, e.dbCPU)
			if stopProfile != nil {
				stopProfile()
			}
			printResult(r)
			if t == &a {
				ra = append(ra, r)
			} else {
				rb = append(rb, r)
			}
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	ma, mb := merge(a.name+" (all rounds)", ra), merge(b.name+" (all rounds)", rb)
	printResult(ma)
	printResult(mb)
	fmt.Printf("throughput ratio %s / %s = %.2f (rounds:", a.name, b.name, ma.rate()/mb.rate())
	for i := range ra {
		fmt.Printf(" %.2f", ra[i].rate()/rb[i].rate())
	}
	fmt.Println(")")
	// CPU per request is steadier than throughput on a shared machine:
	// it does not depend on how much of the cores the process was given.
	fmt.Printf("CPU-cost ratio %s / %s = %.2f (rounds:", b.name, a.name, float64(mb.cpuPerOK())/float64(ma.cpuPerOK()))
	for i := range ra {
		fmt.Printf(" %.2f", float64(rb[i].cpuPerOK())/float64(ra[i].cpuPerOK()))
	}
	fmt.Println(")  [>1 means the first target costs less]")
	return nil
}

func startProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

func profileName(base, mode string) string {
	if base == "" {
		return ""
	}
	return base + "." + mode
}

// refreshSetup is what the refresh comparison and serve mode share: a
// tenant, 2×sessions refresh tokens (half for Gatehouse, half for the
// floor), an analysed database and the floor listening. stop closes the floor.
type refreshSetup struct {
	tenant   *tenant
	tokens   []string
	floorURL string
	stop     func()
}

func setUpRefresh(ctx context.Context, o options, e *env) (*refreshSetup, error) {
	t, err := newTenant(ctx, e, "Refresh load", min(o.sessions, 50), nil)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	toks, err := refreshTokens(ctx, e, t, 2*o.sessions)
	if err != nil {
		return nil, err
	}
	if err := analyze(ctx, o, e); err != nil {
		return nil, err
	}
	fmt.Printf("\n== refresh: %d sessions per target (created in %s), %d users, one confidential client; analyzed: %v\n",
		o.sessions, time.Since(start).Round(time.Millisecond), len(t.users), e.engine == sqlstore.EnginePostgres && o.analyze)
	fl, err := newFloor(ctx, e.db)
	if err != nil {
		return nil, err
	}
	floorURL, stopFloor, err := listen(fl)
	if err != nil {
		fl.close()
		return nil, err
	}
	return &refreshSetup{tenant: t, tokens: toks, floorURL: floorURL, stop: func() { stopFloor(); fl.close() }}, nil
}

func runRefresh(ctx context.Context, o options, e *env) error {
	rs, err := setUpRefresh(ctx, o, e)
	if err != nil {
		return err
	}
	defer rs.stop()
	t, toks, floorURL := rs.tenant, rs.tokens, rs.floorURL
	client := newClient(o.concurrency, nil)
	endpoint := e.base + "/p/" + string(t.project.ID) + "/oauth/token"
	gh := target{"gatehouse POST /oauth/token", refreshStep(client, endpoint, string(t.clientID), t.clientSecret, newChains(toks[:o.sessions], o.concurrency))}
	fb := target{"floor: read+update+ES256", refreshStep(client, floorURL+"/token", string(t.clientID), t.clientSecret, newChains(toks[o.sessions:], o.concurrency))}
	return compare(ctx, o, e, o.concurrency, gh, fb, profileName(o.cpuprofile, "refresh"))
}

// analyze gathers Postgres' statistics, as autovacuum does in a live
// database; a fresh database's planner works from empty statistics.
func analyze(ctx context.Context, o options, e *env) error {
	if e.engine != sqlstore.EnginePostgres || !o.analyze {
		return nil
	}
	if _, err := e.db.Pools()["postgres"].ExecContext(ctx, "ANALYZE"); err != nil {
		return fmt.Errorf("analyze: %w", err)
	}
	return nil
}

func runHealthz(ctx context.Context, o options, e *env) error {
	fmt.Printf("\n== healthz: the server's whole middleware vs bare net/http, same body\n")
	bareURL, stopBare, err := listen(http.HandlerFunc(bareHealthz))
	if err != nil {
		return err
	}
	defer stopBare()
	client := newClient(o.concurrency, nil)
	gh := target{"gatehouse GET /healthz", getStep(client, e.base+"/healthz")}
	bare := target{"bare net/http", getStep(client, bareURL+"/healthz")}
	return compare(ctx, o, e, o.concurrency, gh, bare, profileName(o.cpuprofile, "healthz"))
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "loadtest:", err)
	os.Exit(1)
}
