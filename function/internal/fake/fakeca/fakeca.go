// Package fakeca makes a throwaway certificate authority and a server
// certificate it signs for the loopback addresses, for every TLS server the
// tests start: the fake IMAP server (which `garoon-sync demo` runs too, so
// nothing here imports "testing"), the real Dovecot of the end-to-end suite,
// and the imapmail tests' own listeners. A client trusts the CA alone, as it
// would a company CA given in GAROON_SYNC_IMAP_CA_FILE; the keys live only
// as long as the process.
package fakeca

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"time"
)

// CA is a certificate authority and one server certificate it signed, for
// 127.0.0.1, ::1 and localhost, valid from an hour ago for a week (ECDSA
// P-256).
type CA struct {
	PEM  []byte         // the CA certificate, PEM: what a client trusts
	Pool *x509.CertPool // the same, as a pool

	Server    tls.Certificate // the server certificate with its key, for tls.Config
	ServerPEM []byte          // the same certificate, PEM, for a server that reads files
	KeyPEM    []byte          // its private key, PEM (EC PRIVATE KEY)
}

// New makes a CA whose certificate is named name (the subject's common
// name), and a server certificate signed by it.
func New(name string) (*CA, error) {
	now := time.Now()
	caKey, caCert, caDER, err := certificate(&x509.Certificate{
		Subject:               pkix.Name{CommonName: name},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(7 * 24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}, nil, nil)
	if err != nil {
		return nil, err
	}
	key, _, der, err := certificate(&x509.Certificate{
		Subject:     pkix.Name{CommonName: "localhost"},
		NotBefore:   now.Add(-time.Hour),
		NotAfter:    now.Add(7 * 24 * time.Hour),
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:    []string{"localhost"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}, caCert, caKey)
	if err != nil {
		return nil, err
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("fakeca: %w", err)
	}
	ca := &CA{
		PEM:       pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
		Pool:      x509.NewCertPool(),
		Server:    tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key},
		ServerPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		KeyPEM:    pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}),
	}
	ca.Pool.AddCert(caCert)
	return ca, nil
}

// certificate makes a key and a certificate from tmpl with a random
// serial, signed by parent's key, or self-signed when parent is nil.
func certificate(tmpl, parent *x509.Certificate, parentKey *ecdsa.PrivateKey) (*ecdsa.PrivateKey, *x509.Certificate, []byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("fakeca: %w", err)
	}
	if tmpl.SerialNumber, err = rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62)); err != nil {
		return nil, nil, nil, fmt.Errorf("fakeca: %w", err)
	}
	if parent == nil {
		parent, parentKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("fakeca: %s: %w", tmpl.Subject.CommonName, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("fakeca: %w", err)
	}
	return key, cert, der, nil
}
