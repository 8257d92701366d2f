package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromiumEnv names the Chromium binary for page tests. CI sets it; when it
// is set the binary must exist (the tests fail rather than skip).
const chromiumEnv = "GATEHOUSE_TEST_CHROMIUM"

// browserLifetime bounds one test's browser.
const browserLifetime = 3 * time.Minute

// newBrowser starts a headless Chromium with a fresh profile for one test and
// returns a tab context. Without Chromium (and without chromiumEnv) the test
// is skipped with a message saying how to run it.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	path := os.Getenv(chromiumEnv)
	if path == "" {
		for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
			if p, err := exec.LookPath(name); err == nil {
				path = p
				break
			}
		}
	}
	if path == "" {
		t.Skip("Chromium not found: install it (apt-get install -y chromium) or set " + chromiumEnv)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("%s=%s: %v", chromiumEnv, path, err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.UserDataDir(filepath.Join(t.TempDir(), "profile")),
		chromedp.NoSandbox,
		chromedp.Headless,
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
	)
	// A browser lives at most browserLifetime: whatever a test asks of a
	// browser that stopped answering fails then instead of hanging the suite.
	life, cancelLife := context.WithTimeout(context.Background(), browserLifetime)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(life, opts...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancelCtx()
		cancelAlloc()
		cancelLife()
	})
	// The first run starts the browser with no deadline; each step below
	// gets its own.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	return ctx
}

// step runs browser actions with a deadline so a stuck page fails the test
// with the step's name instead of hanging the suite.
func step(t *testing.T, ctx context.Context, name string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(sctx, actions...); err != nil {
		// The location is only for the message: a browser that stopped
		// answering must not turn a failure into a hang.
		lctx, cancelLoc := context.WithTimeout(ctx, 5*time.Second)
		defer cancelLoc()
		loc, _ := chromedp.Run(lctx, chromedp.Location())
		t.Fatalf("%s (at %s): %v", name, loc, err)
	}
}
