// Command gatehouse is the Gatehouse server and its administration CLI.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/gatehouse-auth/gatehouse/cmd/gatehouse/cli"
)

// version is stamped at build time: go build -ldflags "-X main.version=v1.2.3".
// It has to be a package variable for the linker to set it; nothing writes it.
var version = "dev"

func main() {
	cli.UnsetEmptyEnv()
	// SIGINT/SIGTERM cancel the context; serve then shuts down gracefully.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args[1:], os.Stdout, os.Stderr, version)
	stop()
	os.Exit(code)
}
