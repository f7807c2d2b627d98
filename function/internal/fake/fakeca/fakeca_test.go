package fakeca_test

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"testing"

	"garoon-calendar-sync/function/internal/fake/fakeca"
)

// TestServerVerifiesThroughCA: a TLS client that trusts only the CA
// accepts the server certificate for each loopback name, and one that
// trusts nothing refuses it.
func TestServerVerifiesThroughCA(t *testing.T) {
	ca, err := fakeca.New("test CA")
	if err != nil {
		t.Fatal(err)
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{ca.Server}})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	// handshake connects a client with cfg to the listener, which serves
	// the server certificate.
	handshake := func(cfg *tls.Config) error {
		done := make(chan struct{})
		go func() {
			defer close(done)
			if c, err := ln.Accept(); err == nil {
				_ = c.(*tls.Conn).Handshake()
				c.Close()
			}
		}()
		defer func() { <-done }()
		c, err := tls.Dial("tcp", ln.Addr().String(), cfg)
		if err == nil {
			c.Close()
		}
		return err
	}
	for _, name := range []string{"127.0.0.1", "::1", "localhost"} {
		if err := handshake(&tls.Config{RootCAs: ca.Pool, ServerName: name}); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if err := handshake(&tls.Config{RootCAs: ca.Pool, ServerName: "example.com"}); err == nil {
		t.Error("the certificate is valid for example.com")
	}
	if err := handshake(&tls.Config{RootCAs: x509.NewCertPool(), ServerName: "localhost"}); err == nil {
		t.Error("a client trusting nothing accepted the certificate")
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(ca.PEM) {
		t.Error("PEM holds no certificate")
	}
	if _, err := tls.X509KeyPair(ca.ServerPEM, ca.KeyPEM); err != nil {
		t.Errorf("ServerPEM and KeyPEM are not a pair: %v", err)
	}
	if b, _ := pem.Decode(ca.KeyPEM); b == nil || b.Type != "EC PRIVATE KEY" {
		t.Errorf("KeyPEM: %v", b)
	}
}
