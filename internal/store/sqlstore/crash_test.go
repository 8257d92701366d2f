package sqlstore_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/org"
	"github.com/gatehouse-auth/gatehouse/internal/project"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/store/sqlstore"
	"github.com/gatehouse-auth/gatehouse/internal/user"
)

// crashWriterEnv makes the test binary act as a writer process that is
// killed mid-flight by TestSQLiteKill9KeepsCommittedRows.
const crashWriterEnv = "GATEHOUSE_TEST_CRASH_WRITER_DB"

// TestMain lets the test binary double as that writer process.
func TestMain(m *testing.M) {
	if path := os.Getenv(crashWriterEnv); path != "" {
		if err := crashWriter(path); err != nil {
			fmt.Fprintln(os.Stderr, "crash writer:", err)
			os.Exit(2)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// crashWriter creates users one transaction at a time, printing each user's
// ID after its commit returns, until it is killed.
func crashWriter(path string) error {
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, sqlstore.Config{URL: "sqlite:" + path})
	if err != nil {
		return err
	}
	if err := db.Migrate(ctx); err != nil {
		return err
	}
	now := time.Now()
	p, err := project.New("Crash", now)
	if err != nil {
		return err
	}
	o, err := org.New(p.ID, "Crash org", now)
	if err != nil {
		return err
	}
	if err := db.Write(ctx, func(w store.Writer) error {
		if err := w.CreateProject(ctx, p); err != nil {
			return err
		}
		return w.CreateOrganization(ctx, o)
	}); err != nil {
		return err
	}
	fmt.Printf("project %s %s\n", p.ID, o.ID)
	for i := 0; ; i++ {
		u, err := user.New(p.ID, o.ID, fmt.Sprintf("u%d@example.com", i), "", time.Now())
		if err != nil {
			return err
		}
		if err := db.Write(ctx, func(w store.Writer) error { return w.CreateUser(ctx, u) }); err != nil {
			return err
		}
		fmt.Printf("user %s\n", u.ID)
	}
}

// A process killed with SIGKILL in the middle of a stream of writes loses
// none of the transactions whose commit had returned.
func TestSQLiteKill9KeepsCommittedRows(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "crash.db")
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), crashWriterEnv+"="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var (
		projectID id.Project
		orgID     id.Org
		committed []id.User
	)
	sc := bufio.NewScanner(out)
	for sc.Scan() && len(committed) < 300 {
		f := strings.Fields(sc.Text())
		switch {
		case len(f) == 3 && f[0] == "project":
			projectID, orgID = id.Project(f[1]), id.Org(f[2])
		case len(f) == 2 && f[0] == "user":
			committed = append(committed, id.User(f[1]))
		}
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	// Drain what the writer printed before it died: those commits returned too.
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) == 2 && f[0] == "user" {
			committed = append(committed, id.User(f[1]))
		}
	}
	_ = cmd.Wait()
	if len(committed) < 300 {
		t.Fatalf("writer committed only %d users before exiting", len(committed))
	}

	ctx := context.Background()
	db, err := sqlstore.Open(ctx, sqlstore.Config{URL: "sqlite:" + path})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	for _, uid := range committed {
		if _, err := db.GetUser(ctx, projectID, uid); err != nil {
			t.Fatalf("committed user %s after kill -9: %v", uid, err)
		}
	}
	o, err := db.GetOrganization(ctx, projectID, orgID)
	if err != nil {
		t.Fatal(err)
	}
	// The count and the rows were written in one transaction each, so they agree.
	stored := 0
	for page := (store.Page{Limit: 1000}); ; {
		us, err := db.ListUsers(ctx, projectID, store.UserFilter{OrganizationID: orgID}, page)
		if err != nil {
			t.Fatal(err)
		}
		stored += len(us)
		if len(us) < page.Limit {
			break
		}
		page.After = string(us[len(us)-1].ID)
	}
	if int(o.MemberCount) != stored || stored < len(committed) {
		t.Fatalf("after kill -9: member count %d, %d users stored, %d commits acknowledged", o.MemberCount, stored, len(committed))
	}
}
