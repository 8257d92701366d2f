package e2e

import (
	"bufio"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/logbuf"
)

// child is a gatehouse server running as a separate process (this test
// binary re-executed as the gatehouse command), so it can be killed outright.
type child struct {
	cmd    *exec.Cmd
	addr   string
	stdout *logbuf.Buffer
	stderr *logbuf.Buffer
	exited chan struct{}
	err    error // Wait's result, valid after exited is closed
}

var listeningLine = regexp.MustCompile(`Listening on:\s+(\S+)`)

// startChild runs `gatehouse serve` configured only through GATEHOUSE_*
// environment variables, as an operator's service unit would.
func startChild(t *testing.T, d deployment, extraEnv ...string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "serve")
	cmd.Env = append(cleanEnv(),
		childEnv+"=1",
		"GATEHOUSE_ADDR=127.0.0.1:0",
		"GATEHOUSE_DATA_DIR="+d.dataDir,
		"GATEHOUSE_DATABASE_URL="+d.databaseURL,
		"GATEHOUSE_LOG_FORMAT=json",
	)
	cmd.Env = append(cmd.Env, extraEnv...)
	c := &child{cmd: cmd, stdout: &logbuf.Buffer{}, stderr: &logbuf.Buffer{}, exited: make(chan struct{})}
	cmd.Stderr = c.stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start child server: %v", err)
	}
	addrCh := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			line := sc.Text()
			c.stdout.Write([]byte(line + "\n"))
			if m := listeningLine.FindStringSubmatch(line); m != nil {
				addrCh <- m[1]
			}
		}
		_, _ = io.Copy(c.stdout, out)
		c.err = cmd.Wait()
		close(c.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-c.exited:
		default:
			_ = cmd.Process.Kill()
			<-c.exited
		}
		if t.Failed() {
			t.Logf("child stdout:\n%s\nchild stderr:\n%s", c.stdout.String(), c.stderr.String())
		}
	})
	select {
	case c.addr = <-addrCh:
	case <-c.exited:
		t.Fatalf("child server exited before listening (%v):\n%s", c.err, c.stderr.String())
	case <-time.After(60 * time.Second):
		t.Fatalf("child server did not start:\n%s", c.stderr.String())
	}
	return c
}

func (c *child) url() string { return "http://" + c.addr }

// signal sends sig and waits for the process to end.
func (c *child) signal(t *testing.T, sig syscall.Signal) {
	t.Helper()
	if err := c.cmd.Process.Signal(sig); err != nil {
		t.Fatalf("signal %v: %v", sig, err)
	}
	select {
	case <-c.exited:
	case <-time.After(30 * time.Second):
		t.Fatalf("child did not exit after %v", sig)
	}
}

func TestSIGTERMStopsTheServerCleanly(t *testing.T) {
	t.Parallel()
	d := deployment{engine: "sqlite", dataDir: t.TempDir()}
	// Empty variables mean "use the default", as after `export GATEHOUSE_LOG_LEVEL=`.
	c := startChild(t, d, "GATEHOUSE_LOG_LEVEL=", "GATEHOUSE_SHUTDOWN_TIMEOUT=", "GATEHOUSE_PUBLIC_URL=")
	if code, _ := getStatus(t, c.url()+"/healthz"); code != 200 {
		t.Fatalf("healthz: %d", code)
	}
	c.signal(t, syscall.SIGTERM)
	if c.err != nil {
		t.Fatalf("gatehouse serve exited with %v after SIGTERM, want status 0\n%s", c.err, c.stderr.String())
	}
	if !strings.Contains(c.stdout.String(), "Gatehouse stopped.") || !strings.Contains(c.stderr.String(), `"msg":"database closed"`) {
		t.Fatalf("no clean shutdown:\n%s\n%s", c.stdout.String(), c.stderr.String())
	}
}
