package worker

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// issue makes a certificate signed by parent (self-signed when nil) and
// writes it and its key as PEM files.
func issue(t *testing.T, dir, name string, parent *x509.Certificate, parentKey *ecdsa.PrivateKey, ca bool) (*x509.Certificate, *ecdsa.PrivateKey, string, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), DNSNames: []string{"temporal.test"},
		IsCA: ca, BasicConstraintsValid: true,
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}}
	if parent == nil {
		parent, parentKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	require.NoError(t, err)
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	kb, err := x509.MarshalECPrivateKey(key)
	require.NoError(t, err)
	certFile, keyFile := filepath.Join(dir, name+".pem"), filepath.Join(dir, name+".key")
	require.NoError(t, os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600))
	require.NoError(t, os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600))
	return cert, key, certFile, keyFile
}

// TestTLSConfig: the configured client certificate, CA and server name
// make a connection that completes an mTLS handshake with a server that
// demands client certificates from that CA; without the certificate the
// server refuses it. Nothing configured means a plain connection.
func TestTLSConfig(t *testing.T) {
	dir := t.TempDir()
	ca, caKey, caFile, _ := issue(t, dir, "ca", nil, nil, true)
	_, _, serverCert, serverKey := issue(t, dir, "server", ca, caKey, false)
	_, _, clientCert, clientKey := issue(t, dir, "client", ca, caKey, false)

	pool := x509.NewCertPool()
	pool.AddCert(ca)
	sc, err := tls.LoadX509KeyPair(serverCert, serverKey)
	require.NoError(t, err)
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{sc}, ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: pool})
	require.NoError(t, err)
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { _ = c.(*tls.Conn).Handshake(); _, _ = c.Write([]byte("ok")); c.Close() }()
		}
	}()
	handshake := func(conf *tls.Config) error {
		c, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", ln.Addr().String(), conf)
		if err != nil {
			return err
		}
		defer c.Close()
		buf := make([]byte, 2)
		_, err = c.Read(buf)
		return err
	}

	conf, err := TLSConfig(clientCert, clientKey, caFile, "temporal.test", false)
	require.NoError(t, err)
	require.NoError(t, handshake(conf), "mTLS with the configured certificate")
	noCert, err := TLSConfig("", "", caFile, "temporal.test", true)
	require.NoError(t, err)
	require.Error(t, handshake(noCert), "the server wants a client certificate")

	none, err := TLSConfig("", "", "", "", false)
	require.NoError(t, err)
	require.Nil(t, none, "nothing configured: plain, as the dev server")
	apiKey, err := TLSConfig("", "", "", "", true)
	require.NoError(t, err)
	require.NotNil(t, apiKey, "an API key implies TLS")
	_, err = TLSConfig(clientCert, filepath.Join(dir, "missing.key"), "", "", false)
	require.Error(t, err)
	_, err = TLSConfig("", "", clientKey, "", false)
	require.ErrorContains(t, err, "no PEM certificate")
}
