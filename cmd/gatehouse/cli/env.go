package cli

import (
	"os"
	"strings"
)

// UnsetEmptyEnv removes GATEHOUSE_* variables whose value is empty, so that
// `GATEHOUSE_LOG_LEVEL=` (as left by a templated unit file or an `export`
// with nothing after it) means "use the default" rather than "the value is
// empty". Call it once at process start, before Run.
func UnsetEmptyEnv() {
	for _, kv := range os.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "GATEHOUSE_") && v == "" {
			_ = os.Unsetenv(k)
		}
	}
}
