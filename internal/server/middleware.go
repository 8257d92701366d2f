package server

import (
	"crypto/rand"

	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/metrics"
)

// strictCSP suits JSON and problem documents: nothing may load, nothing may
// frame the response. Pages that need more set their own policy.
const strictCSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

// withMiddleware wraps h so every response carries the security headers, every
// request is logged once, and a panic becomes a 500 problem instead of a
// dropped connection.
func withMiddleware(h http.Handler, log *slog.Logger, m *metrics.Metrics) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		if m != nil {
			m.Started()
			defer m.Finished()
		}
		reqID := rand.Text()[:16]
		hdr := w.Header()
		hdr.Set("X-Content-Type-Options", "nosniff")
		hdr.Set("Referrer-Policy", "no-referrer")
		hdr.Set("X-Frame-Options", "DENY")
		hdr.Set("Content-Security-Policy", strictCSP)
		hdr.Set("Cross-Origin-Opener-Policy", "same-origin")
		hdr.Set("Cross-Origin-Resource-Policy", "same-origin")
		hdr.Set("X-Request-Id", reqID)

		rec := &statusRecorder{ResponseWriter: w}
		defer func() {
			abort := false
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					// The handler asked to abort the response; let net/http do so.
					panic(v)
				}
				log.Error("panic while serving a request",
					"request_id", reqID, "method", r.Method, "path", r.URL.Path,
					"panic", v, "stack", string(debug.Stack()))
				if rec.wroteHeader {
					// Part of a response is out: cut the connection so the
					// client cannot mistake it for a complete one.
					abort = true
				} else {
					writeProblem(rec, http.StatusInternalServerError, codeInternal,
						"an internal error occurred; it has been logged (request "+reqID+")")
				}
			}
			// The path only: query strings may carry emails or tokens, and
			// headers (Authorization) are never logged.
			level := slog.LevelInfo
			switch {
			case rec.status >= 500:
				level = slog.LevelError
			case rec.status < 400 && (r.URL.Path == "/healthz" || r.URL.Path == "/readyz"):
				// Probes arrive every few seconds; successful ones are noise.
				level = slog.LevelDebug
			}
			if m != nil {
				// r.Pattern is the matched route, set by the mux (and for API
				// operations by the API handler) on this same request.
				m.Observe(r.Pattern, r.Method, rec.statusOr200(), time.Since(start))
			}
			log.Log(r.Context(), level, "request",
				"request_id", reqID,
				"method", r.Method,
				"path", r.URL.Path,
				"status", rec.statusOr200(),
				"bytes", rec.bytes,
				"duration_ms", float64(time.Since(start).Microseconds())/1000)
			if abort {
				panic(http.ErrAbortHandler)
			}
		}()
		h.ServeHTTP(rec, r)
	})
}

// statusRecorder remembers the status and size of a response.
type statusRecorder struct {
	http.ResponseWriter
	status      int
	bytes       int64
	wroteHeader bool
}

func (s *statusRecorder) WriteHeader(code int) {
	if !s.wroteHeader {
		s.status, s.wroteHeader = code, true
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if !s.wroteHeader {
		s.WriteHeader(http.StatusOK)
	}
	n, err := s.ResponseWriter.Write(b)
	s.bytes += int64(n)
	return n, err
}

func (s *statusRecorder) statusOr200() int {
	if s.status == 0 {
		return http.StatusOK
	}
	return s.status
}

// Unwrap lets http.ResponseController reach the underlying writer (flush,
// deadlines).
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }
