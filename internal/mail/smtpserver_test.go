package mail_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"math/big"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// received is one message as the SMTP server got it.
type received struct {
	From   string
	To     []string
	Data   []byte
	TLS    bool
	AuthAs string
}

// smtpServer is a real SMTP server in the test process that records what it
// receives. Its behaviour can be switched while it runs.
type smtpServer struct {
	t    testing.TB
	srv  *smtp.Server
	addr string

	mu       sync.Mutex
	got      []received
	failData *smtp.SMTPError // answer DATA with this instead of accepting
	failRcpt *smtp.SMTPError // answer RCPT with this
	user     string          // when set, AUTH PLAIN with user/pass is required
	pass     string
}

type serverOpts struct {
	tls      *tls.Config // offered through STARTTLS, or from the start when implicit
	implicit bool
	user     string
	pass     string
}

func startSMTP(t testing.TB, o serverOpts) *smtpServer {
	t.Helper()
	s := &smtpServer{t: t, user: o.user, pass: o.pass}
	s.srv = smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		_, isTLS := c.TLSConnectionState()
		return &session{s: s, tls: isTLS}, nil
	}))
	s.srv.Domain = "mx.test"
	s.srv.ReadTimeout, s.srv.WriteTimeout = 10*time.Second, 10*time.Second
	s.srv.AllowInsecureAuth = true
	var l net.Listener
	var err error
	if o.implicit {
		l, err = tls.Listen("tcp", "127.0.0.1:0", o.tls)
	} else {
		s.srv.TLSConfig = o.tls
		l, err = net.Listen("tcp", "127.0.0.1:0")
	}
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	s.addr = l.Addr().String()
	go func() { _ = s.srv.Serve(l) }()
	t.Cleanup(func() { s.srv.Close() })
	return s
}

func (s *smtpServer) messages() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.got...)
}

func (s *smtpServer) setFailData(e *smtp.SMTPError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failData = e
}

func (s *smtpServer) setFailRcpt(e *smtp.SMTPError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failRcpt = e
}

type session struct {
	s      *smtpServer
	tls    bool
	authAs string
	from   string
	to     []string
}

func (ss *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (ss *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		ss.s.mu.Lock()
		defer ss.s.mu.Unlock()
		if user != ss.s.user || pass != ss.s.pass {
			return errors.New("invalid credentials")
		}
		ss.authAs = user
		return nil
	}), nil
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	ss.s.mu.Lock()
	needAuth := ss.s.user != ""
	ss.s.mu.Unlock()
	if needAuth && ss.authAs == "" {
		return smtp.ErrAuthRequired
	}
	ss.from = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.s.mu.Lock()
	defer ss.s.mu.Unlock()
	if ss.s.failRcpt != nil {
		return ss.s.failRcpt
	}
	ss.to = append(ss.to, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	ss.s.mu.Lock()
	defer ss.s.mu.Unlock()
	if ss.s.failData != nil {
		return ss.s.failData
	}
	ss.s.got = append(ss.s.got, received{From: ss.from, To: ss.to, Data: bytes.Clone(b), TLS: ss.tls, AuthAs: ss.authAs})
	return nil
}

func (ss *session) Reset()        { ss.from, ss.to = "", nil }
func (ss *session) Logout() error { return nil }

// testCA makes a self-signed certificate for 127.0.0.1 and the pool that trusts it.
func testCA(t testing.TB) (*tls.Config, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "mx.test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:     []string{"localhost"},
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:         true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}, pool
}
