package e2e

import (
	"context"
	"os"
	"os/signal"
	"syscall"
	"testing"

	"github.com/gatehouse-auth/gatehouse/cmd/gatehouse/cli"
)

// childEnv makes the test binary act as the gatehouse command instead of
// running tests, so crash tests can SIGKILL a real server process without
// building a binary first.
const childEnv = "GATEHOUSE_E2E_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		cli.UnsetEmptyEnv()
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := cli.Run(ctx, os.Args[1:], os.Stdout, os.Stderr, "e2e")
		stop()
		os.Exit(code)
	}
	os.Exit(m.Run())
}
